"""``TrainState``: where a training run stands between epochs, as plain data.

Everything a resumed run needs besides the network's parameters: a checkpoint
(:mod:`deltaprop.training.checkpoint`) saves it, and ``Trainer(model, config, state=...)``
continues from it, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .history import History

__all__ = ["TrainState"]


@dataclass
class TrainState:
    """Where a training run stands, between epochs: what a checkpoint must hold
    besides the network's parameters.

    Attributes
    ----------
    epoch : int
        Epochs completed.
    rng_state : dict
        The shuffling generator's state (``numpy.random.Generator.bit_generator.state``).
    optimizer_state : dict
        The optimiser's state (plain data: arrays shaped like the parameters, numbers).
    history : History
        The rows of the epochs completed.
    schedule_state : dict
        The learning-rate schedule's state, plain data.
    stopping_state : dict
        Early stopping's: the best score, its epoch and parameters, epochs waited.
    stopped : str or None
        Why the run ended itself (early stopping, the plateau schedule's last step); a run
        that stopped itself is finished and trains no more epochs.

    Examples
    --------
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> trainer = Trainer(net, deltaprop.TrainConfig(epochs=2, seed=0))
    >>> _ = trainer.run(X, np.eye(2)[y])                      # float64 inputs, one-hot targets
    >>> trainer.state.epoch, len(trainer.state.history), trainer.state.stopped
    (2, 2, None)
    """

    epoch: int = 0  # epochs completed
    rng_state: dict[str, Any] = field(default_factory=dict)  # the shuffling generator's state
    optimizer_state: dict[str, Any] = field(default_factory=dict)
    history: History = field(default_factory=History)
    schedule_state: dict[str, Any] = field(default_factory=dict)  # the schedule's, plain data
    stopping_state: dict[str, Any] = field(default_factory=dict)  # early stopping's: best
    #                                       score, epoch and parameters, epochs waited
    stopped: str | None = None  # why the run ended itself; None while it may go on
