"""Data-parallel mini-batch SGD: N processes train one network, exactly as one process would.

SPEC.md's first assumption, C = (1/n) Σ_x C_x, is what makes this exact. Every process
draws the same shuffle from the same seeded generator and so sees the same global
mini-batches of m rows; process r computes the forward pass and BP1–BP4 on its contiguous
part of each, m_r rows (Σ_r m_r = m), giving ∇C_r, the gradient of the mean cost of its rows.
One all-reduce of a single flat buffer per step then sums

    m_r ∇C_r  (the sum of its per-sample gradients),   m_r C_r,   m_r

over the processes, and every process divides by m = Σ_r m_r:

    ∇C = (1/m) Σ_r m_r ∇C_r = (1/m) Σ_x ∇C_x,

the gradient the single process computes for the same mini-batch, whatever the split (uneven
parts, the final shorter batch, a process with no rows). Every process then applies the same
update to the same parameters, so they stay identical; this is checked after every epoch.

Each process reads only its own rows of each epoch, by index, from the training data it is
given, so with memory-mapped data (``np.load(path, mmap_mode="r")``) the memory each process
needs falls as 1/N.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _validation as v
from ..core.backprop import forward
from ..core.workspace import ArrayList
from ..errors import DistributedError
from ..training.callbacks import Callback, Step, overrides
from ..training.config import TrainConfig
from ..training.history import History
from ..training.loop import Trainer, TrainState
from ..training.optimizers import Optimizer
from .comm import Communicator, everywhere

if TYPE_CHECKING:
    from ..network import Network


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


def read_rows(net: Network, X: Any, Y: Any, rows: Any, what: str) -> tuple[Any, Any]:
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
    softmax = net.activation_functions[-1].name == "softmax"
    y = v.check_targets(np.asarray(Y[rows]), n, n_out, dtype, softmax=softmax, name=f"{what} y")
    return x, y


class DistributedTrainer(Trainer):
    """A :class:`~deltaprop.training.loop.Trainer` whose mini-batches are split over the
    processes of ``comm``; ``fit_distributed`` is the usual way in.

    Rank 0's parameters are broadcast to every process at construction. ``state`` (a resumed
    run) must be the same on every process. Callbacks run on every process; the ``Step``
    they see holds this process's rows (``x``, ``y``, ``zs``, ``activations``, ``deltas``)
    and the combined gradient and cost of the whole mini-batch.

    Parameters
    ----------
    net : Network
        On the NumPy backend; trained in place.
    config : TrainConfig
    comm : Communicator
        The processes of the job.
    optimizer : str or Optimizer, default "sgd"
    callbacks : sequence of Callback
    state : TrainState, optional
        Continue from here (the same on every process).

    Examples
    --------
    >>> from deltaprop.scale import Communicator
    >>> net = deltaprop.Network([4, 3, 2], dtype="float64", seed=0)
    >>> X = np.random.default_rng(0).random((60, 4))         # 60 samples, shape (n, 4)
    >>> y = (X[:, 0] > 0.5).astype(int)                      # class labels, shape (n,)
    >>> trainer = DistributedTrainer(net, deltaprop.TrainConfig(epochs=2, seed=0), Communicator())
    >>> len(trainer.run(X, np.eye(2)[y]))                    # float64 inputs, one-hot targets
    2
    """

    def __init__(
        self,
        net: Network,
        config: TrainConfig,
        comm: Communicator,
        *,
        optimizer: str | Optimizer = "sgd",
        callbacks: Sequence[Callback] = (),
        state: TrainState | None = None,
    ) -> None:
        params = net._parameters()
        if net.backend.name != "numpy" or params.flat is None:
            raise ValueError(
                f"distributed training runs on the NumPy backend, this network is on "
                f"{net.backend.name!r}; move it with net.to('numpy')"
            )
        self.comm = comm
        comm.bcast_array(params.flat, "broadcasting rank 0's initial parameters")
        super().__init__(net, config, optimizer=optimizer, callbacks=callbacks, state=state)
        n = params.flat.shape[0]
        # One buffer for the whole step: every layer's m_r ∇C_r, then m_r C_r and m_r.
        self._buffer = np.zeros(n + 2, dtype=params.flat.dtype)
        self._n_params = n
        self._rows = 0  # rows of the latest mini-batch, over all processes
        self._epoch = self._batch = 0
        self._deferred: Exception | None = None
        comm.where = lambda: f" in epoch {self._epoch}, mini-batch {self._batch}"

    def run(
        self,
        X: Any,
        Y: Any,
        validation: tuple[Any, Any] | None = None,
        *,
        epochs: int | None = None,
        test: tuple[Any, Any] | None = None,
    ) -> History:
        history = super().run(X, Y, validation, epochs=epochs, test=test)
        # Callbacks ran at the end of training (rank 0 writing the last checkpoint): no
        # process returns before they are done, and an error there is raised everywhere.
        self.comm.together("finishing the run", self._raise_deferred)
        return history

    def _raise_deferred(self) -> None:
        error, self._deferred = self._deferred, None
        if error is not None:
            raise error

    # -- one step --------------------------------------------------------------------------

    def reduce_gradients(self, grads: ArrayList, total: Any, rows: int) -> Any:
        """The all-reduce: ∇C = (1/m) Σ_r m_r ∇C_r into ``grads``; returns Σ_x C_x over
        the whole mini-batch."""
        buffer, n = self._buffer, self._n_params
        np.multiply(grads.flat, rows, out=buffer[:n])  # m_r ∇C_r: Σ of per-sample gradients
        buffer[n] = total
        buffer[n + 1] = rows
        self.comm.allreduce_sum(buffer, "combining the gradients")
        self._rows = int(buffer[n + 1])  # m
        np.divide(buffer[:n], buffer[n + 1], out=grads.flat)
        return buffer[n]

    def _idle_step(self, x: Any, y: Any) -> tuple[Any, ...]:
        """A mini-batch with no rows for this process (fewer rows than processes): it adds
        nothing to the sums but still takes part in the all-reduce and the update."""
        net = self.net
        zs, a_list = forward(net.weights, net.biases, net.activation_functions, x, net.xp)
        self.grads.flat[...] = 0
        total = self.reduce_gradients(self.grads, 0.0, 0)
        self.optimizer.update(
            self.params, self.grads, self.state.optimizer_state, self.config.eta, net.xp
        )
        return zs, a_list, list(zs), total, self.nabla_w, self.nabla_b

    def step(self, x: Any, y: Any) -> Step:
        parts = self._step(x, y) if x.shape[0] else self._idle_step(x, y)
        zs, a_list, deltas, total, nabla_w, nabla_b = parts
        cost = float(total) / self._rows
        return Step(0, 0, 0, x, y, zs, a_list, deltas, nabla_w, nabla_b, cost)

    # -- one epoch -------------------------------------------------------------------------

    def run_epoch(self, epoch: int, X: Any, Y: Any) -> dict[str, Any]:
        """One pass over the shuffled training data: the same mini-batches as one process,
        this process computing its part of each."""
        n, m, comm = X.shape[0], self.config.batch_size, self.comm
        n_batches = -(-n // m)
        batch_hooks = [cb for cb in self.callbacks if overrides(cb, "on_batch_end")]
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, n_batches)
        self._epoch, self._batch = epoch, 0
        start_params = self._snapshot()  # kept for divergence
        order = self.rng.permutation(n) if self.config.shuffle else np.arange(n)
        rows, bounds = local_rows(order, m, comm.size, comm.rank)
        x_all, y_all = comm.together(
            "reading the training data", read_rows, self.net, X, Y, rows, "training"
        )
        cost_sum = 0.0
        t0 = time.perf_counter()
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for b in range(n_batches):
                self._batch = b + 1
                x, y = x_all[bounds[b] : bounds[b + 1]], y_all[bounds[b] : bounds[b + 1]]
                parts = self._step(x, y) if x.shape[0] else self._idle_step(x, y)
                zs, a_list, deltas, total, nabla_w, nabla_b = parts
                cost = float(total) / self._rows  # the mini-batch's, the same everywhere
                if not math.isfinite(cost):  # so every process stops here together
                    self._diverged(start_params, epoch, b + 1, cost)
                cost_sum += float(total)
                if batch_hooks:
                    step = Step(epoch, b + 1, n_batches, x, y, zs, a_list, deltas,
                                nabla_w, nabla_b, cost)  # fmt: skip
                    for cb in batch_hooks:
                        cb.on_batch_end(step)
        seconds = time.perf_counter() - t0
        self._check_parameters()
        return {"epoch": epoch, "train_cost": cost_sum / n, "seconds": seconds,
                "eta": self.config.eta}  # fmt: skip

    def _validate(self, X: Any, Y: Any) -> dict[str, Any]:
        """Each process measures its block of the validation data (already read: see
        ``fit_distributed``); one all-reduce adds up the cost and the correct rows."""
        n = X.shape[0]
        scores = self.net._evaluate(X, Y) if n else {"cost": 0.0, "correct": 0}
        sums = np.array([scores["cost"] * n, scores.get("correct", 0), n], dtype=np.float64)
        self.comm.allreduce_sum(sums, "measuring the validation data")
        total = int(sums[2])
        out: dict[str, Any] = {"cost": float(sums[0]) / total, "n": total}
        if self.net.sizes[-1] > 1:
            out["correct"] = int(sums[1])
            out["accuracy"] = out["correct"] / total
        return out

    def defer(self, error: Exception) -> None:
        """Raise ``error`` on every process at the end of this epoch (for an error that only
        this process met, in a callback, such as rank 0 failing to write a checkpoint)."""
        self._deferred = error

    def _decide_stop(self, stop: bool) -> bool:
        """Stop when a callback on any process asked to: all processes stop together."""

        self.comm.together("ending the epoch", self._raise_deferred)
        return any(self.comm.allgather_object(bool(stop), "deciding whether to stop"))

    def _check_parameters(self) -> None:
        """Every process must hold the same parameters, bit for bit."""
        digest = hashlib.blake2b(self.params.flat.data, digest_size=16).hexdigest()
        digests = self.comm.allgather_object(digest, "comparing the parameters")
        if len(set(digests)) > 1:
            raise everywhere(DistributedError(
                f"after epoch {self._epoch} the processes hold different parameters "
                f"(digests {digests}); every process should apply the same update. Is the "
                "MPI library's sum the same on every process?"
            ))  # fmt: skip
