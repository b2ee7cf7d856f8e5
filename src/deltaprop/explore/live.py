"""Settings changed while a run trains: η, L2 and L1 λ, dropout's p, the optimiser and its
μ, β1, β2 and ε take effect from the next mini-batch, without resetting the network.

The page asks (:func:`checked_change`); the training thread makes the change between two
mini-batches (:func:`apply_change`), in the smallest way the library's loop allows: the
trainer's ``config`` is replaced by ``dataclasses.replace`` with the new values (the loop
reads dropout, λ and η from it), its η of the epoch follows, and its optimiser is rebuilt
from the new configuration with its state kept (a velocity, Adam's m, v and t), or started
afresh where the new optimiser keeps another state (sgd → adam). A run so changed equals a
library run that went on from the same state with the new options
(``tests/explore/test_live.py``). Each change is marked with the mini-batch it took effect
after, for the curves.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..training.optimizers import get_optimizer
from .settings import Settings

#: the optimisers whose state is the same arrays (a velocity): a change between them keeps it
VELOCITY = ("momentum", "nesterov")
#: the most changes a run keeps marked on its curves
MAX_CHANGES = 200


def live_names() -> tuple[str, ...]:
    """The settings that may change while a run trains (those the page marks ``live``)."""
    return tuple(f.name for f in dataclasses.fields(Settings) if f.metadata["live"])


def checked_change(settings: Settings, values: dict[str, Any]) -> dict[str, Any]:
    """The page's ``values`` (option → value, as the page sends them) read and checked, as
    the typed values that differ from ``settings``'s. Raises ValueError, in one line, for an
    option that cannot change while training or a value out of its range."""
    live = live_names()
    for key in values:
        if key not in live:
            raise ValueError(
                f"{str(key)[:40]!r} cannot change while a run trains (only {', '.join(live)}): "
                "press Reset for a new network with it"
            )
    read = Settings.from_dict(values)  # each value checked against its declaration
    return {k: getattr(read, k) for k in values if getattr(read, k) != getattr(settings, k)}


def apply_change(trainer: Any, settings: Settings, change: dict[str, Any]) -> Settings:
    """Make ``change`` (from :func:`checked_change`) in the running ``trainer``, between two
    mini-batches: its configuration, its η and its optimiser (state kept where it can be).
    Returns the run's settings with the change."""
    config = dataclasses.replace(trainer.config, **change)  # TrainConfig checks them again
    trainer.config = config
    epoch = trainer.state.epoch + 1  # the epoch under way
    trainer.eta = trainer.schedule.eta(
        epoch, config.epochs, config.eta, trainer.state.schedule_state
    )
    old, new = trainer.optimizer, get_optimizer(config.optimizer_object())
    if new != old:
        same = old.name == new.name or {old.name, new.name} <= set(VELOCITY)
        if not same:  # another kind of state: the new optimiser's starts afresh
            trainer.state.optimizer_state = new.init(trainer.params)
        trainer.optimizer = new
    return dataclasses.replace(settings, **change)


def mark(batches: int, before: Settings, change: dict[str, Any]) -> dict[str, Any]:
    """The curves' mark of ``change``: after mini-batch ``batches``, each setting's old and
    new value."""
    return {"batch": batches, "what": {k: [getattr(before, k), v] for k, v in change.items()}}
