"""The hyper-parameters of a training run, validated once."""

from __future__ import annotations

from dataclasses import dataclass

from .._validation import check_positive_float, check_positive_int, check_seed


@dataclass(frozen=True)
class TrainConfig:
    """Mini-batch stochastic gradient descent over epochs (SPEC.md, "The algorithm").

    Each field is also a ``Network.fit`` keyword and a ``deltaprop train`` option.
    """

    epochs: int = 30  # passes over the training data
    batch_size: int = 10  # m, samples per mini-batch; a final shorter batch is kept
    eta: float = 3.0  # η, the learning rate: w → w − η ∂C/∂w, C the mini-batch's mean cost
    shuffle: bool = True  # reshuffle the training data at the start of every epoch
    seed: int | None = None  # seeds the shuffling; None draws fresh entropy

    def __post_init__(self) -> None:
        object.__setattr__(self, "epochs", check_positive_int("epochs", self.epochs))
        object.__setattr__(self, "batch_size", check_positive_int("batch_size", self.batch_size))
        object.__setattr__(self, "eta", check_positive_float("eta", self.eta))
        object.__setattr__(self, "seed", check_seed("seed", self.seed))
        if not isinstance(self.shuffle, bool):
            raise ValueError(f"shuffle must be True or False, got {self.shuffle!r}")
