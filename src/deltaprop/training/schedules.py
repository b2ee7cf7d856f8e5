"""Learning-rate schedules: the η each epoch trains with.

A schedule is a small frozen object whose state is plain data, like an optimiser's:
``state = s.init()``; ``s.eta(epoch, epochs, eta, state)`` gives η for epoch ``epoch``
(counted from 1, of ``epochs``) from the base rate ``eta``; after each epoch
``s.update(score, state)`` sees the validation score (higher is better; None without
validation data) and returns True to stop training.

- ``constant``: η every epoch.
- ``plateau``: the classic schedule: halve η whenever the validation score has not improved
  on its best for ``patience`` epochs in a row, and stop when η has dropped to η/128.
- ``cosine``: η_e = ½ η (1 + cos(π (e − 1)/E)) for epoch e of E: from η down towards 0
  along half a cosine (Loshchilov & Hutter 2017, one cycle, no restarts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from .._validation import check_fraction, check_positive_int

__all__ = ["SCHEDULES", "Constant", "Cosine", "Plateau", "Schedule", "get_schedule"]


@dataclass(frozen=True)
class Schedule:
    """Base class: the constant schedule.

    A schedule is frozen; its state is plain data (``init``), so a checkpoint saves it. A
    subclass sets ``name`` and overrides ``eta`` (and ``update`` to watch the validation
    score, with ``needs_validation = True``). ``Network.fit(schedule=...)`` takes an instance.

    Attributes
    ----------
    name : str
        The name ``Network.fit(schedule=...)`` and the command line use.
    needs_validation : bool
        Whether the schedule watches a validation score (``fit`` then needs validation data).

    Examples
    --------
    >>> class Step(Schedule):                      # η/10 from epoch 20 on
    ...     name = "step"
    ...     def eta(self, epoch, epochs, eta, state):
    ...         return eta if epoch < 20 else eta / 10
    >>> s = Step()
    >>> s.eta(1, 30, 0.5, s.init()), s.eta(25, 30, 0.5, s.init())
    (0.5, 0.05)
    """

    name: ClassVar[str] = "constant"
    #: whether the schedule watches a validation score
    needs_validation: ClassVar[bool] = False
    #: the TrainConfig fields of the settings are named prefix + field name
    config_prefix: ClassVar[str] = ""

    def init(self) -> dict[str, Any]:
        """The schedule's state, as plain data."""
        return {}

    def eta(self, epoch: int, epochs: int, eta: float, state: dict[str, Any]) -> float:
        """η for epoch ``epoch`` (1 … ``epochs``), given the base learning rate ``eta``."""
        return eta

    def update(self, score: float | None, state: dict[str, Any]) -> bool:
        """Called after each epoch with the validation score; True stops training."""
        return False


@dataclass(frozen=True)
class Constant(Schedule):
    """The same η every epoch (``schedule="constant"``, the default).

    Examples
    --------
    >>> s = Constant()
    >>> [s.eta(epoch, 3, 0.5, s.init()) for epoch in (1, 2, 3)]
    [0.5, 0.5, 0.5]
    """


@dataclass(frozen=True)
class Cosine(Schedule):
    """η_e = ½ η (1 + cos(π (e − 1)/E)): η in the first epoch, near 0 in the last
    (``schedule="cosine"``).

    Examples
    --------
    >>> s = Cosine()
    >>> [round(s.eta(epoch, 4, 1.0, s.init()), 3) for epoch in (1, 2, 3, 4)]   # E = 4, η = 1
    [1.0, 0.854, 0.5, 0.146]
    """

    name: ClassVar[str] = "cosine"

    def eta(self, epoch: int, epochs: int, eta: float, state: dict[str, Any]) -> float:
        progress = min(epoch - 1, epochs) / epochs  # 1 (η = 0) for any epoch past the last
        return 0.5 * eta * (1.0 + math.cos(math.pi * progress))


@dataclass(frozen=True)
class Plateau(Schedule):
    """Multiply η by ``factor`` after ``patience`` epochs without a new best validation score;
    stop when η has reached ``eta_ratio`` of its starting value.

    The defaults are the classic "no-improvement-in-10" rule: halve η, stop at η/128
    (``schedule="plateau"``, with ``plateau_patience``). It needs validation data.

    Parameters
    ----------
    patience : int, default 10
        Epochs without a better validation score before η is multiplied by ``factor``.
    factor : float, default 0.5
        What η is multiplied by on a plateau, 0 < factor < 1.
    eta_ratio : float, default 1/128
        Training stops once η is down to this fraction of its starting value.

    Examples
    --------
    >>> s = Plateau(patience=2)
    >>> state = s.init()
    >>> [s.update(score, state) for score in (0.90, 0.80, 0.85)]   # True would stop
    [False, False, False]
    >>> s.eta(4, 30, 0.5, state)                        # two epochs without a better score
    0.25
    """

    patience: int = 10
    factor: float = 0.5
    eta_ratio: float = 1 / 128
    name: ClassVar[str] = "plateau"
    needs_validation: ClassVar[bool] = True
    config_prefix: ClassVar[str] = "plateau_"

    def __post_init__(self) -> None:
        object.__setattr__(self, "patience", check_positive_int("patience", self.patience))
        for field in ("factor", "eta_ratio"):
            value = check_fraction(field, getattr(self, field))
            if value == 0:
                raise ValueError(f"{field} must be above 0 and below 1, got 0")
            object.__setattr__(self, field, value)

    def init(self) -> dict[str, Any]:
        # scale: η is eta × scale; best: the best score so far; wait: epochs since it
        return {"scale": 1.0, "best": None, "wait": 0}

    def eta(self, epoch: int, epochs: int, eta: float, state: dict[str, Any]) -> float:
        return eta * float(state["scale"])

    def update(self, score: float | None, state: dict[str, Any]) -> bool:
        if score is None:
            raise ValueError("the plateau schedule needs a validation score after every epoch")
        if state["best"] is None or score > state["best"]:
            state["best"], state["wait"] = float(score), 0
            return False
        state["wait"] += 1
        if state["wait"] < self.patience:
            return False
        state["scale"] *= self.factor
        state["wait"] = 0
        # Stop once η has come down to eta_ratio of its start (a little slack for rounding).
        return bool(state["scale"] <= self.eta_ratio * (1 + 1e-9))


SCHEDULES: dict[str, Schedule] = {s.name: s for s in (Constant(), Plateau(), Cosine())}
"""Every schedule by name, with its default settings: constant, plateau, cosine."""


def get_schedule(name: str | Schedule, *, patience: int | None = None) -> Schedule:
    """Look up a schedule by name, or pass an instance through.

    Parameters
    ----------
    name : str or Schedule
        ``"constant"``, ``"plateau"`` or ``"cosine"``, or an instance.
    patience : int, optional
        The plateau schedule's ``patience`` (default 10).

    Returns
    -------
    Schedule

    Examples
    --------
    >>> get_schedule("plateau", patience=3)
    Plateau(patience=3, factor=0.5, eta_ratio=0.0078125)
    >>> list(SCHEDULES)
    ['constant', 'plateau', 'cosine']
    """
    if isinstance(name, Schedule):
        return name
    if isinstance(name, str) and name in SCHEDULES:
        if name == "plateau" and patience is not None:
            return Plateau(patience)
        return SCHEDULES[name]
    raise ValueError(f"unknown schedule {name!r}; choose one of: {', '.join(SCHEDULES)}")
