"""The training loop: mini-batch stochastic gradient descent over epochs.

For each epoch: shuffle the training rows with a seeded generator, cut them into mini-batches
of m rows (a final shorter batch is kept), and for each batch run the forward pass, BP1–BP4
and the optimiser's update with the gradient of the batch's mean cost. After the epoch,
measure the validation data and hand the figures to the callbacks.

Everything a resumed run needs is in :class:`TrainState`, as plain data.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.backprop import backward, forward
from ..errors import DivergenceError
from .callbacks import Callback, Step, overrides
from .config import TrainConfig
from .history import History
from .optimizers import Optimizer, get_optimizer

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


class Trainer:
    """Runs :class:`TrainConfig` on a network; ``Network.fit`` is the usual way in.

    Parameters
    ----------
    net : Network
        Trained in place.
    config : TrainConfig
    optimizer : str or Optimizer
    callbacks : sequence of Callback
    state : TrainState, optional
        Continue from here (a resumed run); a fresh run starts at epoch 0.
    """

    def __init__(
        self,
        net: Network,
        config: TrainConfig,
        *,
        optimizer: str | Optimizer = "sgd",
        callbacks: Sequence[Callback] = (),
        state: TrainState | None = None,
    ) -> None:
        self.net = net
        self.config = config
        self.optimizer = get_optimizer(optimizer)
        self.callbacks = list(callbacks)
        self.params = [*net.weights, *net.biases]  # the arrays the optimiser updates in place
        self.rng = np.random.default_rng(config.seed)
        if state is None:
            state = TrainState(optimizer_state=self.optimizer.init(self.params))
        else:
            self.rng.bit_generator.state = state.rng_state
        self.state = state

    def run(self, X: Any, Y: Any, validation: tuple[Any, Any] | None = None) -> History:
        """Train on inputs X (n, n_1) and targets Y (n, n_L) until ``config.epochs``.

        X, Y and the validation pair must already be checked arrays of the network's dtype
        (``Network.fit`` does that); validation targets may be one-hot rows.
        """
        for cb in self.callbacks:
            cb.on_train_begin(self)
        while self.state.epoch < self.config.epochs:
            epoch = self.state.epoch + 1
            logs = self.run_epoch(epoch, X, Y)
            if validation is not None:
                t0 = time.perf_counter()
                scores = self._validate(*validation)
                logs.update({f"val_{k}": v for k, v in scores.items()})
                logs["eval_seconds"] = time.perf_counter() - t0
            self.state.history.append(logs)
            self.state.epoch = epoch
            self.state.rng_state = dict(self.rng.bit_generator.state)
            stop = False
            for cb in self.callbacks:
                stop = bool(cb.on_epoch_end(epoch, logs)) or stop
            if self._decide_stop(stop):
                break
        for cb in self.callbacks:
            cb.on_train_end(self.state.history)
        return self.state.history

    def run_epoch(self, epoch: int, X: Any, Y: Any) -> dict[str, Any]:
        """One pass over the shuffled training data; returns the epoch's figures."""
        xp = self.net.xp
        n, m = X.shape[0], self.config.batch_size
        n_batches = -(-n // m)
        batch_hooks = [cb for cb in self.callbacks if overrides(cb, "on_batch_end")]
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, n_batches)
        start_params = [xp.asarray(p, copy=True) for p in self.params]  # kept for divergence
        order = self.rng.permutation(n) if self.config.shuffle else None
        cost_sum = 0.0
        t0 = time.perf_counter()
        # A diverging run overflows before its cost turns inf or NaN; the check below reports
        # it once, clearly, instead of NumPy warning on every operation on the way there.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for batch, (x, y) in enumerate(self._batches(X, Y, order), start=1):
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
            "eta": self.config.eta,
        }

    def step(self, x: Any, y: Any) -> Step:
        """One mini-batch: forward pass, BP1–BP4, and the optimiser's update.

        Returns what the step computed; its ``cost`` is the batch's mean cost before the
        update (``epoch`` and ``batch`` are left 0 for the caller to fill in).
        """
        net, xp = self.net, self.net.xp
        zs, a_list = forward(net.weights, net.biases, net.activation_functions, x, xp)
        nabla_w, nabla_b, deltas = backward(
            net.weights, net.activation_functions, net.cost_function, zs, a_list, y, xp
        )
        last = len(zs) - 1
        cost = float(xp.mean(net.cost_function.value(zs[last], a_list[last + 1], y, xp)))
        cost = self._combine(nabla_w, nabla_b, cost, x.shape[0])
        self.optimizer.update(
            self.params, [*nabla_w, *nabla_b], self.state.optimizer_state, self.config.eta, xp
        )
        return Step(0, 0, 0, x, y, zs, a_list, deltas, nabla_w, nabla_b, cost)

    # -- where data-parallel training (deltaprop.scale) differs: one process does it all --

    def _batches(self, X: Any, Y: Any, order: Any) -> Iterator[tuple[Any, Any]]:
        """The rows (x, y) of each mini-batch of the epoch that this process computes:
        rows ``order[start : start + m]`` (rows ``start : start + m`` when not shuffling)."""
        m = self.config.batch_size
        for start in range(0, X.shape[0], m):
            if order is None:
                yield X[start : start + m], Y[start : start + m]
            else:
                idx = order[start : start + m]
                yield X[idx], Y[idx]

    def _combine(self, nabla_w: list[Any], nabla_b: list[Any], cost: float, rows: int) -> float:
        """Between BP1–BP4 and the update: turn this process's gradient of the mean cost of
        its ``rows`` rows into the gradient of the whole mini-batch, replacing the entries of
        ``nabla_w`` and ``nabla_b``; return the mini-batch's mean cost."""
        return cost

    def _validate(self, X: Any, Y: Any) -> dict[str, Any]:
        """The validation figures after an epoch (see ``Network.evaluate``)."""
        return self.net._evaluate(X, Y)

    def _decide_stop(self, stop: bool) -> bool:
        """Whether to stop after this epoch, given whether a callback asked to."""
        return stop

    def _diverged(self, start_params: list[Any], epoch: int, batch: int, cost: float) -> None:
        for p, saved in zip(self.params, start_params):
            p[...] = saved
        eta = self.config.eta
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
    optimizer: str | Optimizer = "sgd",
) -> History:
    """Train ``net`` in place: ``Trainer(net, config, ...).run(X, Y, validation)``."""
    trainer = Trainer(net, config, optimizer=optimizer, callbacks=callbacks)
    return trainer.run(X, Y, validation)
