"""Data-parallel mini-batch SGD: N processes train one network, exactly as one process would.

The training loop is the single process's (:class:`~deltaprop.training.loop.Trainer`); this
module supplies its :class:`~deltaprop.training.partition.Partition` for N processes.
The cost being a mean over the samples, C = (1/n) Σ_x C_x, is what makes this exact. Every process
draws the same shuffle from the same seeded generator and so sees the same global
mini-batches of m rows; process r computes the forward pass and BP1–BP4 on its contiguous
part of each, m_r rows (Σ_r m_r = m), giving ∇C_r, the gradient of the mean cost of its rows.
One all-reduce of a single flat buffer per step then sums

    m_r ∇C_r  (the sum of its per-sample gradients),   m_r C_r,   m_r

over the processes, and every process divides by m = Σ_r m_r:

    ∇C = (1/m) Σ_r m_r ∇C_r = (1/m) Σ_x ∇C_x,

the gradient the single process computes for the same mini-batch, whatever the split (uneven
parts, the final shorter batch, a process with no rows). Every process then adds the same
penalty gradient and applies the same update to the same parameters, so they stay identical;
this is checked after every epoch. Dropout masks are drawn for the whole mini-batch from the
shared generator and each process uses its rows' masks, so even dropout gives the single
process's result. The validation figures are sums over the processes' blocks of rows.

Each process reads only its own rows of each epoch, by index, from the training data it is
given, so with memory-mapped data (``np.load(path, mmap_mode="r")``) the memory each process
needs falls as 1/N.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _validation as v
from ..core.model import Model
from ..core.workspace import ArrayList
from ..errors import DistributedError
from ..training.partition import Partition
from .comm import Communicator, everywhere


def split(rows: int, size: int, rank: int) -> tuple[int, int]:
    """The part [lo, hi) of ``rows`` consecutive rows that process ``rank`` of ``size`` takes:
    contiguous, in rank order, sizes differing by at most one.

    Parameters
    ----------
    rows : int
        Rows to share out (a mini-batch, or the validation data).
    size, rank : int
        The number of processes, and this one's number (0 … size − 1).

    Returns
    -------
    (int, int)
        lo and hi.

    Examples
    --------
    >>> [split(10, 3, rank) for rank in range(3)]
    [(0, 3), (3, 6), (6, 10)]
    """
    return rank * rows // size, (rank + 1) * rows // size


def local_rows(order: np.ndarray, m: int, size: int, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """This process's rows of an epoch, in order, and where each mini-batch's part starts.

    Parameters
    ----------
    order : array of int, shape (n,)
        The epoch's row order; mini-batch b is ``order[b*m : (b+1)*m]``.
    m : int
        The (global) mini-batch size.
    size, rank : int
        The number of processes, and this one's number.

    Returns
    -------
    rows : array of int, shape (about n/size,)
        The rows this process computes, mini-batch by mini-batch.
    bounds : array of int, shape (n_batches + 1,)
        Mini-batch b's part is ``rows[bounds[b] : bounds[b+1]]``.

    Examples
    --------
    >>> order = np.array([4, 0, 3, 1, 2, 6, 5])             # 7 rows, mini-batches of 3
    >>> rows, bounds = local_rows(order, 3, size=2, rank=1)
    >>> rows.tolist(), bounds.tolist()                      # parts: [0, 3], [2, 6], [5]
    ([0, 3, 2, 6, 5], [0, 2, 4, 5])
    """
    n = order.shape[0]
    starts = np.arange(0, n, m)
    counts = np.minimum(m, n - starts)  # the last mini-batch may be shorter
    lo = starts + rank * counts // size
    hi = starts + (rank + 1) * counts // size
    bounds = np.concatenate([[0], np.cumsum(hi - lo)])
    parts = [order[a:b] for a, b in zip(lo.tolist(), hi.tolist())]
    rows = np.concatenate(parts) if parts else np.empty(0, dtype=np.intp)
    return rows, bounds


def read_rows(net: Model, X: Any, Y: Any, rows: Any, what: str) -> tuple[Any, Any]:
    """Rows ``rows`` (an index array or a slice) of inputs X and targets or labels Y, checked
    and converted as ``Network.fit`` does; ValueError names the row of X at fault."""
    n_in, n_out, dtype = net.sizes[0], net.sizes[-1], net.config.dtype
    x_raw = np.asarray(X[rows])
    n = x_raw.shape[0]
    if n == 0:
        x = np.empty((0, n_in), dtype=dtype)
    else:
        if x_raw.dtype.kind == "f" and x_raw.ndim == 2:
            bad = ~np.isfinite(x_raw).all(axis=1)
            if bad.any():
                row = np.arange(X.shape[0])[rows][int(np.argmax(bad))]
                raise ValueError(f"{what} X holds non-finite values (NaN or inf) in row {row}")
        x = v.check_inputs(x_raw, n_in, dtype, name=f"{what} X")
    softmax = net.sigmas[-1].name == "softmax"
    y = v.check_targets(np.asarray(Y[rows]), n, n_out, dtype, softmax=softmax, name=f"{what} y")
    return x, y


class MPIPartition(Partition):
    """Each process of ``comm`` computes its contiguous part of every global mini-batch; one
    all-reduce of one flat buffer per step combines the parts.

    Rank 0's parameters are broadcast to every process when training starts. Callbacks run on
    every process; the ``Step`` they see holds this process's rows (``x``, ``y``, ``zs``,
    ``activations``, ``deltas``) and the combined gradient. Only rank 0 writes files.

    Parameters
    ----------
    comm : Communicator
        The processes of the job.

    Examples
    --------
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> from deltaprop.scale import Communicator
    >>> from deltaprop.training import Trainer
    >>> trainer = Trainer(net, deltaprop.TrainConfig(epochs=2, seed=0),
    ...                   partition=MPIPartition(Communicator()))
    >>> len(trainer.run(X, y))                                # raw rows: each process reads its own
    2
    """

    def __init__(self, comm: Communicator) -> None:
        super().__init__()
        self.comm = comm
        self.size, self.rank = comm.size, comm.rank
        self.writes = comm.rank == 0
        self._buffer: np.ndarray | None = None
        self._deferred: Exception | None = None
        self._epoch = self._batch = 0  # where training is, for the messages of a timeout
        comm.where = lambda: f" in epoch {self._epoch}, mini-batch {self._batch}"

    def begin_epoch(self, epoch: int) -> None:
        self._epoch, self._batch = epoch, 0

    def part(self, count: int) -> tuple[int, int]:
        return split(count, self.size, self.rank)

    def rows(self, order: np.ndarray | None, n: int, m: int) -> tuple[Any, Any]:
        return local_rows(np.arange(n) if order is None else order, m, self.size, self.rank)

    def read(self, model: Model, X: Any, Y: Any, rows: Any, lo: int, hi: int) -> tuple[Any, Any]:
        """This process's rows ``rows[lo:hi]`` of the raw data, checked and converted as
        ``Network.fit`` does; an error in any process's rows is raised on every process."""
        return self.comm.together(
            "reading the training data", read_rows, model, X, Y, rows[lo:hi], "training"
        )

    def start(self, params: ArrayList) -> None:
        if params.flat is None or not isinstance(params.flat, np.ndarray):
            raise ValueError(
                "distributed training runs on the NumPy backend; move the network there with "
                "net.to('numpy')"
            )
        self.comm.bcast_array(params.flat, "broadcasting rank 0's initial parameters")
        n = params.flat.shape[0]
        # One buffer for the whole step: every layer's m_r ∇C_r, then m_r C_r and m_r.
        self._buffer = np.zeros(n + 2, dtype=params.flat.dtype)

    def reduce(self, grads: ArrayList, total: Any, rows: int) -> Any:
        """The all-reduce: ∇C = (1/m) Σ_r m_r ∇C_r into ``grads``; returns Σ_x C_x over the
        whole mini-batch."""
        buffer = self._buffer
        assert buffer is not None  # set by start()
        self._batch += 1
        n = buffer.shape[0] - 2
        np.multiply(grads.flat, rows, out=buffer[:n])  # m_r ∇C_r: Σ of per-sample gradients
        buffer[n] = total
        buffer[n + 1] = rows
        self.comm.allreduce_sum(buffer, "combining the gradients")
        np.divide(buffer[:n], buffer[n + 1], out=grads.flat)  # m = Σ_r m_r
        return buffer[n]

    def evaluate(self, model: Model, X: Any, Y: Any) -> dict[str, Any]:
        """Each process measures its block of the validation rows (read beforehand: see
        ``fit_distributed``); one all-reduce adds up the cost and the correct rows."""
        n = X.shape[0]
        scores = model.evaluate_arrays(X, Y) if n else {"cost": 0.0, "correct": 0}
        sums = np.array([scores["cost"] * n, scores.get("correct", 0), n], dtype=np.float64)
        self.comm.allreduce_sum(sums, "measuring the validation data")
        total = int(sums[2])
        out: dict[str, Any] = {"cost": float(sums[0]) / total, "n": total}
        if model.sizes[-1] > 1:
            out["correct"] = int(sums[1])
            out["accuracy"] = out["correct"] / total
        return out

    def agree(self, stop: bool) -> bool:
        """Stop when a callback on any process asked to: all processes stop together."""
        self.comm.together("ending the epoch", self._raise_deferred)
        return any(self.comm.allgather_object(bool(stop), "deciding whether to stop"))

    def end_epoch(self, params: ArrayList, epoch: int) -> None:
        """Every process must hold the same parameters, bit for bit."""
        digest = hashlib.blake2b(params.flat.data, digest_size=16).hexdigest()
        digests = self.comm.allgather_object(digest, "comparing the parameters")
        if len(set(digests)) > 1:
            raise everywhere(
                DistributedError(
                    f"after epoch {epoch} the processes hold different parameters (digests "
                    f"{digests}); every process should apply the same update. Is the MPI "
                    "library's sum the same on every process?"
                )
            )

    def failed(self, error: Exception) -> None:
        """Raise ``error`` on every process at the end of this epoch (an error only this
        process met in a callback, such as rank 0 failing to write a checkpoint)."""
        self._deferred = error

    def finish(self) -> None:
        """After the last callbacks ran (rank 0 writing the last checkpoint): no process
        returns before they are done, and an error there is raised everywhere."""
        self.comm.together("finishing the run", self._raise_deferred)

    def _raise_deferred(self) -> None:
        error, self._deferred = self._deferred, None
        if error is not None:
            raise error

    def on_root(self, what: str, func: Callable[..., Any], *args: Any) -> Any:
        return self.comm.on_root(what, func, *args)
