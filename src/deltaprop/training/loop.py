"""The training loop: mini-batch stochastic gradient descent over epochs.

For each epoch: take η from the schedule, shuffle the training rows with a seeded generator,
cut them into mini-batches of m rows (a final shorter batch is kept), and for each batch run
the forward pass (with dropout masks when dropout is on), BP1–BP4, combine the processes'
gradients (a :class:`~deltaprop.training.partition.Partition`; nothing to combine for one
process), add the L2/L1 penalty's gradient, and let the optimiser update the parameters.
After the epoch, check once that the parameters and the optimiser's state are finite, measure
the validation data, let the schedule and early stopping see the score, and hand the figures
to the callbacks. When early stopping ends the run, it ends with its best epoch's parameters.

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
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.backprop import backward, forward
from ..core.model import Model
from ..core.workspace import ArrayList, Workspace, flat_arrays
from ..errors import DivergenceError
from ._plaindata import arrays_in
from .callbacks import Callback, Step, overrides
from .compiled import CompiledEpochs
from .config import TrainConfig
from .early_stopping import EarlyStopping, validation_score
from .history import History
from .optimizers import Optimizer, get_optimizer
from .partition import Partition
from .regularization import add_penalty_gradient, dropout_masks
from .schedules import Schedule, get_schedule

__all__ = ["TrainState", "Trainer", "train"]


@dataclass
class TrainState:
    """Where a training run stands, between epochs: what a checkpoint must hold
    besides the network's parameters.

    Attributes
    ----------
    epoch : int
        Epochs completed.
    rng_state : dict
        The shuffling generator's state (``numpy.random.Generator.bit_generator.state``).
    optimizer_state : dict
        The optimiser's state (plain data: arrays shaped like the parameters, numbers).
    history : History
        The rows of the epochs completed.
    schedule_state : dict
        The learning-rate schedule's state, plain data.
    stopping_state : dict
        Early stopping's: the best score, its epoch and parameters, epochs waited.
    stopped : str or None
        Why the run ended itself (early stopping, the plateau schedule's last step); a run
        that stopped itself is finished and trains no more epochs.

    Examples
    --------
    >>> net = deltaprop.Network([4, 3, 2], dtype="float64", seed=0)
    >>> X = np.random.default_rng(0).random((60, 4))         # 60 samples, shape (n, 4)
    >>> y = (X[:, 0] > 0.5).astype(int)                      # class labels, shape (n,)
    >>> trainer = Trainer(net, deltaprop.TrainConfig(epochs=2, seed=0))
    >>> _ = trainer.run(X, np.eye(2)[y])                      # float64 inputs, one-hot targets
    >>> trainer.state.epoch, len(trainer.state.history), trainer.state.stopped
    (2, 2, None)
    """

    epoch: int = 0  # epochs completed
    rng_state: dict[str, Any] = field(default_factory=dict)  # the shuffling generator's state
    optimizer_state: dict[str, Any] = field(default_factory=dict)
    history: History = field(default_factory=History)
    schedule_state: dict[str, Any] = field(default_factory=dict)  # the schedule's, plain data
    stopping_state: dict[str, Any] = field(default_factory=dict)  # early stopping's: best
    #                                       score, epoch and parameters, epochs waited
    stopped: str | None = None  # why the run ended itself; None while it may go on


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
    >>> net = deltaprop.Network([4, 3, 2], dtype="float64", seed=0)
    >>> X = np.random.default_rng(0).random((60, 4))         # 60 samples, shape (n, 4)
    >>> y = (X[:, 0] > 0.5).astype(int)                      # class labels, shape (n,)
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
        self.net = self.model = model
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
        if validation is None and (self.schedule.needs_validation or self.stopper is not None):
            what = "early stopping (patience)" if self.stopper else "the plateau schedule"
            raise ValueError(
                f"{what} watches the validation score after every epoch; give validation data "
                f"(validation_data=(X_val, y_val), or validation_split= to hold out training rows)"
            )
        self.n_samples = X.shape[0]
        end = self.config.epochs if epochs is None else self.state.epoch + epochs
        for cb in self.callbacks:
            cb.on_train_begin(self)
        while self.state.epoch < end and self.state.stopped is None:
            epoch = self.state.epoch + 1
            logs = self.run_epoch(epoch, X, Y)
            if validation is not None:
                t0 = time.perf_counter()
                scores = self.partition.evaluate(self.model, *validation)
                logs.update({f"val_{k}": v for k, v in scores.items()})
                logs["eval_seconds"] = time.perf_counter() - t0
            if test is not None:  # the same figures, named for the data they measure
                scores = self.partition.evaluate(self.model, *test)
                logs.update({f"test_{k}": v for k, v in scores.items()})
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
        compiled = self._compiled_epochs()
        if compiled is not None:  # the "jax" backend: the epoch as one compiled program
            return compiled.run_epoch(self, epoch, X, Y)
        xp, part = self.model.xp, self.partition
        n, m = X.shape[0], self.config.batch_size
        n_batches = -(-n // m)
        batch_hooks = [cb for cb in self.callbacks if overrides(cb, "on_batch_end")]
        c = self.config
        self.eta = self.schedule.eta(epoch, c.epochs, c.eta, self.state.schedule_state)
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, n_batches)
        start_params = self._snapshot()  # kept for divergence
        part.begin_epoch(epoch)
        # drawn on the host, so every backend and every process sees the same order
        order = self.rng.permutation(n) if c.shuffle else None
        rows, bounds = part.rows(order, n, m)
        n_rows = n if rows is None else rows.shape[0]  # this process's rows of the epoch
        if rows is not None and part.size == 1:
            rows = self.model.backend.asarray(rows)
        per_chunk = max(1, self._chunk_numbers // (m * X.shape[1]))  # mini-batches per chunk
        costs = xp.zeros((per_chunk,), dtype=self._dtype, device=self.model.backend.device)
        cost_sum = 0.0
        t0 = time.perf_counter()
        # A diverging run overflows before its cost turns inf or NaN; the check below reports
        # it once, clearly, instead of NumPy warning on every operation on the way there.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for first in range(0, n_batches, per_chunk):
                last = min(n_batches, first + per_chunk)
                lo, hi = int(bounds[first]), min(int(bounds[last]), n_rows)
                xs, ys = part.read(self.model, X, Y, rows, lo, hi)
                for b in range(first, last):
                    s, e = int(bounds[b]) - lo, min(int(bounds[b + 1]), n_rows) - lo
                    x, y = xs[s:e, :], ys[s:e, :]
                    count = min(m, n - b * m)  # rows of the whole mini-batch
                    zs, activations, deltas, total, grad_w, grad_b = self._step(x, y, count)
                    costs[b - first] = total  # Σ_x C_x, kept on the device
                    if batch_hooks:
                        step = Step(epoch, b + 1, n_batches, x, y, zs, activations, deltas,
                                    grad_w, grad_b, float(total) / count)  # fmt: skip
                        for cb in batch_hooks:
                            cb.on_batch_end(step)
                # One check per chunk, not per step: reading a number back stalls a GPU, and
                # the first non-finite cost is found exactly all the same.
                chunk = costs[: last - first]
                if not bool(xp.all(xp.isfinite(chunk))):
                    bad = int(xp.argmax(xp.astype(~xp.isfinite(chunk), xp.int8)))
                    cost = float(chunk[bad]) / min(m, n - (first + bad) * m)
                    self._diverged(start_params, epoch, first + bad + 1, cost)
                cost_sum += float(xp.sum(chunk))
            # Each cost above was computed before its mini-batch's update: the last update of
            # the epoch (and the optimiser's state) is checked here, once.
            what = self._non_finite()
            if what:
                self._diverged(start_params, epoch, n_batches, None, what)
        part.end_epoch(self.params, epoch)
        return {
            "epoch": epoch,
            "train_cost": cost_sum / n,
            "seconds": time.perf_counter() - t0,
            "eta": self.eta,
        }

    def _compiled_epochs(self) -> CompiledEpochs | None:
        """The compiled epochs of a backend that compiles them (made once), else None."""
        if not hasattr(self, "_compiled"):
            self._compiled = CompiledEpochs(self) if CompiledEpochs.supports(self) else None
        return self._compiled

    def _step(self, x: Any, y: Any, count: int) -> tuple[Any, ...]:
        """This process's rows x, y of a mini-batch of ``count`` rows: forward pass, BP1–BP4,
        the combined gradient, the penalty and the update. Returns (zs, activations, deltas,
        Σ_x C_x of the whole mini-batch, grad_w, grad_b)."""
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
        if c.l2 or c.l1:  # the penalty's gradient (biases are not regularised), in place
            n = self.n_samples or count
            add_penalty_gradient(list(grads[: len(grad_w)]), model.weights, n, c.l2, c.l1,
                                 model.xp)  # fmt: skip
        self.optimizer.update(self.params, grads, self.state.optimizer_state, self.eta, model.xp)
        return zs, activations, deltas, total, grad_w, grad_b

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
        zs, activations, deltas, total, grad_w, grad_b = self._step(x, y, x.shape[0])
        cost = float(total) / x.shape[0]
        return Step(0, 0, 0, x, y, zs, activations, deltas, grad_w, grad_b, cost)

    def _snapshot(self) -> list[Any]:
        xp = self.model.xp
        if self.params.flat is not None:
            return [xp.asarray(self.params.flat, copy=True)]
        return [xp.asarray(p, copy=True) for p in self.params]

    def _non_finite(self) -> str | None:
        """What holds inf or NaN: "the weights", "the optimizer's state", or None."""
        xp = self.model.xp
        params = [self.params.flat] if self.params.flat is not None else list(self.params)
        for what, arrays in (
            ("the weights", params),
            ("the optimizer's state", arrays_in(self.state.optimizer_state)),
        ):
            if not all(bool(xp.all(xp.isfinite(a))) for a in arrays):
                return what
        return None

    def _diverged(
        self,
        start_params: list[Any],
        epoch: int,
        batch: int,
        cost: float | None,
        bad: str = "the weights",
    ) -> None:
        """Restore the weights of the epoch's start and raise DivergenceError; ``cost`` is
        the mini-batch's non-finite cost, or None when its update made ``bad`` (the weights or
        the optimiser's state) so."""
        targets = [self.params.flat] if self.params.flat is not None else self.params
        for p, saved in zip(targets, start_params):
            p[...] = saved
        eta = self.eta
        what = (
            f"the cost of mini-batch {batch} of epoch {epoch} is {cost}"
            if cost is not None
            else f"the update of mini-batch {batch} of epoch {epoch} made {bad} inf or NaN"
        )
        raise DivergenceError(
            f"training diverged: {what} with "
            f"eta = {eta:g}; try a smaller learning rate (e.g. eta = {eta / 10:g}). The network "
            f"keeps the weights it had at the start of epoch {epoch}.",
            epoch=epoch,
            batch=batch,
            eta=eta,
        )


def train(
    model: Model,
    X: Any,
    Y: Any,
    config: TrainConfig,
    *,
    validation: tuple[Any, Any] | None = None,
    callbacks: Sequence[Callback] = (),
    optimizer: Optimizer | None = None,
    schedule: Schedule | None = None,
    test: tuple[Any, Any] | None = None,
) -> History:
    """Train ``model`` in place: ``Trainer(model, config, ...).run(X, Y, validation)``.

    Parameters
    ----------
    model : Model
        A :class:`~deltaprop.core.model.Model` (a ``Network`` is one).
    X : array of shape (n, sizes[0])
        Inputs of the model's dtype on its backend (``Network.fit`` checks and converts).
    Y : array of shape (n, sizes[-1])
        Target rows (one-hot for classes).
    config : TrainConfig
        The run's hyper-parameters.
    validation : (X_val, Y_val), optional
        Arrays like X and Y, measured after every epoch.
    test : (X_test, Y_test), optional
        Arrays like X and Y, measured after every epoch as ``test_*`` figures.
    callbacks : sequence of Callback
        Called during training.
    optimizer, schedule : optional
        Objects of the user's own (see :class:`Trainer`).

    Returns
    -------
    History

    Examples
    --------
    >>> net = deltaprop.Network([4, 3, 2], dtype="float64", seed=0)
    >>> X = np.random.default_rng(0).random((60, 4))         # 60 samples, shape (n, 4)
    >>> y = (X[:, 0] > 0.5).astype(int)                      # class labels, shape (n,)
    >>> history = train(net, X, np.eye(2)[y], deltaprop.TrainConfig(epochs=2, seed=0))
    >>> history["epoch"]
    [1, 2]
    """
    trainer = Trainer(model, config, optimizer=optimizer, schedule=schedule, callbacks=callbacks)
    return trainer.run(X, Y, validation, test=test)
