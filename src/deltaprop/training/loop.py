"""The training loop: mini-batch stochastic gradient descent over epochs.

For each epoch: take η from the schedule, shuffle the training rows with a seeded generator,
cut them into mini-batches of m rows (a final shorter batch is kept), and for each batch run
the forward pass (with dropout masks when dropout is on), BP1–BP4, add the L2/L1 penalty's
gradient, and let the optimiser update the parameters. After the epoch, measure the
validation data, let the schedule and early stopping see the score, and hand the figures to
the callbacks. When early stopping is on, the network ends with its best epoch's parameters.

Speed without a second implementation: the data is gathered in the epoch's shuffled order a
chunk at a time into one reused array (about 65,000 numbers on the CPU, so that the chunk is
still in the cache when its mini-batches use it; about four million on a GPU), so each
mini-batch is a contiguous slice of it (never a copy per batch, never a copy of the data
set); each step writes into a per-batch-size :class:`~deltaprop.core.workspace.Workspace`
and into gradient arrays that are views of one flat buffer; the per-batch costs stay on the
device and are checked for divergence once per chunk.

Everything a resumed run needs is in :class:`TrainState`, as plain data.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.backprop import backward_with_cost, forward
from ..core.ops import ops_for
from ..core.workspace import ArrayList, Workspace, flat_arrays
from ..errors import DivergenceError
from .callbacks import Callback, Step, overrides
from .config import TrainConfig
from .early_stopping import EarlyStopping, validation_score
from .history import History
from .optimizers import Optimizer, get_optimizer, optimizer_from_config
from .regularization import add_penalty_gradient, dropout_masks
from .schedules import Schedule, get_schedule

if TYPE_CHECKING:
    from ..network import Network


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

    Examples
    --------
    >>> net = deltaprop.Network([4, 3, 2], dtype="float64", seed=0)
    >>> X = np.random.default_rng(0).random((60, 4))         # 60 samples, shape (n, 4)
    >>> y = (X[:, 0] > 0.5).astype(int)                      # class labels, shape (n,)
    >>> trainer = Trainer(net, deltaprop.TrainConfig(epochs=2, seed=0))
    >>> _ = trainer.run(X, np.eye(2)[y])                      # float64 inputs, one-hot targets
    >>> trainer.state.epoch, len(trainer.state.history)
    (2, 2)
    """

    epoch: int = 0  # epochs completed
    rng_state: dict[str, Any] = field(default_factory=dict)  # the shuffling generator's state
    optimizer_state: dict[str, Any] = field(default_factory=dict)
    history: History = field(default_factory=History)
    schedule_state: dict[str, Any] = field(default_factory=dict)  # the schedule's, plain data
    stopping_state: dict[str, Any] = field(default_factory=dict)  # early stopping's: best
    #                                       score, epoch and parameters, epochs waited


class Trainer:
    """Runs :class:`TrainConfig` on a network; ``Network.fit`` is the usual way in.

    Parameters
    ----------
    net : Network
        Trained in place.
    config : TrainConfig
    optimizer : str or Optimizer, optional
        Overrides ``config.optimizer`` (an instance sets its own hyper-parameters).
    schedule : str or Schedule, optional
        Overrides ``config.schedule``.
    callbacks : sequence of Callback
    state : TrainState, optional
        Continue from here (a resumed run); a fresh run starts at epoch 0.

    Attributes
    ----------
    params : ArrayList
        [w^2 … w^L, b^2 … b^L], the network's own arrays, which the optimiser updates in place;
        ``params.flat`` is all of them as one 1-D buffer where the backend allows (else None).
    grads : ArrayList
        The latest mini-batch's [∂C/∂w^2 … ∂C/∂w^L, ∂C/∂b^2 … ∂C/∂b^L], matching ``params``
        (``grads.flat`` likewise); ``nabla_w`` and ``nabla_b`` are its two halves.

    Examples
    --------
    >>> net = deltaprop.Network([4, 3, 2], dtype="float64", seed=0)
    >>> X = np.random.default_rng(0).random((60, 4))         # 60 samples, shape (n, 4)
    >>> y = (X[:, 0] > 0.5).astype(int)                      # class labels, shape (n,)
    >>> trainer = Trainer(net, deltaprop.TrainConfig(epochs=3, batch_size=10, eta=1.0, seed=0))
    >>> history = trainer.run(X, np.eye(2)[y])                # checked arrays: float64, one-hot
    >>> len(history), [g.shape for g in trainer.nabla_w]
    (3, [(3, 4), (2, 3)])
    """

    def __init__(
        self,
        net: Network,
        config: TrainConfig,
        *,
        optimizer: str | Optimizer | None = None,
        schedule: str | Schedule | None = None,
        callbacks: Sequence[Callback] = (),
        state: TrainState | None = None,
    ) -> None:
        self.net = net
        self.config = config
        self.optimizer = (
            optimizer_from_config(config) if optimizer is None else get_optimizer(optimizer)
        )
        self.schedule = get_schedule(
            config.schedule if schedule is None else schedule, patience=config.plateau_patience
        )
        self.stopper = None if config.patience is None else EarlyStopping(config.patience)
        self.callbacks = list(callbacks)
        self.params: ArrayList = net._parameters()  # updated in place by the optimiser
        backend, n_layers = net.backend, len(net.weights)
        self.grads: ArrayList = flat_arrays(
            [tuple(p.shape) for p in self.params],
            net.xp,
            backend.dtype(net.config.dtype),
            backend.device,
        )
        self.nabla_w, self.nabla_b = list(self.grads[:n_layers]), list(self.grads[n_layers:])
        self._ops = ops_for(net.xp)
        self._workspaces: dict[int, Workspace] = {}  # by mini-batch size (the last may be short)
        self._chunk_buffers: tuple[Any, Any] | None = None
        # Numbers of X gathered at a time: on the CPU few enough that the chunk is still in
        # the L2 cache when its mini-batches are used (measured: 2^16 beats 2^20 by ~10 µs a
        # step of the classic network); on a GPU many, since each chunk ends with a read-back.
        self._chunk_numbers = 1 << 16 if net.backend.name == "numpy" else 1 << 22
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

        X, Y and the validation pair must already be checked arrays of the network's dtype
        (``Network.fit`` does that); validation targets may be one-hot rows. The plateau
        schedule and early stopping need ``validation``. ``test``, a pair like it, is measured
        after every epoch too, as ``test_*`` figures that nothing chooses by.
        """
        if validation is None and (self.schedule.needs_validation or self.stopper is not None):
            what = "early stopping (patience)" if self.stopper else "the plateau schedule"
            raise ValueError(
                f"{what} watches the validation score after every epoch; give validation data "
                f"(validation_data=(X_val, y_val), or validation_split= to hold out training rows)"
            )
        self.n_samples = X.shape[0]
        end = self.config.epochs if epochs is None else self.state.epoch + epochs
        stop = False
        for cb in self.callbacks:
            cb.on_train_begin(self)
        while self.state.epoch < end:
            epoch = self.state.epoch + 1
            logs = self.run_epoch(epoch, X, Y)
            if validation is not None:
                t0 = time.perf_counter()
                scores = self._validate(*validation)
                logs.update({f"val_{k}": v for k, v in scores.items()})
                logs["eval_seconds"] = time.perf_counter() - t0
            if test is not None:  # the same figures, named for the data they measure
                logs.update({f"test_{k}": v for k, v in self._validate(*test).items()})
            reason = self._end_of_epoch(epoch, logs)
            if reason:
                logs["stopped"] = reason
            self.state.history.append(logs)
            logs = self.state.history.rows[-1]  # the History's row: figures callbacks add stay
            self.state.epoch = epoch
            self.state.rng_state = dict(self.rng.bit_generator.state)
            stop = bool(reason)
            for cb in self.callbacks:
                stop = bool(cb.on_epoch_end(epoch, logs)) or stop
            stop = self._decide_stop(stop)
            if stop:
                break
        finished = stop or self.state.epoch >= self.config.epochs  # not just a piece of a run
        if self.stopper is not None and finished:
            self.stopper.restore(self.params, self.state.stopping_state)
        for cb in self.callbacks:
            cb.on_train_end(self.state.history)
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
            if self.stopper.update(epoch, score, self.params, state, self.net.xp):
                reason = f"no better validation score in {self.stopper.patience} epochs"
        return reason

    def run_epoch(self, epoch: int, X: Any, Y: Any) -> dict[str, Any]:
        """One pass over the shuffled training data; returns the epoch's figures."""
        xp = self.net.xp
        n, m = X.shape[0], self.config.batch_size
        n_batches = -(-n // m)
        batch_hooks = [cb for cb in self.callbacks if overrides(cb, "on_batch_end")]
        self.eta = self.schedule.eta(epoch, self.config.epochs, self.config.eta,
                                     self.state.schedule_state)  # fmt: skip
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, n_batches)
        start_params = self._snapshot()  # kept for divergence
        order = None
        if self.config.shuffle:  # drawn on the host, so every backend sees the same order
            order = self.net.backend.asarray(self.rng.permutation(n))
        per_chunk = max(1, self._chunk_numbers // (m * X.shape[1]))  # mini-batches per chunk
        rows = per_chunk * m
        costs = xp.zeros((per_chunk,), dtype=X.dtype, device=self.net.backend.device)  # Σ_x C_x
        cost_sum = 0.0
        t0 = time.perf_counter()
        # A diverging run overflows before its cost turns inf or NaN; the check below reports
        # it once, clearly, instead of NumPy warning on every operation on the way there.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for start in range(0, n, rows):
                xs, ys = self._chunk(X, Y, order, start, min(n, start + rows))
                first = start // m  # batches before this chunk
                k = xs.shape[0]
                for j, s in enumerate(range(0, k, m)):
                    x, y = xs[s : min(k, s + m), :], ys[s : min(k, s + m), :]
                    zs, a_list, deltas, total, nabla_w, nabla_b = self._step(x, y)
                    costs[j] = total
                    if batch_hooks:
                        cost = float(total) / x.shape[0]
                        if not math.isfinite(cost):
                            self._diverged(start_params, epoch, first + j + 1, cost)
                        step = Step(epoch, first + j + 1, n_batches, x, y, zs, a_list, deltas,
                                    nabla_w, nabla_b, cost)  # fmt: skip
                        for cb in batch_hooks:
                            cb.on_batch_end(step)
                # One check per chunk, not per step: reading a number back stalls a GPU, and
                # the first non-finite cost is found exactly all the same.
                chunk = costs[: -(-k // m)]
                if not bool(xp.all(xp.isfinite(chunk))):
                    bad = int(xp.argmax(xp.astype(~xp.isfinite(chunk), xp.int8)))
                    self._diverged(start_params, epoch, first + bad + 1, float(chunk[bad]))
                cost_sum += float(xp.sum(chunk))
            # Each cost above was computed before its mini-batch's update, so the last
            # update of the epoch is checked here, once: it may itself have overflowed.
            if not self._parameters_finite():
                self._diverged(start_params, epoch, n_batches, None)
        return {
            "epoch": epoch,
            "train_cost": cost_sum / n,
            "seconds": time.perf_counter() - t0,
            "eta": self.eta,
        }

    def _chunk(self, X: Any, Y: Any, order: Any, start: int, stop: int) -> tuple[Any, Any]:
        """Rows start … stop − 1 of the epoch's order: slices of X and Y when not shuffled,
        else gathered into arrays reused by every chunk (where the backend writes in place)."""
        if order is None:
            return X[start:stop, :], Y[start:stop, :]
        idx, k = order[start:stop], stop - start
        if self._ops.writes_into:
            buffers = self._chunk_buffers
            if buffers is None or buffers[0].shape[0] < k or buffers[0].dtype != X.dtype:
                xp, device = self.net.xp, self.net.backend.device
                buffers = (
                    xp.empty((k, X.shape[1]), dtype=X.dtype, device=device),
                    xp.empty((k, Y.shape[1]), dtype=Y.dtype, device=device),
                )
                self._chunk_buffers = buffers
            xb, yb = buffers
            take = self._ops.take_rows
            return take(X, idx, out=xb[:k, :]), take(Y, idx, out=yb[:k, :])
        return self._ops.take_rows(X, idx), self._ops.take_rows(Y, idx)

    def _step(self, x: Any, y: Any) -> tuple[Any, ...]:
        """Forward pass, BP1–BP4 and the update; the one code behind ``step`` and the loop."""
        net, xp = self.net, self.net.xp
        ws = self._workspaces.get(x.shape[0])
        if ws is None:
            dtype = net.backend.dtype(net.config.dtype)
            ws = Workspace(net.sizes, x.shape[0], xp, dtype, net.backend.device)
            self._workspaces[x.shape[0]] = ws
        c, masks = self.config, None
        if c.dropout:  # inverted dropout on the hidden layers, in training steps only
            dtype = net.config.dtype
            masks = [net.backend.asarray(r) for r in
                     dropout_masks(x.shape[0], net.sizes, c.dropout, self.rng, dtype)]  # fmt: skip
        zs, a_list = forward(net.weights, net.biases, net.activation_functions, x, xp, ws,
                             masks=masks)  # fmt: skip
        nabla_w, nabla_b, deltas, total = backward_with_cost(
            net.weights, net.activation_functions, net.cost_function, zs, a_list, y, xp, ws,
            self.nabla_w, self.nabla_b, masks=masks,
        )  # fmt: skip
        # NumPy, CuPy and PyTorch wrote the gradients into self.grads; other namespaces
        # returned new arrays.
        grads = self.grads if self._ops.writes_into else ArrayList([*nabla_w, *nabla_b])
        total = self.reduce_gradients(grads, total, x.shape[0])
        if c.l2 or c.l1:  # the penalty's gradient (biases are not regularised), in place
            n = self.n_samples or x.shape[0]
            add_penalty_gradient(list(grads[: len(nabla_w)]), net.weights, n, c.l2, c.l1, xp)
        self.optimizer.update(self.params, grads, self.state.optimizer_state, self.eta, xp)
        return zs, a_list, deltas, total, nabla_w, nabla_b

    def reduce_gradients(self, grads: ArrayList, total: Any, rows: int) -> Any:
        """Called between BP1–BP4 and the update with the gradients of the mean cost of this
        process's ``rows`` rows, which may be changed in place (``grads.flat`` holds all of
        them in one buffer where the backend allows), and ``total``, their Σ_x C_x; returns
        the Σ_x C_x to record. Does nothing here: a data-parallel run
        (:class:`deltaprop.scale.DistributedTrainer`) combines them over its processes."""
        return total

    def _validate(self, X: Any, Y: Any) -> dict[str, Any]:
        """The validation figures after an epoch (see ``Network.evaluate``)."""
        return self.net._evaluate(X, Y)

    def _decide_stop(self, stop: bool) -> bool:
        """Whether to stop after this epoch, given whether a callback asked to."""
        return stop

    def step(self, x: Any, y: Any) -> Step:
        """One mini-batch: forward pass, BP1–BP4, and the optimiser's update with η = ``self.eta``.

        ``x`` and ``y`` are checked arrays of the network's backend and dtype. Returns what
        the step computed; its ``cost`` is the batch's mean data cost before the update, and
        its ``nabla_w`` the gradient the optimiser used (with the L2/L1 term when regularising;
        n is the training-set size given to :meth:`run`, or the batch's size when ``step`` is
        called on its own). ``epoch`` and ``batch`` are left 0 for the caller to fill in.
        """
        zs, a_list, deltas, total, nabla_w, nabla_b = self._step(x, y)
        cost = float(total) / x.shape[0]
        return Step(0, 0, 0, x, y, zs, a_list, deltas, nabla_w, nabla_b, cost)

    def _snapshot(self) -> list[Any]:
        xp = self.net.xp
        if self.params.flat is not None:
            return [xp.asarray(self.params.flat, copy=True)]
        return [xp.asarray(p, copy=True) for p in self.params]

    def _parameters_finite(self) -> bool:
        xp = self.net.xp
        targets = [self.params.flat] if self.params.flat is not None else self.params
        return all(bool(xp.all(xp.isfinite(p))) for p in targets)

    def _diverged(
        self, start_params: list[Any], epoch: int, batch: int, cost: float | None
    ) -> None:
        """Restore the weights of the epoch's start and raise DivergenceError; ``cost`` is
        the mini-batch's non-finite cost, or None when its update made the weights so."""
        targets = [self.params.flat] if self.params.flat is not None else self.params
        for p, saved in zip(targets, start_params):
            p[...] = saved
        eta = self.eta
        what = (
            f"the cost of mini-batch {batch} of epoch {epoch} is {cost}"
            if cost is not None
            else f"the update of mini-batch {batch} of epoch {epoch} made the weights inf or NaN"
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
    net: Network,
    X: Any,
    Y: Any,
    config: TrainConfig,
    *,
    validation: tuple[Any, Any] | None = None,
    callbacks: Sequence[Callback] = (),
    optimizer: str | Optimizer | None = None,
    schedule: str | Schedule | None = None,
    test: tuple[Any, Any] | None = None,
) -> History:
    """Train ``net`` in place: ``Trainer(net, config, ...).run(X, Y, validation)``.

    Parameters
    ----------
    net : Network
    X : array of shape (n, sizes[0])
        Inputs of the network's dtype on its backend (``Network.fit`` checks and converts).
    Y : array of shape (n, sizes[-1])
        Target rows (one-hot for classes).
    config : TrainConfig
    validation : (X_val, Y_val), optional
        Arrays like X and Y, measured after every epoch.
    test : (X_test, Y_test), optional
        Arrays like X and Y, measured after every epoch as ``test_*`` figures.
    callbacks : sequence of Callback
    optimizer : str or Optimizer, optional
        Overrides ``config.optimizer``.
    schedule : str or Schedule, optional
        Overrides ``config.schedule``.

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
    trainer = Trainer(net, config, optimizer=optimizer, schedule=schedule, callbacks=callbacks)
    return trainer.run(X, Y, validation, test=test)
