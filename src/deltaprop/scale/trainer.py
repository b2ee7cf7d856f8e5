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
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _validation as v
from ..core.backprop import forward
from ..errors import DistributedError
from ..training.callbacks import Callback, Step
from ..training.config import TrainConfig
from ..training.loop import Trainer, TrainState
from ..training.optimizers import Optimizer
from .comm import Communicator, everywhere

if TYPE_CHECKING:
    from ..network import Network


def split(rows: int, size: int, rank: int) -> tuple[int, int]:
    """The part [lo, hi) of ``rows`` consecutive rows that process ``rank`` of ``size`` takes:
    contiguous, in rank order, sizes differing by at most one."""
    return rank * rows // size, (rank + 1) * rows // size


def local_rows(order: np.ndarray, m: int, size: int, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """This process's rows of an epoch, in order, and where each mini-batch's part starts.

    Parameters
    ----------
    order : array of int, shape (n,)
        The epoch's row order; mini-batch b is ``order[b*m : (b+1)*m]``.

    Returns
    -------
    rows : array of int, shape (about n/size,)
        The rows this process computes, mini-batch by mini-batch.
    bounds : array of int, shape (n_batches + 1,)
        Mini-batch b's part is ``rows[bounds[b] : bounds[b+1]]``.
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
        self.comm = comm
        params = [*net.weights, *net.biases]
        n_params = sum(int(p.size) for p in params)
        # One flat buffer for every layer's gradient, then m_r·C_r and m_r: a single
        # all-reduce per step, however many layers.
        self._flat = np.zeros(n_params + 2, dtype=net.config.dtype)
        self._views: list[np.ndarray] = []
        offset = 0
        for p in params:
            self._views.append(self._flat[offset : offset + p.size].reshape(p.shape))
            offset += p.size
        self._n_params = n_params
        self._flat[:n_params] = np.concatenate([p.ravel() for p in params])
        comm.bcast_array(self._flat, "broadcasting rank 0's initial parameters")
        for p, view in zip(params, self._views):
            p[...] = view
        super().__init__(net, config, optimizer=optimizer, callbacks=callbacks, state=state)
        self._epoch = self._batch = 0
        self._cost_sum = 0.0  # Σ over the epoch's mini-batches of m · (mean cost)
        self._deferred: Exception | None = None
        comm.where = lambda: f" in epoch {self._epoch}, mini-batch {self._batch}"

    # -- the hooks of the training loop ----------------------------------------------------

    def _batches(self, X: Any, Y: Any, order: Any) -> Iterator[tuple[Any, Any]]:
        if order is None:
            order = np.arange(X.shape[0])
        comm = self.comm
        rows, bounds = local_rows(order, self.config.batch_size, comm.size, comm.rank)
        x_all, y_all = comm.together(
            "reading the training data", read_rows, self.net, X, Y, rows, "training"
        )
        for b in range(bounds.shape[0] - 1):
            self._batch = b + 1
            yield x_all[bounds[b] : bounds[b + 1]], y_all[bounds[b] : bounds[b + 1]]

    def _combine(self, nabla_w: list[Any], nabla_b: list[Any], cost: float, rows: int) -> float:
        flat, n = self._flat, self._n_params
        for grad, view in zip([*nabla_w, *nabla_b], self._views):
            np.multiply(grad, rows, out=view)  # m_r ∇C_r: the sum of the per-sample gradients
        flat[n] = cost * rows
        flat[n + 1] = rows
        self.comm.allreduce_sum(flat, "combining the gradients")
        m = flat[n + 1]  # the rows of the whole mini-batch
        cost_sum = float(flat[n])
        np.divide(flat[:n], m, out=flat[:n])  # ∇C = (1/m) Σ_r m_r ∇C_r
        layers = len(nabla_w)
        nabla_w[:] = self._views[:layers]
        nabla_b[:] = self._views[layers:]
        self._cost_sum += cost_sum
        return cost_sum / float(m)

    def step(self, x: Any, y: Any) -> Step:
        if x.shape[0]:
            return super().step(x, y)
        # No rows for this process in this mini-batch (fewer rows than processes): it adds
        # nothing to the sums but still takes part in the all-reduce and the update.
        net = self.net
        zs, a_list = forward(net.weights, net.biases, net.activation_functions, x, net.xp)
        nabla_w = [np.zeros_like(w) for w in net.weights]
        nabla_b = [np.zeros_like(b) for b in net.biases]
        cost = self._combine(nabla_w, nabla_b, 0.0, 0)
        self.optimizer.update(
            self.params, [*nabla_w, *nabla_b], self.state.optimizer_state, self.config.eta, net.xp
        )
        return Step(0, 0, 0, x, y, zs, a_list, list(zs), nabla_w, nabla_b, cost)

    def run_epoch(self, epoch: int, X: Any, Y: Any) -> dict[str, Any]:
        self._epoch, self._batch, self._cost_sum = epoch, 0, 0.0
        logs = super().run_epoch(epoch, X, Y)
        logs["train_cost"] = self._cost_sum / X.shape[0]  # over all processes' rows
        self._check_parameters()
        return logs

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

        def check() -> None:
            error, self._deferred = self._deferred, None
            if error is not None:
                raise error

        self.comm.together("ending the epoch", check)
        return any(self.comm.allgather_object(bool(stop), "deciding whether to stop"))

    def _check_parameters(self) -> None:
        """Every process must hold the same parameters, bit for bit."""
        digest = hashlib.blake2b(digest_size=16)
        for p in self.params:
            digest.update(np.ascontiguousarray(p).data)
        digests = self.comm.allgather_object(digest.hexdigest(), "comparing the parameters")
        if len(set(digests)) > 1:
            raise everywhere(
                DistributedError(
                    f"after epoch {self._epoch} the processes hold different parameters "
                    f"(digests {digests}); every process should apply the same update. Is the "
                    "MPI library's sum the same on every process?"
                )
            )
