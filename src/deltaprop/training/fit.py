"""``fit``: the one entry every training run goes through.

``Network.fit``, ``deltaprop.scale.fit_distributed``, the ``deltaprop train`` command (through
``Network.fit``) and the explorer all end here, with checked data and one
:class:`~deltaprop.training.config.TrainConfig`. From here to the weight update is three hops,
each one function of :class:`~deltaprop.training.loop.Trainer`:

- :meth:`Trainer.run` runs the epochs (and measures the validation data after each);
- :meth:`Trainer.run_epoch` runs one epoch: its steps, one per mini-batch, in order;
- :meth:`Trainer._step` runs one mini-batch: the forward pass, BP1–BP4, the penalty, and last
  the optimiser's update (``SGD.update``: w → w − η ∂C/∂w).

:func:`training_options` is the preparation ``Network.fit`` and ``fit_distributed`` share: the
keyword options, checked once, as a configuration.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import Any

from ..core.model import Model
from ..io.atomic import resolve_destination
from .callbacks import Callback
from .checkpoint import Checkpoint, data_fingerprint
from .config import TrainConfig
from .history import History
from .loop import Trainer
from .optimizers import Optimizer
from .partition import Partition
from .schedules import Schedule

__all__ = ["fit", "training_options"]


def training_options(
    config: TrainConfig | None, options: dict[str, Any]
) -> tuple[TrainConfig, Optimizer | None, Schedule | None]:
    """The configuration of ``Network.fit``'s ``config`` and keyword ``options`` (which replace
    its fields), and the optimiser and schedule objects of the user's own classes (None when
    the configuration names the one to use).

    Examples
    --------
    >>> from deltaprop.training.optimizers import Momentum
    >>> config, optimizer, schedule = training_options(None, {"optimizer": Momentum(0.5)})
    >>> config.optimizer, config.momentum, optimizer, schedule
    ('momentum', 0.5, None, None)
    >>> training_options(None, {"epoch": 3})
    Traceback (most recent call last):
    ...
    TypeError: fit() got unknown options epoch; the training options are the fields of ...
    """
    if config is not None:
        options = {**dataclasses.asdict(config), **options}
    names = [f.name for f in dataclasses.fields(TrainConfig)]
    unknown = sorted(set(options) - set(names))
    if unknown:
        raise TypeError(
            f"fit() got unknown options {', '.join(unknown)}; the training options are the "
            f"fields of deltaprop.TrainConfig: {', '.join(names)}"
        )
    return TrainConfig.with_objects(**options)


def fit(
    model: Model,
    X: Any,
    Y: Any,
    config: TrainConfig,
    *,
    optimizer: Optimizer | None = None,
    schedule: Schedule | None = None,
    validation: tuple[Any, Any] | None = None,
    test: tuple[Any, Any] | None = None,
    callbacks: Sequence[Callback] = (),
    checkpoint: str | os.PathLike[str] | None = None,
    checkpoint_every: int = 1,
    resume: bool = False,
    partition: Partition | None = None,
    data: dict[str, Any] | None = None,
) -> History:
    """Train ``model`` in place on checked data: a :class:`Trainer` run, kept in a checkpoint
    file when ``checkpoint`` is given.

    Parameters
    ----------
    model : Model
        A :class:`~deltaprop.core.model.Model` (a ``Network`` is one), trained in place.
    X : array of shape (n, sizes[0])
        Inputs of the model's dtype on its backend (``Network.fit`` checks and converts), or
        with a partition of many processes what its ``read`` takes.
    Y : array of shape (n, sizes[-1])
        Target rows (one-hot for classes), likewise.
    config : TrainConfig
        The run's options.
    optimizer, schedule : optional
        Objects of the user's own classes; by default those ``config`` names.
    validation, test : (X, Y) pairs, optional
        Arrays like X and Y, measured after every epoch as ``val_*`` and ``test_*`` figures;
        the plateau schedule and early stopping watch the validation score.
    callbacks : sequence of Callback
        Called during training.
    checkpoint : str or os.PathLike, optional
        Keep the run in this file. An existing one is continued when ``resume`` is true and
        refused otherwise (a finished or running job's file is never overwritten by
        mistake); a missing one starts a new run. If training stops with an exception
        (Ctrl-C, divergence, ...), the last good epoch is written before it propagates.
    checkpoint_every : int, default 1
        Epochs between checkpoints.
    resume : bool, default False
        Continue the run in ``checkpoint``.
    partition : Partition, optional
        Which rows of each mini-batch this process computes; by default every row.
    data : dict, optional
        The data's :func:`~deltaprop.training.checkpoint.data_fingerprint`, when the caller
        has it already (else it is computed for the checkpoint).

    Returns
    -------
    History

    Examples
    --------
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> Y = np.eye(2)[y]                                      # one-hot targets, shape (n, 2)
    >>> len(fit(net, X, Y, deltaprop.TrainConfig(epochs=2, seed=0), checkpoint="run.npz"))
    2
    >>> len(fit(net, X, Y, deltaprop.TrainConfig(epochs=3, seed=0), checkpoint="run.npz",
    ...         resume=True))                                 # one epoch more
    3
    >>> fit(net, X, Y, deltaprop.TrainConfig(), resume=True)
    Traceback (most recent call last):
    ...
    ValueError: resume=True needs checkpoint=PATH, the file to resume from
    """
    if checkpoint is None and resume:
        raise ValueError("resume=True needs checkpoint=PATH, the file to resume from")
    saver, state = None, None
    if checkpoint is not None:
        if not isinstance(resume, bool):
            raise ValueError(f"resume must be True or False, got {resume!r}")
        resolve_destination(checkpoint)  # a directory or an empty name: say so, before training
        data = data if data is not None else data_fingerprint(model, X, Y)
        saver = Checkpoint(checkpoint, every=checkpoint_every, data=data)
        args = (model, config, optimizer, schedule, resume)  # read by the process that writes
        state = (partition or Partition()).on_root("reading the checkpoint", saver.resumed, *args)
        saver.saved_epoch = None if state is None else state.epoch
        callbacks = [saver, *callbacks]
    trainer = Trainer(
        model,
        config,
        optimizer=optimizer,
        schedule=schedule,
        callbacks=callbacks,
        state=state,
        partition=partition,
    )
    if saver is None:
        return trainer.run(X, Y, validation, test=test)
    try:
        return trainer.run(X, Y, validation, test=test)
    except BaseException:  # Ctrl-C, divergence, anything: keep the last good epoch
        saver.flush()
        raise
    finally:
        saver.release()
