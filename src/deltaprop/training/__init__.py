"""Training: the hyper-parameters, optimisers, the loop, callbacks, the history it keeps and
checkpoints to resume it, and the progress shown while it runs.

:func:`fit` is the one entry every training run goes through (``training/fit.py`` follows the
path from there down to the weight update); :class:`Trainer` is the loop it runs."""

from .callbacks import Callback, Step
from .checkpoint import Checkpoint, CheckpointData, load_checkpoint, restore, save_checkpoint
from .config import TrainConfig
from .fit import fit
from .history import History
from .loop import Trainer
from .optimizers import OPTIMIZERS, SGD, Optimizer, get_optimizer
from .partition import Partition
from .progress import EpochLine, ProgressBar
from .state import TrainState

__all__ = [
    "OPTIMIZERS",
    "SGD",
    "Callback",
    "Checkpoint",
    "CheckpointData",
    "EpochLine",
    "History",
    "Optimizer",
    "Partition",
    "ProgressBar",
    "Step",
    "TrainConfig",
    "TrainState",
    "Trainer",
    "fit",
    "get_optimizer",
    "load_checkpoint",
    "restore",
    "save_checkpoint",
]
