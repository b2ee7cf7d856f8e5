"""Training: the hyper-parameters, optimisers, the loop, callbacks and the history it keeps."""

from .callbacks import Callback, Step
from .config import TrainConfig
from .history import History
from .loop import Trainer, TrainState, train
from .optimizers import OPTIMIZERS, SGD, Optimizer, get_optimizer

__all__ = [
    "OPTIMIZERS",
    "SGD",
    "Callback",
    "History",
    "Optimizer",
    "Step",
    "TrainConfig",
    "TrainState",
    "Trainer",
    "get_optimizer",
    "train",
]
