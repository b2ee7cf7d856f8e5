"""The training loop: mini-batch stochastic gradient descent over epochs.

Three functions, one inside the other, take a run to the weight update:

- :meth:`Trainer.run`: the epochs; after each, check that the run has not diverged, measure
  the validation data, let the schedule and early stopping see the score, and hand the
  figures to the callbacks. When early stopping ends the run, it ends with its best epoch's
  parameters.
- :meth:`Trainer.run_epoch`: one epoch. Take η from the schedule, then run the steps of its
  mini-batches in order (:meth:`Trainer._epoch_steps`), which :meth:`Trainer._mini_batches`
  cuts from the training rows shuffled with a seeded generator (a final shorter mini-batch is
  kept). On the ``"jax"`` backend the whole epoch's steps run as one compiled program
  instead (:mod:`deltaprop.training.compiled`).
- :meth:`Trainer._step`: one mini-batch of m rows: the forward pass (with dropout masks when
  dropout is on), BP1–BP4, the processes' gradients combined (a
  :class:`~deltaprop.training.partition.Partition`; nothing to combine for one process), the
  L2/L1 penalty's gradient, and the optimiser's update.

The same loop runs one process and many: the partition says which rows of each global
mini-batch this process computes (its dropout masks are those rows of the masks drawn for the
whole mini-batch from the shared generator) and how the gradient is combined.

Speed without a second implementation: the rows are read in the epoch's order a chunk at a
time into one reused array (about 65,000 numbers on the CPU, so that the chunk is still in the
cache when its mini-batches use it; about four million on a GPU), so each mini-batch is a
contiguous slice of it; each step writes into a per-batch-size
:class:`~deltaprop.core.workspace.Workspace` whose gradient arrays are views of one flat
buffer; the per-batch costs stay on the device and are checked once per chunk.

Everything a resumed run needs is in :class:`TrainState`, as plain data.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..core.backprop import backward, forward
from ..core.model import Model
from ..core.workspace import ArrayList, Workspace, flat_arrays
from .callbacks import Callback, Step, overrides
from .compiled import CompiledEpochs
from .config import TrainConfig
from .divergence import diverged, first_non_finite, non_finite, snapshot
from .early_stopping import EarlyStopping, validation_score
from .history import History
from .optimizers import Optimizer, get_optimizer
from .partition import Partition
from .regularization import add_penalty_gradient, dropout_masks
from .schedules import Schedule, get_schedule
from .state import TrainState

__all__ = ["Trainer"]


class Trainer:
    """Runs :class:`TrainConfig` on a model; ``Network.fit`` is the usual way in.

    Parameters
    ----------
    model : Model
        A :class:`~deltaprop.core.model.Model` (a ``Network`` is one), trained in place.
    config : TrainConfig
        The run's options: epochs, batch size, η, optimiser, regularisation, schedule, ….
    optimizer : Optimizer, optional
        An optimiser of the user's own (one deltaprop knows by name comes from ``config``).
    schedule : Schedule, optional
        A schedule of the user's own, likewise.
    callbacks : sequence of Callback
        Called during training (see :class:`~deltaprop.training.callbacks.Callback`).
    state : TrainState, optional
        Continue from here (a resumed run); a fresh run starts at epoch 0.
    partition : Partition, optional
        Which rows of each mini-batch this process computes and how the gradients are
        combined; default one process, every row.

    Attributes
    ----------
    params : ArrayList
        [w^2 … w^L, b^2 … b^L], the model's own arrays, which the optimiser updates in place;
        ``params.flat`` is all of them as one 1-D buffer where the backend allows (else None).
    grads : ArrayList
        The latest mini-batch's [∂C/∂w^2 … ∂C/∂w^L, ∂C/∂b^2 … ∂C/∂b^L], matching ``params``.

    Examples
    --------
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> trainer = Trainer(net, deltaprop.TrainConfig(epochs=3, batch_size=10, eta=1.0, seed=0))
    >>> history = trainer.run(X, np.eye(2)[y])                # checked arrays: float64, one-hot
    >>> len(history), [g.shape for g in trainer.grads[:2]]
    (3, [(3, 4), (2, 3)])
    """

    def __init__(
        self,
        model: Model,
        config: TrainConfig,
        *,
        optimizer: Optimizer | None = None,
        schedule: Schedule | None = None,
        callbacks: Sequence[Callback] = (),
        state: TrainState | None = None,
        partition: Partition | None = None,
    ) -> None:
        self.model = model
        self.config = config
        self.optimizer = get_optimizer(optimizer or config.optimizer_object())
        self.schedule = get_schedule(schedule or config.schedule_object())
        self.stopper = None if config.patience is None else EarlyStopping(config.patience)
        self.callbacks = list(callbacks)
        self.partition = partition or Partition()
        self.params: ArrayList = model.parameters()  # updated in place by the optimiser
        self.partition.start(self.params)
        backend = model.backend
        self._dtype = backend.dtype(model.config.dtype)
        self.grads: ArrayList = flat_arrays(
            [tuple(p.shape) for p in self.params], model.xp, self._dtype, backend.device
        )
        self._workspaces: dict[int, Workspace] = {}  # by mini-batch size (the last may be short)
        # Numbers of X read at a time: on the CPU few enough that the chunk is still in the L2
        # cache when its mini-batches are used (measured: 2^16 beats 2^20 by ~10 µs a step of
        # the classic network); on a GPU many, since each chunk ends with a read-back.
        self._chunk_numbers = 1 << 16 if backend.name == "numpy" else 1 << 22
        self.rng = np.random.default_rng(config.seed)
        if state is None:
            state = TrainState(optimizer_state=self.optimizer.init(self.params))
        else:
            self.rng.bit_generator.state = state.rng_state
        state.schedule_state = state.schedule_state or self.schedule.init()
        if self.stopper is not None:
            state.stopping_state = state.stopping_state or self.stopper.init()
        self.state = state
        self.eta = config.eta  # the learning rate of the current epoch
        self.n_samples: int | None = None  # n of the L2/L1 penalty: the training-set size
        self._compiled: CompiledEpochs | None = None  # made at the first epoch that needs it

    def run(
        self,
        X: Any,
        Y: Any,
        validation: tuple[Any, Any] | None = None,
        *,
        epochs: int | None = None,
        test: tuple[Any, Any] | None = None,
    ) -> History:
        """Train on inputs X (n, n_1) and targets Y (n, n_L) until ``config.epochs``, or for
        ``epochs`` more epochs when given (training in pieces, as ``partial_fit`` does).

        X, Y and the validation pair must already be checked arrays of the model's dtype
        (``Network.fit`` does that) or, with a partition of many processes, what its ``read``
        takes. The plateau schedule and early stopping need ``validation``. A run that
        stopped itself (``state.stopped``) trains no more epochs. ``test``, a pair like
        ``validation``, is measured after every epoch too, as ``test_*`` figures that nothing
        chooses by.
        """
        self._check_validation_given(validation)
        self.n_samples = X.shape[0]
        end = self.config.epochs if epochs is None else self.state.epoch + epochs
        for cb in self.callbacks:
            cb.on_train_begin(self)
        while self.state.epoch < end and self.state.stopped is None:
            epoch = self.state.epoch + 1
            logs = self.run_epoch(epoch, X, Y)
            self._measure(logs, validation, test)
            reason = self._end_of_epoch(epoch, logs)
            if reason:
                logs["stopped"] = reason
            self.state.history.append(logs)
            logs = self.state.history.rows[-1]  # the History's row: figures callbacks add stay
            self.state.epoch = epoch
            self.state.rng_state = dict(self.rng.bit_generator.state)
            asked = False
            for cb in self.callbacks:
                asked = bool(cb.on_epoch_end(epoch, logs)) or asked
            if reason:  # the run ended itself: finished, a resume trains no more
                self.state.stopped = reason
            if self.partition.agree(asked):  # a callback's stop (a time limit, say) is a
                break  # pause: a resumed run goes on
        finished = self.state.stopped or self.state.epoch >= self.config.epochs
        if self.stopper is not None and finished:
            self.stopper.restore(self.params, self.state.stopping_state)
        for cb in self.callbacks:
            cb.on_train_end(self.state.history)
        self.partition.finish()
        return self.state.history

    def _check_validation_given(self, validation: tuple[Any, Any] | None) -> None:
        if validation is None and (self.schedule.needs_validation or self.stopper is not None):
            what = "early stopping (patience)" if self.stopper else "the plateau schedule"
            raise ValueError(
                f"{what} watches the validation score after every epoch; give validation data "
                f"(validation_data=(X_val, y_val), or validation_split= to hold out training rows)"
            )

    def _measure(self, logs: dict[str, Any], validation: tuple[Any, Any] | None, test: Any) -> None:
        """Add the figures of the validation (``val_*``) and test (``test_*``) data to ``logs``."""
        if validation is not None:
            t0 = time.perf_counter()
            scores = self.partition.evaluate(self.model, *validation)
            logs.update({f"val_{k}": v for k, v in scores.items()})
            logs["eval_seconds"] = time.perf_counter() - t0
        if test is not None:  # the same figures, named for the data they measure
            scores = self.partition.evaluate(self.model, *test)
            logs.update({f"test_{k}": v for k, v in scores.items()})

    def _end_of_epoch(self, epoch: int, logs: dict[str, Any]) -> str | None:
        """Show the schedule and early stopping the epoch's score; why to stop, or None."""
        score = validation_score(logs)
        reason = None
        if self.schedule.update(score, self.state.schedule_state):
            c = self.config
            floor = self.schedule.eta(epoch + 1, c.epochs, c.eta, self.state.schedule_state)
            reason = f"the {self.schedule.name} schedule brought eta down to {floor:g}"
        if self.stopper is not None:
            state = self.state.stopping_state
            if self.stopper.update(epoch, score, self.params, state, self.model.xp):
                reason = f"no better validation score in {self.stopper.patience} epochs"
        return reason

    def run_epoch(self, epoch: int, X: Any, Y: Any) -> dict[str, Any]:
        """One pass over the shuffled training data; returns the epoch's figures."""
        c, n = self.config, X.shape[0]
        n_batches = -(-n // c.batch_size)
        self.eta = self.schedule.eta(epoch, c.epochs, c.eta, self.state.schedule_state)
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, n_batches)
        start = snapshot(self.params, self.model.xp)  # what a diverged epoch goes back to
        self.partition.begin_epoch(epoch)
        t0 = time.perf_counter()
        # A diverging run overflows before its cost turns inf or NaN; the checks report it
        # once, clearly, instead of NumPy warning on every operation on the way there.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            compiled = self._compiled_epochs()  # the "jax" backend: one program an epoch
            if compiled is None:
                cost_sum = self._epoch_steps(epoch, X, Y, start)
            else:
                cost_sum = compiled.epoch_steps(self, epoch, X, Y, start)
            # Each cost was computed before its mini-batch's update: the last update of the
            # epoch (and the optimiser's state) is checked here, once.
            bad = non_finite(self.params, self.state.optimizer_state, self.model.xp)
            if bad:
                raise diverged(self.params, start, epoch, n_batches, self.eta, None, bad)
        self.partition.end_epoch(self.params, epoch)
        seconds = time.perf_counter() - t0
        return {"epoch": epoch, "train_cost": cost_sum / n, "seconds": seconds, "eta": self.eta}

    def _epoch_steps(self, epoch: int, X: Any, Y: Any, start: list[Any]) -> float:
        """The steps of the epoch's mini-batches, in order; returns Σ_x C_x over the epoch,
        each mini-batch's cost taken before its update. Raises DivergenceError (the
        parameters back at ``start``) at the first mini-batch whose cost is not finite.

        On the ``"jax"`` backend :meth:`~deltaprop.training.compiled.CompiledEpochs.epoch_steps`
        takes its place: the same rows in the same order, masks and η, the same steps as one
        compiled program (or one compiled step a mini-batch when a callback watches every
        mini-batch), the same sum; ``run_epoch`` around it stays as it is.
        """
        hooks = [cb for cb in self.callbacks if overrides(cb, "on_batch_end")]
        xp, n, m = self.model.xp, X.shape[0], self.config.batch_size
        n_batches = -(-n // m)
        per_chunk = max(1, self._chunk_numbers // (m * X.shape[1]))  # mini-batches per chunk
        costs = xp.zeros((per_chunk,), dtype=self._dtype, device=self.model.backend.device)
        sums: list[float] = []  # of each chunk's costs, added as the chunks are checked
        for b, x, y, count in self._mini_batches(epoch, X, Y, costs, sums, start):
            zs, activations, deltas, total, grad_w, grad_b, *extra = self._step(x, y, count)
            costs[b % per_chunk] = total  # Σ_x C_x of the mini-batch, kept on the device
            if hooks:
                cost = float(total) / count  # the mini-batch's mean cost, before the update
                step = Step(
                    epoch,
                    b + 1,
                    n_batches,
                    x,
                    y,
                    zs,
                    activations,
                    deltas,
                    grad_w,
                    grad_b,
                    cost,
                    *extra,
                )
                for cb in hooks:
                    cb.on_batch_end(step)
        return sum(sums)

    def _mini_batches(
        self, epoch: int, X: Any, Y: Any, costs: Any, sums: list[float], start: list[Any]
    ) -> Iterator[tuple[int, Any, Any, int]]:
        """The epoch's mini-batches in order, as (b, x, y, count): b counts from 0, x and y are
        this process's rows of mini-batch b, and ``count`` the rows of the whole mini-batch.

        The row order is drawn on the host from the run's generator, so every backend and every
        process sees the same. The partition reads the rows a chunk of mini-batches at a time,
        so that each mini-batch is a contiguous slice of the chunk. ``costs`` has one entry for
        each mini-batch of a chunk: after each chunk, the costs its steps wrote there are
        checked (a DivergenceError, with the parameters put back to ``start``, at the first
        that is not finite) and their sum is appended to ``sums``.
        """
        part, xp, n, m = self.partition, self.model.xp, X.shape[0], self.config.batch_size
        order = self.rng.permutation(n) if self.config.shuffle else None
        rows, bounds = part.rows(order, n, m)
        n_rows = n if rows is None else rows.shape[0]  # this process's rows of the epoch
        if rows is not None and part.size == 1:
            rows = self.model.backend.asarray(rows)
        n_batches, per_chunk = -(-n // m), costs.shape[0]
        for first in range(0, n_batches, per_chunk):
            last = min(n_batches, first + per_chunk)
            lo, hi = int(bounds[first]), min(int(bounds[last]), n_rows)
            xs, ys = part.read(self.model, X, Y, rows, lo, hi)
            for b in range(first, last):
                s, e = int(bounds[b]) - lo, min(int(bounds[b + 1]), n_rows) - lo
                yield b, xs[s:e, :], ys[s:e, :], min(m, n - b * m)
            chunk = costs[: last - first]
            bad = first_non_finite(chunk, xp)  # one check per chunk: a read-back stalls a GPU
            if bad is not None:
                cost = float(chunk[bad]) / min(m, n - (first + bad) * m)
                raise diverged(self.params, start, epoch, first + bad + 1, self.eta, cost)
            sums.append(float(xp.sum(chunk)))

    def _compiled_epochs(self) -> CompiledEpochs | None:
        """The compiled epochs of a backend that compiles them (made at the first epoch),
        else None."""
        if self._compiled is None and CompiledEpochs.supports(self):
            self._compiled = CompiledEpochs(self)
        return self._compiled

    def _step(self, x: Any, y: Any, count: int) -> tuple[Any, ...]:
        """This process's rows x, y of a mini-batch of ``count`` rows: forward pass, BP1–BP4,
        the combined gradient, the penalty and the update. Returns (zs, activations, deltas,
        Σ_x C_x of the whole mini-batch, grad_w, grad_b, the dropout masks, the penalty's
        term), the last two None when not used."""
        model, c = self.model, self.config
        ws = self._workspace(x.shape[0])
        masks = None
        if c.dropout:  # inverted dropout on the hidden layers, drawn for the whole mini-batch
            lo, hi = self.partition.part(count)
            drawn = dropout_masks(count, model.sizes, c.dropout, self.rng, model.config.dtype)
            masks = [model.backend.asarray(r[lo:hi]) for r in drawn]
        xp = model.xp
        zs, activations = forward(model.weights, model.biases, model.sigmas, x, xp, ws,
                                  masks=masks)  # fmt: skip
        grad_w, grad_b, deltas, total = backward(
            model.weights, model.sigmas, model.cost_function, zs, activations, y, xp, ws,
            masks=masks,
        )  # fmt: skip
        # NumPy, CuPy and PyTorch wrote into self.grads; other namespaces made new arrays
        grads = self.grads if ws.ops.writes_into else ArrayList([*grad_w, *grad_b])
        total = self.partition.reduce(grads, total, x.shape[0])
        penalty = None
        if c.l2 or c.l1:  # the penalty's gradient (biases are not regularised), in place
            n = self.n_samples or count
            penalty = add_penalty_gradient(list(grads[: len(grad_w)]), model.weights, n, c.l2,
                                           c.l1, model.xp)  # fmt: skip
        self.optimizer.update(self.params, grads, self.state.optimizer_state, self.eta, model.xp)
        return zs, activations, deltas, total, grad_w, grad_b, masks, penalty

    def _workspace(self, m: int) -> Workspace:
        ws = self._workspaces.get(m)
        if ws is None:
            model = self.model
            ws = Workspace(model.sizes, m, model.xp, self._dtype, model.backend.device,
                           grads=self.grads)  # fmt: skip
            self._workspaces[m] = ws
        return ws

    def step(self, x: Any, y: Any) -> Step:
        """One mini-batch: forward pass, BP1–BP4, and the optimiser's update with η = ``self.eta``.

        ``x`` and ``y`` are checked arrays of the model's backend and dtype. Returns what
        the step computed; its ``cost`` is the batch's mean data cost before the update, and
        its ``grad_w`` the gradient the optimiser used (with the L2/L1 term when regularising;
        n is the training-set size given to :meth:`run`, or the batch's size when ``step`` is
        called on its own). ``epoch`` and ``batch`` are left 0 for the caller to fill in.
        """
        zs, activations, deltas, total, grad_w, grad_b, *extra = self._step(x, y, x.shape[0])
        cost = float(total) / x.shape[0]
        return Step(0, 0, 0, x, y, zs, activations, deltas, grad_w, grad_b, cost, *extra)
