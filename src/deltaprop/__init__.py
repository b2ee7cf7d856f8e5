"""deltaprop: feedforward neural networks trained by backpropagation.

The forward pass (eq. 25) and the four equations BP1–BP4, matrix-based over the mini-batch,
with mini-batch stochastic gradient descent over epochs.

>>> import deltaprop
>>> net = deltaprop.Network([784, 30, 10], seed=1)

Subpackages load on first use, so ``import deltaprop`` stays quick:

>>> X_train, y_train, X_test, y_test = deltaprop.datasets.load_digits()

The reference, module by module (the names below are the ones most programs need):

- `deltaprop.core`: the mathematics: activations σ, costs (BP1), initialisations, and the
  forward pass (eq. 25) and BP1–BP4 over a mini-batch;
- `deltaprop.training`: the training loop and its configuration, callbacks, the History,
  checkpoints, and the progress bar;
- `deltaprop.training.optimizers` and `deltaprop.training.schedules`: SGD, momentum,
  Nesterov, Adam, and learning-rate schedules; `deltaprop.training.measure`: which data a
  run measured after each epoch (``val_*`` or ``test_*``);
- `deltaprop.insight`: the gradient check, the diagnosis, the genie and the Monitor;
- `deltaprop.insight.plots` and `deltaprop.insight.report`: figures (matplotlib) and the HTML
  training report, which `deltaprop.insight.live` keeps up to date while a run goes on;
- `deltaprop.insight.figures`: the tutorial's pictures (the digit and a^L, σ and σ', the
  genie, the plateau, the weights that never move);
- `deltaprop.datasets`: ``load_mnist`` and ``load_digits``;
- `deltaprop.io`: the readers behind them; `deltaprop.io.tables`: the reader of your own
  ``.csv``, ``.npy`` and ``.npz`` tables (classes as numbers or names); `deltaprop.io.model`:
  model files and the names of their classes;
- `deltaprop.sklearn`: scikit-learn estimators;
- `deltaprop.backends`: NumPy, CuPy, PyTorch and other Array API libraries;
- `deltaprop.scale`: data-parallel training over MPI;
- `deltaprop.cli`: the ``deltaprop`` command.

The notation and the mathematics are stated in ``docs/notation.md``.
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

#: the subpackages and modules reached as attributes, ``deltaprop.datasets``, imported on
#: first use (PEP 562)
_SUBMODULES = frozenset(
    {
        "backends",
        "cli",
        "core",
        "datasets",
        "errors",
        "insight",
        "io",
        "network",
        "scale",
        "sklearn",
        "training",
    }
)


def __getattr__(name: str) -> object:
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_SUBMODULES})


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
