"""Which rows of each mini-batch a process computes, and how its gradient becomes the batch's.

The training loop (:mod:`deltaprop.training.loop`) is written once for one process and for
many. What differs is here: a :class:`Partition` says which part of every global mini-batch
this process computes and how the gradients and figures of the parts are combined. This one
is the single process's: every row, nothing to combine. ``deltaprop.scale`` supplies the
data-parallel one (its parts are contiguous slices of each mini-batch, combined by one
all-reduce).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.model import Model
from ..core.ops import ops_for
from ..core.workspace import ArrayList

__all__ = ["Partition"]


class Partition:
    """One process computes every row of every mini-batch.

    Examples
    --------
    >>> p = Partition()
    >>> p.part(10), p.writes
    ((0, 10), True)
    """

    size = 1  # processes
    rank = 0  # this one's number
    writes = True  # whether this process writes files (checkpoints, reports)

    def __init__(self) -> None:
        self._buffers: tuple[Any, Any] | None = None

    def part(self, count: int) -> tuple[int, int]:
        """The rows [lo, hi) of a mini-batch of ``count`` rows that this process computes."""
        return 0, count

    def begin_epoch(self, epoch: int) -> None:
        """Called at the start of each epoch (counted from 1)."""

    def rows(self, order: np.ndarray | None, n: int, m: int) -> tuple[Any, Any]:
        """This process's rows of an epoch whose row order is ``order`` (None: in order) and
        where each mini-batch's part starts: mini-batch b is ``rows[bounds[b]:bounds[b+1]]``
        (the last bound may pass the end).
        Rows None mean rows 0 … n − 1 in order (read as slices, never copied)."""
        return order, range(0, n + m, m)  # the last bound may pass n: the loop stops at n

    def read(self, model: Model, X: Any, Y: Any, rows: Any, lo: int, hi: int) -> tuple[Any, Any]:
        """Rows ``rows[lo:hi]`` (or lo … hi − 1 when ``rows`` is None) of X and Y, which are
        checked arrays of the model's dtype and backend: slices when in order, else gathered
        into arrays reused by every call (where the backend writes in place)."""
        if rows is None:
            return X[lo:hi, :], Y[lo:hi, :]
        idx = rows[lo:hi]
        k = idx.shape[0]
        ops = ops_for(model.xp)
        take = ops.take_rows
        if not ops.writes_into:
            return take(X, idx), take(Y, idx)
        buffers = self._buffers
        if buffers is None or buffers[0].shape[0] < k or buffers[0].dtype != X.dtype:
            xp, device = model.xp, model.backend.device
            buffers = (
                xp.empty((k, X.shape[1]), dtype=X.dtype, device=device),
                xp.empty((k, Y.shape[1]), dtype=Y.dtype, device=device),
            )
            self._buffers = buffers
        xb, yb = buffers
        return take(X, idx, out=xb[:k, :]), take(Y, idx, out=yb[:k, :])

    def start(self, params: ArrayList) -> None:
        """Called before training with the parameters (the processes agree on them here)."""

    def reduce(self, grads: ArrayList, total: Any, rows: int) -> Any:
        """Turn this process's gradient of the mean cost of its ``rows`` rows (in ``grads``,
        changed in place) and their Σ_x C_x (``total``) into the whole mini-batch's; return
        the mini-batch's Σ_x C_x."""
        return total

    def evaluate(self, model: Model, X: Any, Y: Any) -> dict[str, Any]:
        """The figures of the data measured after each epoch (see ``Model.evaluate_arrays``)."""
        return model.evaluate_arrays(X, Y)

    def agree(self, stop: bool) -> bool:
        """Whether to stop after this epoch, given whether this process's callbacks asked to."""
        return stop

    def end_epoch(self, params: ArrayList, epoch: int) -> None:
        """Called after each epoch (processes check that they hold the same parameters)."""

    def finish(self) -> None:
        """Called when training ends, after the callbacks' ``on_train_end``."""

    def failed(self, error: Exception) -> None:
        """An error that only this process met in a callback (a file it could not write)."""
        raise error

    def on_root(self, what: str, func: Callable[..., Any], *args: Any) -> Any:
        """``func(*args)`` run by the process that reads and writes files, its result shared."""
        return func(*args)
