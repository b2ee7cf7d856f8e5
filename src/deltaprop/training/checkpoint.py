"""Checkpoints: everything a training run needs to continue, in one atomic file.

A checkpoint is a ``.npz`` file written by :func:`deltaprop.io.npzfile.write_npz` (temporary
file, fsync, rename: a crash at any moment leaves the previous checkpoint or the new one,
never a torn file) and read back by :func:`~deltaprop.io.npzfile.read_npz`, which trusts
nothing in it. It holds:

- ``w_2`` … ``w_L``, ``b_2`` … ``b_L``: the parameters, in the network's dtype;
- ``opt_0``, ``opt_1``, …: the arrays of the optimiser's state (see ``_plaindata``);
- ``history``: the per-epoch rows, as UTF-8 JSON bytes;
- metadata: the network's and the run's configuration, the epochs completed, the shuffling
  generator's state, the optimiser's name and state tree, and a fingerprint of the data.

Checkpoints are taken between epochs. A run killed in epoch k + 1 resumes from the end of
epoch k and replays epoch k + 1 exactly: same shuffle, same mini-batches, same updates, so
it ends with the same weights, bit for bit, as a run that was never interrupted (with the
same data, dtype and BLAS thread count; see the README's notes on determinism).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import DivergenceError
from ..io._atomic import resolve_destination, temporary_pattern
from ..io._lock import CheckpointLock
from ..io.npzfile import write_npz
from ._checkpoint_format import (
    FORMAT,
    VERSION,
    CheckpointData,
    load_checkpoint,
    non_finite,
    save_checkpoint,
    snapshot,
)
from ._plaindata import same_structure
from .callbacks import Callback
from .config import TrainConfig
from .history import History
from .loop import TrainState

if TYPE_CHECKING:
    from ..network import Network
    from .loop import Trainer

__all__ = ["FORMAT", "VERSION", "Checkpoint", "CheckpointData", "data_fingerprint",
           "load_checkpoint", "remove_stale_temporaries", "restore", "save_checkpoint",
           "train_with_checkpoint"]  # fmt: skip

# options a resumed run cannot change: all but epochs and eta
_MUST_MATCH = ("batch_size", "shuffle", "optimizer", "momentum", "beta1", "beta2", "epsilon",
               "l2", "l1", "dropout", "schedule", "plateau_patience", "validation_split",
               "patience")  # fmt: skip


def data_fingerprint(X: np.ndarray, Y: np.ndarray) -> dict[str, Any]:
    """A digest of the training data, to check that a resumed run is given the same data.

    X (n, n_1) and Y (n, n_L) as the training loop sees them. Cheap rather than exhaustive
    (MNIST in a fraction of a second): shapes, dtypes, 1024 evenly spaced rows and the column
    sums, enough to catch other data passed by mistake.
    """
    digest = hashlib.blake2b(digest_size=16)
    rows = np.unique(np.linspace(0, X.shape[0] - 1, num=1024).astype(np.int64))
    for array in (X, Y):
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(np.ascontiguousarray(array[rows]).tobytes())
        digest.update(np.sum(array, axis=0, dtype=np.float64).tobytes())
    return {"n": int(X.shape[0]), "fingerprint": digest.hexdigest()}


def _to_namespace(value: Any, xp: Any) -> Any:
    """The optimiser state with its NumPy arrays moved to the array namespace ``xp``."""
    if isinstance(value, np.ndarray):
        return value if xp is np else xp.asarray(value)
    if isinstance(value, dict):
        return {k: _to_namespace(v, xp) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_namespace(v, xp) for v in value)
    return value


def restore(
    path: str | os.PathLike[str],
    net: Network,
    config: TrainConfig,
    *,
    optimizer: Any = None,
    data: dict[str, Any] | None = None,
) -> TrainState:
    """Load the checkpoint at ``path`` into ``net`` (in place) and return the state to resume.

    Hand the result to ``Trainer(net, config, optimizer=optimizer, state=...)``. ``config``
    may ask for more (or fewer) epochs and another ``eta``; everything else must match.

    Parameters
    ----------
    path : str or os.PathLike
        The checkpoint file.
    net : Network
        Receives the checkpoint's parameters; must match its network.
    config : TrainConfig
        The resumed run's options.
    optimizer : str or Optimizer, optional
        Overrides ``config.optimizer``; must be the checkpoint's.
    data : dict, optional
        :func:`data_fingerprint` of the training data, checked against the recorded one.

    Returns
    -------
    TrainState

    Raises
    ------
    ValueError
        If the checkpoint was made for another network, optimiser, batch size, shuffling or
        data (``data`` from :func:`data_fingerprint`); the message says what differs.
    deltaprop.errors.FormatError, FileNotFoundError
        As :func:`load_checkpoint`.

    Examples
    --------
    >>> net = deltaprop.Network([4, 3, 2], dtype="float64", seed=0)
    >>> X = np.random.default_rng(0).random((60, 4))         # 60 samples, shape (n, 4)
    >>> y = (X[:, 0] > 0.5).astype(int)                      # class labels, shape (n,)
    >>> history = net.fit(X, y, epochs=2, seed=0, checkpoint="run.npz")
    >>> fresh = deltaprop.Network([4, 3, 2], dtype="float64", seed=5)   # other weights
    >>> config = deltaprop.TrainConfig(epochs=4, seed=0)                # two more epochs
    >>> state = restore("run.npz", fresh, config)
    >>> state.epoch, all(np.array_equal(a, b) for a, b in zip(fresh.weights, net.weights))
    (2, True)
    >>> len(Trainer(fresh, config, state=state).run(X, np.eye(2)[y]))
    4
    """
    from .optimizers import get_optimizer, optimizer_from_config

    ck = load_checkpoint(path)
    theirs, ours = ck.network.config, net.config
    fields = ("sizes", "activation", "output_activation", "cost", "dtype")
    diff = [f"{k} {getattr(theirs, k)!r} (this network: {getattr(ours, k)!r})"
            for k in fields if getattr(theirs, k) != getattr(ours, k)]  # fmt: skip
    diff += [f"{k}={getattr(ck.config, k)!r} (this run: {getattr(config, k)!r})"
             for k in _MUST_MATCH if getattr(ck.config, k) != getattr(config, k)]  # fmt: skip
    opt = optimizer_from_config(config) if optimizer is None else get_optimizer(optimizer)
    if ck.optimizer != opt.name:
        diff.append(f"optimizer {ck.optimizer!r} (this run: {opt.name!r})")
    elif not same_structure(opt.init([*net.weights, *net.biases]), ck.state.optimizer_state):
        diff.append(f"an optimizer state that does not fit this {opt.name!r} optimizer")
    if data is not None and ck.data is not None and ck.data != data:
        diff.append(
            f"other training data ({ck.data['n']} samples, fingerprint "
            f"{ck.data['fingerprint'][:12]}…; this run: {data['n']} samples, "
            f"{data['fingerprint'][:12]}…)"
        )
    if diff:
        raise ValueError(
            f"checkpoint {os.fspath(path)} does not fit this run: it was made with "
            + "; ".join(diff)
            + ". Resume with the same network, data and options (only epochs and eta may "
            "change), or start a new run with another checkpoint file."
        )
    for p, saved in zip([*net.weights, *net.biases], [*ck.network.weights, *ck.network.biases]):
        p[...] = saved if net.xp is np else net.xp.asarray(saved)
    optimizer_state = _to_namespace(ck.state.optimizer_state, net.xp)
    stopping_state = _to_namespace(ck.state.stopping_state, net.xp)
    return TrainState(ck.state.epoch, ck.state.rng_state, optimizer_state, ck.state.history,
                      ck.state.schedule_state, stopping_state)  # fmt: skip


class Checkpoint(Callback):
    """Saves the training state to ``path`` every ``every`` epochs and when training ends.

    At the end of each epoch it takes a snapshot (parameters, optimiser state, epoch, the
    shuffling generator's state, history); due snapshots are written at once, atomically.
    :meth:`flush` writes the latest snapshot if it is not on disk yet: ``Network.fit`` calls
    it when training is interrupted (Ctrl-C) or diverges, so the last good epoch is kept.
    A snapshot whose parameters are not finite is never written.

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
    ``Network.fit(..., checkpoint=PATH)`` uses one; by hand, with a :class:`Trainer`:

    >>> net = deltaprop.Network([4, 3, 2], dtype="float64", seed=0)
    >>> X = np.random.default_rng(0).random((60, 4))         # 60 samples, shape (n, 4)
    >>> y = (X[:, 0] > 0.5).astype(int)                      # class labels, shape (n,)
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
        self.every = int(every)
        self.data = data
        self.saved_epoch: int | None = None  # the epoch the file on disk holds
        self._trainer: Trainer | None = None
        self._pending: tuple[int, dict[str, np.ndarray], dict[str, Any]] | None = None
        self._good: list[np.ndarray] = []  # the parameters at the end of the last good epoch
        self._n_batches = 0
        self._lock: CheckpointLock | None = None
        self.locks = True  # whether this process writes, so locks the file (one of an MPI job)

    def on_train_begin(self, trainer: Trainer) -> None:
        self._trainer = trainer
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.locks:  # a second run on this file is refused; then no live writer owns
            self._lock = CheckpointLock(self.path)  # the temporary files left beside it
            remove_stale_temporaries(self.path)
        net = trainer.net
        self._good = [np.array(net.to_numpy(p)) for p in [*net.weights, *net.biases]]

    def on_epoch_begin(self, epoch: int, n_batches: int) -> None:
        self._n_batches = n_batches

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        trainer = self._trainer
        if trainer is None:
            raise RuntimeError("Checkpoint.on_train_begin was not called")
        arrays, meta = snapshot(trainer.net, trainer.config, trainer.state,
                                 trainer.optimizer.name, self.data)  # fmt: skip
        bad = non_finite(arrays)
        if bad:
            self._diverged(trainer, epoch, bad)
        net = trainer.net
        self._good = [arrays[f"{kind}_{i + 2}"] for kind in "wb" for i in range(len(net.weights))]
        self._pending = (epoch, arrays, meta)
        if epoch % self.every == 0:
            self.flush()

    def _diverged(self, trainer: Trainer, epoch: int, bad: list[str]) -> None:
        """The last update of an epoch overflowed although its cost was finite."""
        net = trainer.net
        for p, good in zip([*net.weights, *net.biases], self._good):
            p[...] = good if net.xp is np else net.xp.asarray(good)
        eta = trainer.eta
        kept = f"epoch {self.saved_epoch}" if self.saved_epoch else "no epoch yet"
        raise DivergenceError(
            f"training diverged: after the last mini-batch ({self._n_batches}) of epoch {epoch} "
            f"with eta = {eta:g}, {', '.join(bad)} hold NaN or inf; try a smaller learning "
            f"rate (e.g. eta = {eta / 10:g}). The network keeps the weights it had at the "
            f"start of epoch {epoch}; the checkpoint {self.path} holds {kept}.",
            epoch=epoch, batch=self._n_batches, eta=eta,
        )  # fmt: skip

    def on_train_end(self, history: History) -> None:
        self.flush()
        self.release()

    def release(self) -> None:
        """Let other runs use the checkpoint file."""
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()

    def flush(self) -> None:
        """Write the latest epoch's snapshot if it is not saved yet."""
        if self._pending is not None:
            epoch, arrays, meta = self._pending
            write_npz(self.path, arrays, meta)
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


def train_with_checkpoint(
    net: Network,
    X: np.ndarray,
    Y: np.ndarray,
    config: TrainConfig,
    path: str | os.PathLike[str],
    *,
    every: int = 1,
    resume: bool = False,
    validation: tuple[Any, Any] | None = None,
    callbacks: list[Callback] | None = None,
    optimizer: Any = None,
    schedule: Any = None,
) -> History:
    """``Network.fit`` with a checkpoint: start a new run, or continue the one in ``path``.

    X, Y (and the validation pair) must already be checked arrays of the network's dtype.
    An existing ``path`` is continued when ``resume`` is true and refused otherwise (so that
    a finished or running job's checkpoint is never overwritten by mistake); a missing one
    starts a new run. If training stops with an exception (Ctrl-C, divergence, ...), the last
    good epoch's snapshot is written before the exception propagates.
    """
    from .loop import Trainer

    if not isinstance(resume, bool):
        raise ValueError(f"resume must be True or False, got {resume!r}")
    resolve_destination(path)  # a directory or an empty name: say so, before training
    data = data_fingerprint(X, Y)
    saver = Checkpoint(path, every=every, data=data)
    state = None
    if Path(path).exists():
        if not resume:
            raise FileExistsError(
                f"checkpoint {os.fspath(path)} already exists: pass resume=True (--resume) to "
                "continue that run, or remove the file or choose another path to start anew"
            )
        state = restore(path, net, config, optimizer=optimizer, data=data)
        saver.saved_epoch = state.epoch
    trainer = Trainer(net, config, optimizer=optimizer, schedule=schedule,
                      callbacks=[saver, *(callbacks or [])], state=state)  # fmt: skip
    try:
        return trainer.run(X, Y, validation)
    except BaseException:  # Ctrl-C, divergence, anything: keep the last good epoch
        saver.flush()
        raise
    finally:
        saver.release()
