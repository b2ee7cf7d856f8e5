"""Checkpoints of a data-parallel run: rank 0 writes them, any number of processes resumes.

The file is the ordinary checkpoint of :mod:`deltaprop.training.checkpoint` (parameters and
training state, written atomically). Every process holds the same parameters and state, so
every process takes the end-of-epoch snapshot (and so meets a non-finite one together) but
rank 0 alone writes it. On resume rank 0 reads the file and broadcasts the state; the trainer
broadcasts its parameters. The shuffle and the global mini-batches depend only on the
shuffling generator's state and m, not on the number of processes, so a run may resume on a
different number of processes, or in ``Network.fit`` on one, and continue the same run, up to
floating-point rounding.

The training data's fingerprint is not recorded: no process of a distributed run reads all
of the data.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..training.checkpoint import Checkpoint, restore
from ..training.config import TrainConfig
from ..training.loop import TrainState
from ..training.optimizers import Optimizer
from .comm import Communicator

if TYPE_CHECKING:
    from ..network import Network
    from .trainer import DistributedTrainer


class RankZeroCheckpoint(Checkpoint):
    """:class:`~deltaprop.training.checkpoint.Checkpoint` for a data-parallel run: only rank 0
    writes. A failed write is raised on every process at the end of the epoch (by the
    :class:`~deltaprop.scale.trainer.DistributedTrainer`) rather than leaving them waiting."""

    def __init__(self, path: str | os.PathLike[str], comm: Communicator, every: int = 1) -> None:
        super().__init__(path, every)
        self.comm = comm
        self.locks = comm.rank == 0  # the writer holds the checkpoint's lock

    def flush(self) -> None:
        if self.comm.rank != 0:
            self._pending = None
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
