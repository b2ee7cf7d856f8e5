"""deltaprop: feedforward neural networks trained by backpropagation.

The forward pass (eq. 25) and the four equations BP1–BP4, matrix-based over the mini-batch,
with mini-batch stochastic gradient descent over epochs.

>>> import deltaprop
>>> net = deltaprop.Network([784, 30, 10], seed=1)
"""

from .errors import DistributedError, DivergenceError, FormatError
from .insight.diagnose import Diagnosis, diagnose
from .insight.genie import GenieResult, genie
from .insight.gradcheck import GradcheckResult, gradcheck
from .insight.monitor import Monitor
from .io.model import load
from .network import Network, NetworkConfig
from .training.callbacks import Callback, Step
from .training.config import TrainConfig
from .training.history import History

__version__ = "0.1.0"
"""The installed version of deltaprop."""

__all__ = [
    "Callback",
    "Diagnosis",
    "DistributedError",
    "DivergenceError",
    "FormatError",
    "GenieResult",
    "GradcheckResult",
    "History",
    "Monitor",
    "Network",
    "NetworkConfig",
    "Step",
    "TrainConfig",
    "__version__",
    "diagnose",
    "genie",
    "gradcheck",
    "load",
]
