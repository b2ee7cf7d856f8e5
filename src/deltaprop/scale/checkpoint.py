"""Checkpoints of a data-parallel run: rank 0 writes them, any number of processes resumes.

A checkpoint is taken between epochs and holds the parameters and the
:class:`~deltaprop.training.loop.TrainState` (epochs done, the shuffling generator's state,
the optimiser's state, the history). Every process holds the same parameters and state, so
rank 0 alone writes the file, atomically (:func:`deltaprop.io.npzfile.write_npz`: a crash
leaves the old checkpoint or the new one, never a torn file). On resume rank 0 reads it and
broadcasts it. The shuffle and the global mini-batches depend only on the generator's state
and m, not on the number of processes, so a run may resume on a different number of
processes (one included) and continue the same run, up to floating-point rounding.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import FormatError
from ..io.npzfile import Expected, read_npz, require, write_npz
from ..training.callbacks import Callback
from ..training.config import TrainConfig
from ..training.history import History
from ..training.loop import TrainState
from ..training.optimizers import Optimizer, get_optimizer
from .comm import Communicator

if TYPE_CHECKING:
    from ..network import Network
    from ..training.loop import Trainer
    from .trainer import DistributedTrainer

FORMAT = "deltaprop-distributed-checkpoint"
VERSION = 1
_NETWORK = ("sizes", "activation", "output_activation", "cost", "init", "dtype", "seed")
_MUST_MATCH = ("batch_size", "shuffle")  # options a resumed run cannot change


def save_checkpoint(path: str | os.PathLike[str], trainer: Trainer) -> None:
    """Write the trainer's network and state to ``path``, atomically."""
    net, state = trainer.net, trainer.state
    arrays = {}
    for i, (w, b) in enumerate(zip(net.weights, net.biases)):
        arrays[f"w_{i + 2}"], arrays[f"b_{i + 2}"] = net.to_numpy(w), net.to_numpy(b)
    scalars = {}
    for key, value in state.optimizer_state.items():
        if isinstance(value, (int, float)):
            scalars[key] = value
        else:
            arrays[f"opt_{key}"] = np.asarray(value)
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "network": {k: _plain(getattr(net.config, k)) for k in _NETWORK},
        "training": {k: getattr(trainer.config, k) for k in _MUST_MATCH},
        "optimizer": trainer.optimizer.name,
        "optimizer_scalars": scalars,
        "epoch": state.epoch,
        "rng_state": state.rng_state,
        "history": state.history.rows,
    }
    write_npz(path, arrays, meta)


def restore(
    path: str | os.PathLike[str],
    net: Network,
    config: TrainConfig,
    *,
    optimizer: str | Optimizer = "sgd",
) -> TrainState:
    """Load the checkpoint at ``path`` into ``net`` (in place); return the state to resume.

    Raises
    ------
    ValueError
        If the checkpoint was made for another network, optimiser, batch size or shuffling.
    deltaprop.errors.FormatError, FileNotFoundError
        For a file that is not a readable checkpoint.
    """
    opt = get_optimizer(optimizer)

    def expect(meta: dict[str, Any]) -> Expected:
        if meta.get("format") != FORMAT or require(meta, "version", int) != VERSION:
            raise FormatError(f"not a deltaprop checkpoint of version {VERSION}")
        theirs = require(meta, "network", dict)
        ours = {k: _plain(getattr(net.config, k)) for k in _NETWORK[:-2]}  # not init, seed
        diff = [f"{k} {theirs.get(k)!r} (this network: {v!r})"
                for k, v in ours.items() if theirs.get(k) != v]  # fmt: skip
        training = require(meta, "training", dict)
        diff += [f"{k}={training.get(k)!r} (this run: {getattr(config, k)!r})"
                 for k in _MUST_MATCH if training.get(k) != getattr(config, k)]  # fmt: skip
        if require(meta, "optimizer", str) != opt.name:
            diff.append(f"optimizer {meta['optimizer']!r} (this run: {opt.name!r})")
        if diff:
            raise ValueError(
                f"checkpoint {os.fspath(path)} does not fit this run: it was made with "
                + "; ".join(diff) + ". Resume with the same network and options (only epochs "
                "and eta may change), or start a new run with another checkpoint file."
            )  # fmt: skip
        shapes: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {}
        for i, (w, b) in enumerate(zip(net.weights, net.biases)):
            shapes[f"w_{i + 2}"] = (w.shape, (net.config.dtype,))
            shapes[f"b_{i + 2}"] = (b.shape, (net.config.dtype,))
        for key, value in opt.init([*net.weights, *net.biases]).items():
            if not isinstance(value, (int, float)):
                shapes[f"opt_{key}"] = (np.shape(value), (np.asarray(value).dtype.name,))
        return shapes

    meta, arrays = read_npz(path, expect)
    for i, (w, b) in enumerate(zip(net.weights, net.biases)):
        w[...], b[...] = arrays[f"w_{i + 2}"], arrays[f"b_{i + 2}"]
    opt_state: dict[str, Any] = dict(require(meta, "optimizer_scalars", dict))
    opt_state.update({k[4:]: a for k, a in arrays.items() if k.startswith("opt_")})
    return TrainState(
        require(meta, "epoch", int),
        require(meta, "rng_state", dict),
        opt_state,
        History(require(meta, "history", list)),
    )


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


class Checkpoint(Callback):
    """Saves the training state to ``path`` every ``every`` epochs and when training ends."""

    def __init__(self, path: str | os.PathLike[str], every: int = 1) -> None:
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"checkpoint_every must be a positive integer, got {every!r}")
        self.path = Path(path)
        self.every = every
        self.saved_epoch: int | None = None
        self._trainer: Trainer | None = None

    def on_train_begin(self, trainer: Trainer) -> None:
        self._trainer = trainer

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        if epoch % self.every == 0:
            self.flush()

    def on_train_end(self, history: History) -> None:
        self.flush()

    def flush(self) -> None:
        """Write the state after the latest epoch, if it is not saved yet."""
        trainer = self._trainer
        if trainer is not None and trainer.state.epoch not in (0, self.saved_epoch):
            save_checkpoint(self.path, trainer)
            self.saved_epoch = trainer.state.epoch


class RankZeroCheckpoint(Checkpoint):
    """:class:`Checkpoint` for a data-parallel run: only rank 0 writes. A failed write is
    reported to every process at the end of the epoch rather than leaving them waiting."""

    def __init__(self, path: str | os.PathLike[str], comm: Communicator, every: int = 1) -> None:
        super().__init__(path, every)
        self.comm = comm

    def flush(self) -> None:
        if self.comm.rank != 0:
            return
        try:
            super().flush()
        except OSError as exc:
            trainer: DistributedTrainer = self._trainer  # type: ignore[assignment]
            trainer.defer(OSError(f"could not write the checkpoint {self.path}: {exc}"))


def resume_state(
    comm: Communicator,
    path: str | os.PathLike[str],
    net: Network,
    config: TrainConfig,
    *,
    resume: bool,
    optimizer: str | Optimizer = "sgd",
) -> TrainState | None:
    """The state to continue from: rank 0 loads ``path`` into its network (the trainer then
    broadcasts the parameters) and every process gets the state. None starts a new run."""

    def load() -> TrainState | None:
        if not Path(path).exists():
            return None
        if not resume:
            raise FileExistsError(
                f"checkpoint {os.fspath(path)} already exists: pass --resume (resume=True) to "
                "continue that run, or remove the file or choose another path to start anew"
            )
        return restore(path, net, config, optimizer=optimizer)

    state: TrainState | None = comm.on_root("reading the checkpoint", load)
    return state
