"""Checkpoints: everything a training run needs to continue, in one atomic file.

A checkpoint is a ``.npz`` file written by :func:`deltaprop.io.npzfile.write_npz` (temporary
file, fsync, rename: a crash at any moment leaves the previous checkpoint or the new one,
never a torn file) and read back by :func:`~deltaprop.io.npzfile.read_npz`, which trusts
nothing in it. It holds:

- ``w_2`` … ``w_L``, ``b_2`` … ``b_L``: the parameters, in the network's dtype;
- ``opt_0``, ``opt_1``, …: the arrays of the optimiser's state (see ``_plaindata``);
- ``history``: the per-epoch rows, as UTF-8 JSON bytes;
- metadata: the network's configuration, every training option as the run used it (an
  optimiser or schedule object's settings included), the epochs completed, the shuffling
  generator's state, the optimiser's and schedule's state trees, why the run stopped itself if
  it did (such a run is finished: resuming it trains nothing), and a fingerprint of the data.

Checkpoints are taken between epochs. A run killed in epoch k + 1 resumes from the end of
epoch k and replays epoch k + 1 exactly: same shuffle, same mini-batches, same updates, so
it ends with the same weights, bit for bit, as a run that was never interrupted (with the
same data, dtype and BLAS thread count; see the README's notes on determinism).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..core.model import Model
from ..io.atomic import temporary_pattern
from ..io.lock import CheckpointLock
from ..io.npzfile import write_npz
from ._checkpoint_format import (
    FORMAT,
    VERSION,
    CheckpointData,
    load_checkpoint,
    save_checkpoint,
    settings,
    snapshot,
)
from ._plaindata import same_structure
from .callbacks import Callback
from .config import TrainConfig, must_match
from .history import History
from .loop import Trainer
from .optimizers import Optimizer
from .partition import Partition
from .schedules import Schedule
from .state import TrainState

__all__ = [
    "FORMAT",
    "VERSION",
    "Checkpoint",
    "CheckpointData",
    "data_fingerprint",
    "load_checkpoint",
    "remove_stale_temporaries",
    "restore",
    "save_checkpoint",
]

_NETWORK_FIELDS = ("sizes", "activation", "output_activation", "cost", "init", "dtype")


def data_fingerprint(model: Model, X: Any, Y: Any) -> dict[str, Any]:
    """A digest of the training data, to check that a resumed run is given the same data.

    X (n, n_1) and Y (targets or labels) as given to training: checked arrays, or the raw
    (memory-mapped) arrays a distributed run reads by rows; both give the same digest, since
    1024 evenly spaced rows are checked and converted as training converts them. Cheap rather
    than exhaustive: enough to catch other data passed by mistake.

    Examples
    --------
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> data_fingerprint(net, X, y) == data_fingerprint(net, X, np.eye(2)[y])
    True
    """
    n = X.shape[0]
    rows = np.unique(np.linspace(0, n - 1, num=1024).astype(np.int64))

    def take(A: Any) -> Any:
        return (
            A[rows]
            if not hasattr(A, "device") or isinstance(A, np.ndarray)
            else (model.to_numpy(A)[rows])
        )

    x, y = model.check_data(take(X), take(Y))
    digest = hashlib.blake2b(digest_size=16)
    for array in (model.to_numpy(x), model.to_numpy(y)):
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    return {"n": int(n), "fingerprint": digest.hexdigest()}


def _to_namespace(value: Any, xp: Any) -> Any:
    """The optimiser state with its NumPy arrays moved to the array namespace ``xp``."""
    if isinstance(value, np.ndarray):
        return value if xp is np else xp.asarray(value)
    if isinstance(value, dict):
        return {k: _to_namespace(v, xp) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_namespace(v, xp) for v in value)
    return value


def _describe(settings: dict[str, Any]) -> str:
    """``momentum(momentum=0.5)``: an optimiser's or schedule's name and settings."""
    params = ", ".join(f"{k}={v!r}" for k, v in settings["params"].items())
    return f"{settings['name']}({params})" if params else settings["name"]


def restore(
    path: str | os.PathLike[str],
    model: Model,
    config: TrainConfig,
    *,
    optimizer: Optimizer | None = None,
    schedule: Schedule | None = None,
    data: dict[str, Any] | None = None,
) -> TrainState:
    """Load the checkpoint at ``path`` into ``model`` (in place) and return the state to resume.

    Hand the result to ``Trainer(model, config, state=...)``. ``config`` may ask for more (or
    fewer) epochs and another ``eta`` (the options marked changeable); every other option, the
    network and the data must be the checkpoint's.

    Parameters
    ----------
    path : str or os.PathLike
        The checkpoint file.
    model : Model
        Receives the checkpoint's parameters; must match its network.
    config : TrainConfig
        The resumed run's options.
    optimizer, schedule : optional
        Objects of the user's own that the run uses (by default those ``config`` names);
        their settings must be the checkpoint's.
    data : dict, optional
        :func:`data_fingerprint` of the training data, checked against the recorded one.

    Returns
    -------
    TrainState

    Raises
    ------
    ValueError
        If the checkpoint was made for another network, options or data; the message names
        each option that differs with both values.
    deltaprop.errors.FormatError, FileNotFoundError
        As :func:`load_checkpoint`.

    Examples
    --------
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> history = net.fit(X, y, epochs=2, seed=0, checkpoint="run.npz")
    >>> fresh = deltaprop.Network([4, 3, 2], dtype="float64", seed=5)   # other weights
    >>> config = deltaprop.TrainConfig(epochs=4, seed=0)                # two more epochs
    >>> state = restore("run.npz", fresh, config)
    >>> state.epoch, all(np.array_equal(a, b) for a, b in zip(fresh.weights, net.weights))
    (2, True)
    >>> len(Trainer(fresh, config, state=state).run(X, np.eye(2)[y]))
    4
    >>> restore("run.npz", fresh, deltaprop.TrainConfig(batch_size=20))
    Traceback (most recent call last):
    ...
    ValueError: checkpoint run.npz does not fit this run: ... batch_size=10 (this run: 20)...
    """
    ck = load_checkpoint(path)
    diff = _differences(
        ck,
        model,
        config,
        optimizer or config.optimizer_object(),
        schedule or config.schedule_object(),
        data,
    )
    if diff:
        raise ValueError(
            f"checkpoint {os.fspath(path)} does not fit this run: it was made with "
            + "; ".join(diff)
            + ". Resume with the same network, data and options (only epochs and eta may "
            "change), or start a new run with another checkpoint file."
        )
    xp = model.xp
    for p, saved in zip(model.parameters(), [*ck.network.weights, *ck.network.biases]):
        p[...] = saved if xp is np else xp.asarray(saved)
    state = ck.state
    state.optimizer_state = _to_namespace(state.optimizer_state, xp)
    state.stopping_state = _to_namespace(state.stopping_state, xp)
    return state


def _differences(
    ck: CheckpointData,
    model: Model,
    config: TrainConfig,
    optimizer: Optimizer,
    schedule: Schedule,
    data: dict[str, Any] | None,
) -> list[str]:
    """What of the run (network, options, optimiser and schedule, data) differs from what the
    checkpoint ``ck`` was made with, each with both values."""
    objects = {"optimizer": settings(optimizer), "schedule": settings(schedule)}
    theirs, ours = ck.network.config, model.config
    diff = [
        f"{k} {getattr(theirs, k)!r} (this network: {getattr(ours, k)!r})"
        for k in _NETWORK_FIELDS
        if getattr(theirs, k) != getattr(ours, k)
    ]
    diff += [
        f"{k}={getattr(ck.config, k)!r} (this run: {getattr(config, k)!r})"
        for k in must_match()
        if getattr(ck.config, k) != getattr(config, k)
    ]
    for key, recorded in (("optimizer", ck.optimizer), ("schedule", ck.schedule)):
        if recorded != objects[key] and not any(key in d for d in diff):
            diff.append(f"{key} {_describe(recorded)} (this run: {_describe(objects[key])})")
    if ck.optimizer == objects["optimizer"] and not same_structure(
        optimizer.init([*ck.network.weights, *ck.network.biases]), ck.state.optimizer_state
    ):
        diff.append(f"an optimizer state that does not fit this {optimizer.name!r} optimizer")
    if data is not None and ck.data is not None and ck.data != data:
        diff.append(
            f"other training data ({ck.data['n']} samples, fingerprint "
            f"{ck.data['fingerprint'][:12]}…; this run: {data['n']} samples, "
            f"{data['fingerprint'][:12]}…)"
        )
    return diff


class Checkpoint(Callback):
    """Saves the training state to ``path`` every ``every`` epochs and when training ends.

    At the end of each epoch it takes a snapshot (parameters, optimiser state, epoch, the
    shuffling generator's state, history); due snapshots are written at once, atomically.
    :meth:`flush` writes the latest snapshot if it is not on disk yet: ``Network.fit`` calls
    it when training is interrupted (Ctrl-C) or diverges, so the last good epoch is kept. A
    run that stops itself (early stopping) is saved as finished, with the weights it returns.
    Only the process that writes files writes (see ``Partition.writes``).

    Parameters
    ----------
    path : str or os.PathLike
        The checkpoint file; missing directories are created.
    every : int, default 1
        Save every this many epochs (and always after the last one).
    data : dict, optional
        :func:`data_fingerprint` of the training data, recorded so a resumed run can check it.

    Examples
    --------
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    ``Network.fit(..., checkpoint=PATH)`` uses one; by hand, with a :class:`Trainer`:

    >>> config = deltaprop.TrainConfig(epochs=2, seed=0)
    >>> saver = Checkpoint("run.npz")
    >>> _ = Trainer(net, config, callbacks=[saver]).run(X, np.eye(2)[y])
    >>> saver.saved_epoch, load_checkpoint("run.npz").state.epoch
    (2, 2)
    """

    def __init__(
        self, path: str | os.PathLike[str], every: int = 1, data: dict[str, Any] | None = None
    ) -> None:
        if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1:
            raise ValueError(f"checkpoint_every must be a positive integer, got {every!r}")
        self.path = Path(path)
        self._name = os.fspath(path)  # as given, for messages
        self.every = int(every)
        self.data = data
        self.saved_epoch: int | None = None  # the epoch the file on disk holds
        self._trainer: Trainer | None = None
        self._pending: tuple[int, dict[str, np.ndarray], dict[str, Any]] | None = None
        self._lock: CheckpointLock | None = None

    def resumed(
        self,
        model: Model,
        config: TrainConfig,
        optimizer: Optimizer | None = None,
        schedule: Schedule | None = None,
        resume: bool = False,
    ) -> TrainState | None:
        """The state to continue from: None for a new run (no file yet), the file's when
        ``resume`` is true (loaded into ``model`` and checked by :func:`restore`); an existing
        file is refused otherwise, so that a finished or running job's checkpoint is never
        overwritten by mistake."""
        if not self.path.exists():
            return None
        if not resume:
            raise FileExistsError(
                f"checkpoint {self._name} already exists: pass resume=True (--resume) to "
                "continue that run, or remove the file or choose another path to start anew"
            )
        return restore(
            self._name, model, config, optimizer=optimizer, schedule=schedule, data=self.data
        )

    def on_train_begin(self, trainer: Trainer) -> None:
        self._trainer = trainer
        if trainer.partition.writes:  # the process that writes locks the file: a second run
            self.path.parent.mkdir(parents=True, exist_ok=True)  # on it is refused, and
            self._lock = CheckpointLock(self.path)  # then no live writer owns the temporary
            remove_stale_temporaries(self.path)  # files left beside it

    def _snapshot(self) -> None:
        trainer = self._trainer
        if trainer is None:
            raise RuntimeError("Checkpoint.on_train_begin was not called")
        objects = {"optimizer": settings(trainer.optimizer), "schedule": settings(trainer.schedule)}
        arrays, meta = snapshot(trainer.model, trainer.config, trainer.state, objects, self.data)
        self._pending = (trainer.state.epoch, arrays, meta)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        self._snapshot()
        if epoch % self.every == 0:
            self.flush()

    def on_train_end(self, history: History) -> None:
        trainer = self._trainer
        if trainer is not None and trainer.state.stopped and trainer.state.epoch:
            self._snapshot()  # finished, with the weights the run returns
        self.flush()
        self.release()

    def release(self) -> None:
        """Let other runs use the checkpoint file."""
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()

    def flush(self) -> None:
        """Write the latest epoch's snapshot if it is not saved yet."""
        if self._pending is None:
            return
        epoch, arrays, meta = self._pending
        partition = self._trainer.partition if self._trainer else Partition()
        if not partition.writes:
            self._pending = None
            return
        try:
            write_npz(self.path, arrays, meta)
        except OSError as exc:
            self._pending = None
            partition.failed(OSError(f"could not write the checkpoint {self.path}: {exc}"))
            return
        # Only now: a write cut short by Ctrl-C keeps the snapshot for the flush that follows
        self._pending = None
        self.saved_epoch = epoch


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Remove the temporary files a writer of ``path`` killed mid-write left behind
    (``.NAME.XXXXXXXX.tmp`` beside it); return them."""
    pattern = temporary_pattern(path)
    removed = []
    if path.parent.is_dir():
        for candidate in path.parent.iterdir():
            if pattern.fullmatch(candidate.name):
                try:
                    candidate.unlink()
                except OSError:
                    continue
                removed.append(candidate)
    return removed
