"""The callback the explorer adds to ``Network.fit``: it publishes snapshots of the steps the
loop hands it, and it is where the training thread obeys the page's pause, step and stop
(see :meth:`deltaprop.explore.session.Session.between_batches`).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from ..insight.layerstats import sigma_prime
from ..training.callbacks import Callback, Step
from .snapshot import image_figures, layer_figures, learning_figures, plane_figures

if TYPE_CHECKING:
    from ..network import Network

#: seconds between snapshots (the page's update rate is at most 1 / PUBLISH); each costs the
#: training thread about 0.5 ms for the classic network
PUBLISH = 0.04
#: seconds between the costlier figures: the plane's heat maps (or the first layer's weights
#: as images), the measured train and test curves, the diagnosis
PLANE, MEASURE, DIAGNOSE = 0.1, 1.0, 2.0
#: points kept per curve (older ones are thinned)
MAX_POINTS = 4000


def parameters(net: Network) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Copies of the network's weights and biases."""
    return [w.copy() for w in net.weights], [b.copy() for b in net.biases]


class Publisher(Callback):
    """The callback the explorer adds to ``Network.fit``: cheap on every mini-batch (a clock
    read and two flags); every PUBLISH seconds it makes a snapshot of the step it is given."""

    def __init__(self, session: Any) -> None:  # the Session that owns it (session.py)
        self.session = session
        self.before: tuple[list[np.ndarray], list[np.ndarray]] | None = None
        self.step: Step | None = None
        now = time.perf_counter()
        self.next_publish, self.next_plane = now, now
        self.next_measure, self.next_diagnose = now, now + DIAGNOSE

    def on_train_begin(self, trainer: Any) -> None:
        """Record from the very first mini-batch when the page asked for a step or a pause."""
        s = self.session
        s.epochs = trainer.state.history.rows  # the loop's rows are the run's: one list
        with s.lock:
            if s.pause_requested:
                self.before = parameters(s.net)
                s.steps_allowed = max(0, s.steps_allowed - 1)  # this first one is the step

    def on_batch_end(self, step: Step) -> None:
        """Count the step, publish every PUBLISH seconds, and obey pause/step/stop."""
        s = self.session
        s.batches += 1
        s.epoch = step.epoch
        self.step = step
        now = time.perf_counter()
        if now >= self.next_publish and self.before is None:
            self.next_publish = now + PUBLISH
            self.publish(now)
        if self.before is not None or s.needs_attention:
            s.between_batches(self)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        """The loop has kept the epoch's figures (the report's rows): keep them bounded."""
        self.session.thin_epochs()

    def publish(self, now: float) -> None:
        """A snapshot of the latest step, with the costlier figures when they are due."""
        s, step = self.session, self.step
        assert step is not None
        figures: dict[str, Any] = layer_figures(step, s.net, s.shown)
        point = {"batch": s.batches, "cost": step.cost, **learning_figures(step, s.net)}
        if now >= self.next_measure:
            self.next_measure = now + MEASURE
            point.update(s.measure())
        s.curves.append(point)
        if len(s.curves) > MAX_POINTS:
            del s.curves[1 : len(s.curves) : 2]  # keep every other point
        if s.bounds is not None and now >= self.next_plane:
            self.next_plane = now + PLANE
            figures["plane"] = plane_figures(s.net, s.bounds, s.shown)
        if s.side and now >= self.next_plane:
            self.next_plane = now + PLANE
            figures["images"] = image_figures(s.net, s.side)
        if now >= self.next_diagnose:
            self.next_diagnose = now + DIAGNOSE
            s.diagnose()
        figures["record"] = None
        s.publish(figures)

    def record_and_publish(self) -> None:
        """Keep the mini-batch just trained, with the weights before and after its update,
        and publish it: the paused view."""
        s, step, before = self.session, self.step, self.before
        assert step is not None and before is not None
        sp = [sigma_prime(f, z, a, np) for f, z, a in
              zip(s.net.sigmas, step.zs, step.activations[1:])]  # fmt: skip
        s.record = {
            "epoch": step.epoch, "batch": step.batch, "step": s.batches, "cost": step.cost,
            "x": step.x.copy(), "y": step.y.copy(),
            "zs": [z.copy() for z in step.zs],
            "activations": [a.copy() for a in step.activations],
            "deltas": [d.copy() for d in step.deltas],
            "sigma_prime": sp,
            "grad_w": [g.copy() for g in step.grad_w],
            "grad_b": [g.copy() for g in step.grad_b],
            "weights_before": before[0], "biases_before": before[1],
            "weights_after": [w.copy() for w in s.net.weights],
            "biases_after": [b.copy() for b in s.net.biases],
        }  # fmt: skip
        s.state = "paused"
        point = {"batch": s.batches, "cost": step.cost, **learning_figures(step, s.net)}
        point.update(s.measure())
        s.curves.append(point)
        s.diagnose()
        s.publish_now()
