"""deltaprop: feedforward neural networks trained by backpropagation.

The forward pass (eq. 25) and the four equations BP1–BP4, matrix-based over the mini-batch,
with mini-batch stochastic gradient descent over epochs.

>>> import deltaprop
>>> net = deltaprop.Network([784, 30, 10], seed=1)
"""

from ._version import __version__
from .errors import DistributedError, DivergenceError, FormatError
from .insight.diagnose import Diagnosis, diagnose
from .insight.genie import GenieResult, genie
from .insight.gradcheck import GradcheckResult, gradcheck
from .insight.monitor import Monitor
from .network import Network, NetworkConfig, load
from .training.callbacks import Callback, Step
from .training.config import TrainConfig
from .training.history import History

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
