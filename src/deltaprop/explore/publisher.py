"""The callback the explorer adds to ``Network.fit``: it publishes snapshots of the steps the
loop hands it, takes the curves' points on their schedule of mini-batches, and it is where
the training thread obeys the page's pause, step and stop (see
:meth:`deltaprop.explore.session.Session.between_batches`) and keeps the run's pace.
"""

from __future__ import annotations

import time
from typing import Any

from ..training.callbacks import Callback, Step
from .live import apply_change, mark
from .record import Before, before, make_record
from .snapshot import image_figures, layer_figures, plane_figures

#: seconds between snapshots (the page's update rate is at most 1 / PUBLISH); each costs the
#: training thread about 0.5 ms for the classic network
PUBLISH = 0.025
#: seconds between the costlier figures: the plane's heat maps (or the first layer's weights
#: as images), the diagnosis
PLANE, DIAGNOSE = 0.1, 2.0


class Publisher(Callback):
    """The callback the explorer adds to ``Network.fit``: cheap on every mini-batch (a clock
    read and two flags); every PUBLISH seconds it makes a snapshot of the step it is given."""

    def __init__(self, session: Any) -> None:  # the Session that owns it (session.py)
        self.session = session
        self.trainer: Any = None  # the Trainer running the loop (on_train_begin)
        self.before: Before | None = None  # set: the next mini-batch is recorded
        self.step: Step | None = None
        now = time.perf_counter()
        self.next_publish, self.next_plane, self.next_diagnose = now, now, now + DIAGNOSE

    def on_train_begin(self, trainer: Any) -> None:
        """Record from the very first mini-batch when the page asked for a step or a pause."""
        s = self.session
        self.trainer = trainer
        s.epochs = trainer.state.history.rows  # the loop's rows are the run's: one list
        with s.lock:
            if s.pause_requested:
                self.remember()
                s.steps_allowed = max(0, s.steps_allowed - 1)  # this first one is the step

    def remember(self) -> None:
        """Record the next mini-batch: keep the parameters and the optimiser's state before
        its update."""
        self.before = before(self.session.net, self.trainer)

    def on_batch_end(self, step: Step) -> None:
        """Count the step, wait until its time on the run's pace has come, take a curve
        point when one is due, publish every PUBLISH seconds, and obey pause/step/stop."""
        s = self.session
        s.batches += 1
        s.epoch = step.epoch
        self.step = step
        # waited before the point is taken, so that the curves' schedule sees the paced time
        s.pace.wait(s.batches, s.lock, lambda: s.needs_attention)
        if s.curves.due(s.batches):
            s.take_point(step)
        now = time.perf_counter()
        if now >= self.next_publish and self.before is None:
            self.next_publish = now + PUBLISH
            self.publish(now)
        if s.pair is not None:  # two runs side by side: wait for the other (explore.twin)
            s.pair.gate(s)
        if self.before is not None or s.needs_attention:
            s.between_batches(self)
        if s.pending_change is not None:  # settings changed while training (explore.live)
            self.change_settings()

    def change_settings(self) -> None:
        """Make the settings' change the page asked for, before the next mini-batch, and
        mark it for the curves."""
        s = self.session
        with s.lock:
            change, s.pending_change = s.pending_change or {}, None
        old = s.settings
        s.settings = apply_change(self.trainer, old, change)
        s.changes.append(mark(s.batches, old, change))
        if self.before is not None:  # the next mini-batch is recorded: from the new state
            self.remember()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        """The loop has kept the epoch's figures (the report's rows): keep them bounded."""
        self.session.thin_epochs()

    def publish(self, now: float) -> None:
        """A snapshot of the latest step, with the costlier figures when they are due."""
        s, step = self.session, self.step
        assert step is not None
        figures: dict[str, Any] = layer_figures(step, s.net, s.shown)
        if s.bounds is not None and now >= self.next_plane:
            self.next_plane = now + PLANE
            regression = s.data.regression
            figures["plane"] = plane_figures(s.net, s.bounds, s.shown, s.features, regression)
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
        s, step, start = self.session, self.step, self.before
        assert step is not None and start is not None
        s.record = make_record(step, self.trainer, start, s.net, s.batches)
        if s.features is not None:  # the points (x₁, x₂) the rows' features are of
            s.record["points"] = s.features.points(s.record["x"])
        s.state = "paused"
        if s.curves.last_batch() != s.batches:  # the paused mini-batch's point, measured
            s.take_point(step, force=True)
        s.diagnose()
        s.publish_now()
