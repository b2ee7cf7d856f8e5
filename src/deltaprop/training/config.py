"""The hyper-parameters of a training run, validated once."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

from .._validation import (
    check_fraction,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
    check_seed,
)
from .optimizers import OPTIMIZERS, Adam, Momentum
from .schedules import SCHEDULES


@dataclass(frozen=True)
class TrainConfig:
    """Mini-batch stochastic gradient descent over epochs (docs/notation.md), with the
    optimisers, regularisation, schedules, validation and early stopping practitioners use.

    Each field is also a ``Network.fit`` keyword and a ``deltaprop train`` option (``l2`` is
    ``--l2``, ``batch_size`` is ``--batch-size``; ``validation_split`` is ``--validation`` and
    ``shuffle`` is ``--no-shuffle``). Every field is a plain number, string or None, so a
    configuration saves as JSON.

    Parameters
    ----------
    epochs : int, default 30
        Passes over the training data.
    batch_size : int, default 10
        m, samples per mini-batch; a final shorter batch is kept.
    eta : float, default 3.0
        η, the learning rate: w → w − η ∂C/∂w, C the mini-batch's mean cost.
    shuffle : bool, default True
        Reshuffle the training data at the start of every epoch.
    seed : int, optional
        Seeds the shuffling and dropout; None draws fresh entropy.
    optimizer : str, default "sgd"
        "sgd", "momentum", "nesterov" or "adam" (:mod:`deltaprop.training.optimizers`).
    momentum : float, default 0.9
        μ of "momentum" and "nesterov", 0 ≤ μ < 1.
    beta1, beta2 : float, default 0.9, 0.999
        Adam's decay rates for the mean of the gradient and of its square.
    epsilon : float, default 1e-8
        Adam's ε, added to √v.
    l2 : float, default 0
        λ of the L2 penalty (λ/2n) Σ w²: each step w → (1 − ηλ/n) w − η ∂C_0/∂w. Biases are
        never regularised.
    l1 : float, default 0
        λ of the L1 penalty (λ/n) Σ |w|.
    dropout : float, default 0
        p, the chance that a hidden neuron is dropped in a training step.
    schedule : str, default "constant"
        "constant", "plateau" (halve η on a plateau of the validation score) or "cosine".
    plateau_patience : int, default 10
        Epochs without a better validation score before "plateau" halves η.
    validation_split : float or int, optional
        Hold out the last rows of the training data for validation: a fraction in (0, 1) or
        a number of rows (MNIST's classic 50,000/10,000 split is 10000).
    patience : int, optional
        Stop after this many epochs without a better validation score, keeping the best
        epoch's weights; None never stops early.

    Examples
    --------
    >>> config = TrainConfig(epochs=60, eta=0.5, l2=5.0, schedule="plateau",
    ...                      validation_split=10_000)
    >>> config.batch_size, config.n_validation(60_000)
    (10, 10000)
    >>> TrainConfig(eta=-1)
    Traceback (most recent call last):
    ...
    ValueError: ...
    """

    epochs: int = 30  # passes over the training data
    batch_size: int = 10  # m, samples per mini-batch; a final shorter batch is kept
    eta: float = 3.0  # η, the learning rate: w → w − η ∂C/∂w, C the mini-batch's mean cost
    shuffle: bool = True  # reshuffle the training data at the start of every epoch
    seed: int | None = None  # seeds the shuffling and dropout; None draws fresh entropy
    # -- the optimiser (deltaprop.training.optimizers)
    optimizer: str = "sgd"  # "sgd", "momentum", "nesterov" or "adam"
    momentum: float = 0.9  # μ of "momentum" and "nesterov", 0 ≤ μ < 1
    beta1: float = 0.9  # Adam's decay rate for the mean of the gradient
    beta2: float = 0.999  # Adam's decay rate for the mean of its square
    epsilon: float = 1e-8  # Adam's ε, added to √v
    # -- regularisation (deltaprop.training.regularization); biases are never regularised
    l2: float = 0.0  # λ of the L2 penalty (λ/2n) Σ w²: each step w → (1 − ηλ/n) w − η ∂C_0/∂w
    l1: float = 0.0  # λ of the L1 penalty (λ/n) Σ |w|
    dropout: float = 0.0  # p, the chance that a hidden neuron is dropped in a training step
    # -- the learning-rate schedule (deltaprop.training.schedules)
    schedule: str = "constant"  # "constant", "plateau" (halve η on a plateau) or "cosine"
    plateau_patience: int = 10  # epochs without a better validation score before halving η
    # -- validation and early stopping (deltaprop.training.early_stopping)
    # validation_split holds out the last rows of the training data: a fraction in (0, 1) or a
    # number of rows ≥ 1 (MNIST's classic 50,000/10,000 split is 10000)
    validation_split: float | int | None = None
    patience: int | None = None  # stop after this many epochs without a better validation
    #                              score, keeping the best epoch's weights; None: never stop

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "epochs", check_positive_int("epochs", self.epochs))
        set_(self, "batch_size", check_positive_int("batch_size", self.batch_size))
        set_(self, "eta", check_positive_float("eta", self.eta))
        set_(self, "seed", check_seed("seed", self.seed))
        if not isinstance(self.shuffle, bool):
            raise ValueError(f"shuffle must be True or False, got {self.shuffle!r}")
        _check_name("optimizer", self.optimizer, OPTIMIZERS)
        _check_name("schedule", self.schedule, SCHEDULES)
        for name in ("l2", "l1"):
            set_(self, name, check_nonnegative_float(name, getattr(self, name)))
        set_(self, "dropout", check_fraction("dropout", self.dropout))
        set_(self, "plateau_patience", check_positive_int("plateau_patience",
                                                          self.plateau_patience))  # fmt: skip
        set_(self, "validation_split", _check_split(self.validation_split))
        if self.patience is not None:
            set_(self, "patience", check_positive_int("patience", self.patience))
        # μ, β1, β2 and ε are checked whichever optimiser is chosen
        set_(self, "momentum", Momentum(self.momentum).momentum)
        adam = Adam(self.beta1, self.beta2, self.epsilon)
        for name in ("beta1", "beta2", "epsilon"):
            set_(self, name, getattr(adam, name))

    def n_validation(self, n: int) -> int:
        """How many of ``n`` training rows ``validation_split`` holds out (0 if None)."""
        split = self.validation_split
        if split is None:
            return 0
        rows = int(split) if isinstance(split, int) else math.ceil(split * n)  # as train_test_split
        if not 1 <= rows < n:
            raise ValueError(
                f"validation_split={split!r} holds out {rows} of the {n} training rows; it "
                f"must leave at least one row for training and one for validation"
            )
        return rows


def _check_name(field: str, value: Any, registry: dict[str, Any]) -> None:
    if not isinstance(value, str) or value not in registry:
        raise ValueError(f"unknown {field} {value!r}; choose one of: {', '.join(registry)}")


def _check_split(split: Any) -> float | int | None:
    """None, a fraction 0 < f < 1, or a whole number of rows ≥ 1 (like scikit-learn's
    ``test_size``); 0 means none."""
    if split is None or (isinstance(split, numbers.Real) and split == 0):
        return None
    if isinstance(split, bool) or not isinstance(split, numbers.Real):
        raise ValueError(
            f"validation_split must be a fraction in (0, 1) or a number of rows, got {split!r}"
        )
    if isinstance(split, numbers.Integral):
        return check_positive_int("validation_split", split)
    split = float(split)
    if not 0 < split < 1:
        raise ValueError(
            f"validation_split must be a fraction in (0, 1) of the training rows or a whole "
            f"number of rows, got {split!r}"
        )
    return split
