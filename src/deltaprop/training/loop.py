"""The training loop: mini-batch stochastic gradient descent over epochs.

For each epoch: take η from the schedule, shuffle the training rows with a seeded generator,
cut them into mini-batches of m rows (a final shorter batch is kept), and for each batch run
the forward pass (with dropout masks when dropout is on), BP1–BP4, add the L2/L1 penalty's
gradient, and let the optimiser update the parameters. After the epoch, measure the
validation data, let the schedule and early stopping see the score, and hand the figures to
the callbacks. When early stopping is on, the network ends with its best epoch's parameters.

Everything a resumed run needs is in :class:`TrainState`, as plain data.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.backprop import backward, forward
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
    besides the network's parameters."""

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
        self.params = [*net.weights, *net.biases]  # the arrays the optimiser updates in place
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
    ) -> History:
        """Train on inputs X (n, n_1) and targets Y (n, n_L) until ``config.epochs``, or for
        ``epochs`` more epochs when given (training in pieces, as ``partial_fit`` does).

        X, Y and the validation pair must already be checked arrays of the network's dtype
        (``Network.fit`` does that); validation targets may be one-hot rows. The plateau
        schedule and early stopping need ``validation``.
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
                scores = self.net._evaluate(*validation)
                logs.update({f"val_{k}": v for k, v in scores.items()})
                logs["eval_seconds"] = time.perf_counter() - t0
            reason = self._end_of_epoch(epoch, logs)
            if reason:
                logs["stopped"] = reason
            self.state.history.append(logs)
            self.state.epoch = epoch
            self.state.rng_state = dict(self.rng.bit_generator.state)
            stop = bool(reason)
            for cb in self.callbacks:
                stop = bool(cb.on_epoch_end(epoch, logs)) or stop
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
        start_params = [xp.asarray(p, copy=True) for p in self.params]  # kept for divergence
        order = self.rng.permutation(n) if self.config.shuffle else None
        cost_sum = 0.0
        t0 = time.perf_counter()
        # A diverging run overflows before its cost turns inf or NaN; the check below reports
        # it once, clearly, instead of NumPy warning on every operation on the way there.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for batch, start in enumerate(range(0, n, m), start=1):
                if order is None:
                    x, y = X[start : start + m], Y[start : start + m]
                else:
                    idx = order[start : start + m]
                    x, y = X[idx], Y[idx]
                step = self.step(x, y)
                if not math.isfinite(step.cost):
                    self._diverged(start_params, epoch, batch, step.cost)
                cost_sum += step.cost * x.shape[0]
                if batch_hooks:
                    step = step._replace(epoch=epoch, batch=batch, n_batches=n_batches)
                    for cb in batch_hooks:
                        cb.on_batch_end(step)
        return {
            "epoch": epoch,
            "train_cost": cost_sum / n,
            "seconds": time.perf_counter() - t0,
            "eta": self.eta,
        }

    def step(self, x: Any, y: Any) -> Step:
        """One mini-batch: forward pass, BP1–BP4, and the optimiser's update with η = ``self.eta``.

        Returns what the step computed; its ``cost`` is the batch's mean data cost before the
        update, and its ``nabla_w`` the gradient the optimiser used (with the L2/L1 term when
        regularising; n is the training-set size given to :meth:`run`, or the batch's size
        when ``step`` is called on its own). ``epoch`` and ``batch`` are left 0 for the caller.
        """
        net, xp, c = self.net, self.net.xp, self.config
        masks = None
        if c.dropout:  # inverted dropout on the hidden layers, in training steps only
            masks = dropout_masks(x.shape[0], net.sizes, c.dropout, self.rng, net.config.dtype, xp)
        zs, a_list = forward(net.weights, net.biases, net.activation_functions, x, xp, masks=masks)
        nabla_w, nabla_b, deltas = backward(
            net.weights, net.activation_functions, net.cost_function, zs, a_list, y, xp,
            masks=masks,
        )  # fmt: skip
        last = len(zs) - 1
        cost = float(xp.mean(net.cost_function.value(zs[last], a_list[last + 1], y, xp)))
        if c.l2 or c.l1:  # the penalty's gradient; biases are not regularised
            n = self.n_samples or x.shape[0]
            add_penalty_gradient(nabla_w, net.weights, n, c.l2, c.l1, xp)
        self.optimizer.update(
            self.params, [*nabla_w, *nabla_b], self.state.optimizer_state, self.eta, xp
        )
        return Step(0, 0, 0, x, y, zs, a_list, deltas, nabla_w, nabla_b, cost)

    def _diverged(self, start_params: list[Any], epoch: int, batch: int, cost: float) -> None:
        for p, saved in zip(self.params, start_params):
            p[...] = saved
        eta = self.eta
        raise DivergenceError(
            f"training diverged: the cost of mini-batch {batch} of epoch {epoch} is {cost} with "
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
) -> History:
    """Train ``net`` in place: ``Trainer(net, config, ...).run(X, Y, validation)``."""
    trainer = Trainer(net, config, optimizer=optimizer, schedule=schedule, callbacks=callbacks)
    return trainer.run(X, Y, validation)
