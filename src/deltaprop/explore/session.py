"""One page's run: its data, its network, and the training thread that runs the library's
own loop (``Network.fit``) with a callback that publishes snapshots and obeys the page.

Pause, step and stop are honoured between mini-batches, inside the callback's
``on_batch_end`` (:mod:`.publisher`). A pause always lands on a *record*: the weights before
one mini-batch, its rows, the z, a, δ and gradients the loop computed for it, and the weights
after its update. One step runs exactly one more mini-batch and records it.

A run's life: ``idle`` → ``running`` ⇄ ``paused`` → ``stopped`` (by its page), ``failed`` (the
loop raised: the snapshot's ``error`` says why in one line) or, after EPOCHS epochs (in effect
never), ``finished``; its last snapshot says which. It trains at its pace (:mod:`.pace`,
changed while it runs) and takes its curves' points on a schedule of mini-batches (:mod:`.curves`).

The server closes a run (:meth:`Session.begin_close`) to make room for another or when it
stops: the thread stops at its next mini-batch and the page's event stream is told why.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import numpy as np

from ..insight.diagnose import diagnose
from ..network import Network
from .curves import Curves
from .data import ExploreData, make_data
from .features import Features, feature_rows, with_features
from .pace import Pace
from .publisher import Publisher
from .record import json_ready, record_view
from .settings import PLANE_SETS, Settings
from .snapshot import (
    image_figures,
    learning_figures,
    plane_bounds,
    plane_figures,
    points_of,
    shown_neurons,
)
from .wire import failure_message, plain, to_json

__all__ = ["EPOCHS", "MAX_EPOCHS", "MEASURE_ROWS", "Session", "Stopped", "plain", "points_of"]

#: rows measured for the live train and test curves
MEASURE_ROWS = 500
#: epochs a run lasts unless stopped: for ever, in effect (a 2-D set trains about ten
#: thousand epochs a minute)
EPOCHS = 10**12
#: per-epoch rows kept for the report; beyond, every other row but the latest tenth goes
MAX_EPOCHS = 2000
#: the latest changes of settings (and weights set by hand) each snapshot carries
MAX_MARKS = 100


class Stopped(Exception):
    """Raised inside the training loop to end a run the page stopped."""


class Session:
    """A network and its data, trained in a thread of its own."""

    def __init__(
        self,
        settings: Settings,
        upload: np.ndarray | None = None,
        points: Any = None,
        classes: tuple[str, ...] | None = None,
    ) -> None:
        s = settings
        self.settings = settings
        self.data: ExploreData = make_data(
            s.data, n=s.points, noise=s.noise, test_fraction=s.test_fraction, seed=s.seed,
            points=points, array=upload, classes=classes,
        )  # fmt: skip
        # the 2-D sets feed the input layer the features of their points (x₁, x₂ at first)
        self.features = Features(s.features) if s.data in PLANE_SETS else None
        if self.features is not None:
            self.data = with_features(self.data, self.features)
        sizes = s.sizes(self.data.n_features, self.data.n_classes)
        self.net = Network(sizes, s.activation, s.output_activation, s.cost, s.init, seed=s.seed)
        self.shown = shown_neurons(self.net, self.data)
        side = math.isqrt(self.data.n_features)
        self.side = side if self.data.kind == "image" else 0
        self.bounds = plane_bounds(self.data.train_points) if self.data.kind == "plane" else None
        if self.data.name == "drawn":  # the page's drawing area
            self.bounds = (-1.0, 1.0, -1.0, 1.0)
        rng = np.random.default_rng(s.seed)
        n_tr, n_te = self.data.X_train.shape[0], self.data.X_test.shape[0]
        self._train_rows = rng.permutation(n_tr)[:MEASURE_ROWS]
        self._test_rows = rng.permutation(n_te)[:MEASURE_ROWS]
        self.lock = threading.Condition()
        self.state = "idle"  # idle, running, paused, finished, failed
        self.error = ""
        self.pause_requested, self.stop_requested, self.steps_allowed = False, False, 0
        self.batches, self.epoch = 0, 0  # mini-batches trained, and the epoch they are of
        self.version = 0  # counts the snapshots published
        self.snapshot: dict[str, Any] = {}
        self.snapshot_json = "{}"  # the snapshot as sent
        self.pace = Pace(s.pace)
        self.curves = Curves()  # the points of the live curves
        self.epochs: list[dict[str, Any]] = []  # the loop's per-epoch rows (its History's)
        self.findings: list[dict[str, Any]] = []
        self.record: dict[str, Any] | None = None  # the paused mini-batch, full arrays
        self._copy_request: threading.Event | None = None  # a copy of the network asked for
        self._copy: Network | None = None  # and given
        self.thread: threading.Thread | None = None
        self.listeners: list[Callable[[], None]] = []  # called after each snapshot
        self.closed = ""  # why the server closed the run ("" while it is open)
        self.last_seen = time.monotonic()  # when a page last asked about it or watched it
        self.resting = False  # the training thread waits, paused, between two mini-batches
        self.pending_change: dict[str, Any] | None = None  # settings to change (explore.live)
        self.changes: list[dict[str, Any]] = []  # the changes made, marked on the curves
        self.rows: Any = None  # (x, y, number) of the last recorded mini-batch, once put away
        self.pair: Any = None  # the Pair of two runs side by side (explore.twin), if any
        self.curves.take({"batch": 0, "epoch": 0}, dict, self.measure)  # the network as made
        self.publish_now()

    # -- what the page asks -------------------------------------------------------------

    def control(self, action: str) -> None:
        """``start`` (or resume), ``pause``, ``step`` (one mini-batch) or ``stop``."""
        with self.lock:
            if action == "start":
                self.pause_requested, self.steps_allowed = False, 0
            elif action == "pause":
                self.pause_requested = True
            elif action == "step":
                self.pause_requested = True
                self.steps_allowed += 1
            elif action == "stop":
                self.stop_requested = True
            else:
                raise ValueError(f"unknown action {action!r}: start, pause, step or stop")
            if action != "stop" and self.thread is None:
                self.state = "running"
                self.thread = threading.Thread(target=self._train, daemon=True)
                self.thread.start()
            self.lock.notify_all()

    def set_pace(self, pace: Any) -> str:
        """Train at ``pace`` from now on (checked as the settings are; ValueError if it is
        not a pace), without a fresh network; returns it."""
        value: str = Settings.from_dict({"pace": pace}).pace
        with self.lock:
            self.pace.set(value)
            self.settings = dataclasses.replace(self.settings, pace=value)
            self.lock.notify_all()  # a wait for the old pace's next mini-batch ends now
        return value

    def begin_close(self, reason: str) -> None:
        """Close the run without waiting: the training thread stops at its next mini-batch,
        and each open event stream is woken to tell its page ``reason``."""
        with self.lock:
            self.closed = reason
            self.stop_requested = True
            self.lock.notify_all()
        for notify in list(self.listeners):
            notify()

    def close(self, reason: str = "the run was closed", timeout: float = 10.0) -> None:
        """Close the run and wait up to ``timeout`` seconds for its thread to end."""
        self.begin_close(reason)
        self.join(timeout)

    def join(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for the training thread to end (if it started)."""
        if self.thread is not None:
            self.thread.join(timeout)

    @property
    def thread_alive(self) -> bool:
        """Whether the training thread is still running."""
        return self.thread is not None and self.thread.is_alive()

    @property
    def watched(self) -> bool:
        """Whether a page has the run's event stream open."""
        return bool(self.listeners)

    @property
    def at_rest(self) -> bool:
        """Whether the network may be changed now: before training, paused between two
        mini-batches, or after the run ended."""
        return self.thread is None or self.resting or not self.thread.is_alive()

    def request_change(self, change: dict[str, Any]) -> None:
        """Change live settings (:func:`.live.checked_change`'s, not empty): at once before
        training, else between the next two mini-batches (the training thread makes it)."""
        with self.lock:
            if self.thread is None:  # not started: the loop starts with them
                self.settings = dataclasses.replace(self.settings, **change)
            else:
                self.pending_change = {**(self.pending_change or {}), **change}

    def network_copy(self) -> Network:
        """A copy of the network between two mini-batches (never half updated)."""
        with self.lock:
            if self.state != "running":
                return self.net.copy()
            event = threading.Event()
            self._copy_request = event
        while not event.wait(timeout=0.1):  # answered between two mini-batches
            with self.lock:
                if self.state != "running":  # the run ended meanwhile
                    self._copy_request = None
                    return self.net.copy()
        assert self._copy is not None
        return self._copy

    def description(self) -> dict[str, Any]:
        """What the page needs to draw the run before its first snapshot: the layers, the
        neurons shown, the data (and its 2-D points), the σ's and the cost."""
        d = self.data
        return {
            "sizes": list(self.net.sizes),
            "shown": self.shown,
            "kind": d.kind,
            "n_classes": d.n_classes,
            "side": self.side,
            "bounds": self.bounds,
            "n_train": len(d.y_train),
            "n_test": len(d.y_test),
            "points": points_of(d) if d.kind == "plane" else None,
            "activations": [f.name for f in self.net.sigmas],
            "cost": self.net.cost_function.name,
            "regression": d.regression,
            "classes": list(d.classes) if d.classes else None,
            "inputs": self.features.labels if self.features else None,
        }

    def genie_subject(self) -> tuple[Network, np.ndarray, np.ndarray]:
        """What the genie nudges: the recorded mini-batch's rows on the weights its δ were
        computed with (before its update); with no record, the network and the first
        training rows."""
        r = self.record
        if r is not None:
            net = Network.from_parameters(self.net.config, r["weights_before"], r["biases_before"])
            return net, r["x"], r["y"]
        if self.rows is not None:  # a weight was set by hand since: the network as it is
            return self.net.copy(), self.rows[0], self.rows[1]
        m, d = self.settings.batch_size, self.data
        y = d.y_train[:m]
        Y = y.reshape(-1, 1) if d.regression else np.eye(self.net.sizes[-1])[y]
        return self.net.copy(), d.X_train[:m], Y

    # -- the training thread ------------------------------------------------------------

    def _train(self) -> None:
        """The training thread: ``Network.fit`` until it finishes, is stopped or fails;
        whatever ends it, the last snapshot says which (a failure with its reason)."""
        s, d = self.settings, self.data
        try:
            # the held-out rows are the test set: measured every epoch, never chosen by
            test, watch = (d.X_test, d.targets(d.y_test)), [Publisher(self)]
            self.net.fit(
                d.X_train,
                d.targets(d.y_train),
                epochs=EPOCHS,
                test_data=test,
                callbacks=watch,
                **s.training(),
            )
            state, error = "finished", ""
        except Stopped:
            state, error = "stopped", ""
        except Exception as exc:  # shown on the page: a diverged run, an option refused
            state, error = "failed", failure_message(exc, s)
        with self.lock:
            self.state, self.error = state, error
        try:
            with np.errstate(all="ignore"):  # the weights may hold anything now
                self.publish_now()
        except Exception:  # the pictures cannot be drawn: the state and the reason still go
            self.publish({})

    def thin_epochs(self) -> None:
        """Bound the per-epoch rows (the training loop's own History rows, which a run of
        thousands of epochs a minute fills): beyond MAX_EPOCHS rows, every other older row
        goes; the first and the latest tenth (200) stay."""
        if len(self.epochs) > MAX_EPOCHS:
            del self.epochs[1 : len(self.epochs) - MAX_EPOCHS // 10 : 2]

    @property
    def needs_attention(self) -> bool:
        """Whether the training thread must stop between mini-batches: to pause, to stop, or
        to hand over a copy of the network (:meth:`between_batches` does it)."""
        return self.pause_requested or self.stop_requested or self._copy_request is not None

    def between_batches(self, publisher: Publisher) -> None:
        """Called by the training thread between mini-batches: hand over a copy asked for,
        stop if asked, and block while paused, until a step, resume or stop."""
        with self.lock:
            if self._copy_request is not None:
                self._copy = self.net.copy()
                self._copy_request.set()
                self._copy_request = None
            if self.stop_requested:
                raise Stopped
            if not self.pause_requested:
                publisher.before = None
                return
            if publisher.before is None:  # run one more mini-batch, recording it
                publisher.remember()
                return
        publisher.record_and_publish()
        with self.lock:
            self.state, self.resting = "paused", True
            while self.pause_requested and not self.steps_allowed and not self.stop_requested:
                self.lock.wait()
            self.resting = False
            if self.stop_requested:
                raise Stopped
            self.state = "running"
            if self.steps_allowed:
                self.steps_allowed -= 1
                publisher.remember()
            else:
                publisher.before = None

    # -- snapshots ----------------------------------------------------------------------

    def take_point(self, step: Any, force: bool = False) -> None:
        """A point of the live curves after the latest mini-batch (``step``): its cost and
        the learning speed and saturation per layer; and, when due (or ``force``), the
        measured cost and accuracy."""
        point = {"batch": self.batches, "epoch": self.epoch}

        def cheap() -> dict[str, Any]:
            return {"cost": step.cost, **learning_figures(step, self.net)}

        self.curves.take(point, cheap, self.measure, force)

    def measure(self) -> dict[str, Any]:
        """Cost and accuracy on up to MEASURE_ROWS training and test rows."""
        d = self.data
        point: dict[str, Any] = {}
        for name, X, y, rows in (("train", d.X_train, d.y_train, self._train_rows),
                                 ("test", d.X_test, d.y_test, self._test_rows)):  # fmt: skip
            scores = self.net.evaluate(X[rows], d.targets(y[rows]))
            point[f"{name}_cost"] = scores["cost"]
            point[f"{name}_accuracy"] = scores.get("accuracy")
        return point

    def diagnose(self) -> None:
        """The diagnosis's findings on a few training rows."""
        rows = self._train_rows[:200]
        d = self.data
        X, y = d.X_train[rows], d.targets(d.y_train[rows])
        result = diagnose(self.net, X, y, eta=self.settings.eta)
        self.findings = [asdict(f) for f in result.findings]

    def publish(self, figures: dict[str, Any]) -> None:
        """Make ``figures`` (with the run's state) the latest snapshot."""
        with self.lock:
            del self.changes[:-MAX_MARKS]
            snapshot = {
                "version": self.version + 1, "state": self.state, "error": self.error,
                "batches": self.batches, "epoch": self.epoch, "n_points": len(self.curves),
                "every": self.curves.every, "measured": self.curves.measured,
                "pace": self.pace.pace, "findings": self.findings,
                "changes": self.changes[-MAX_MARKS:],
                "epoch_row": self.epochs[-1] if self.epochs else None, **figures,
            }  # fmt: skip
            self.snapshot = snapshot
            self.snapshot_json = to_json(snapshot)  # NaN and inf (a diverging run) as null
            self.version += 1
            self.lock.notify_all()
            for notify in list(self.listeners):  # the event streams of the open pages
                notify()

    def publish_now(self) -> None:
        """A snapshot from the network as it is (no mini-batch): before training and after."""
        figures: dict[str, Any] = {"w": [np.round(w[np.ix_(self.shown[i + 1], self.shown[i])],
                                                  4).tolist()
                                         for i, w in enumerate(self.net.weights)]}  # fmt: skip
        if self.bounds is not None:
            figures["plane"] = plane_figures(
                self.net, self.bounds, self.shown, self.features, self.data.regression
            )
        if self.side:
            figures["images"] = image_figures(self.net, self.side)
        figures["record"] = self.record_view() if self.record else None
        self.publish(figures)

    def record_view(self) -> dict[str, Any]:
        """The recorded mini-batch as the page shows it: the shown neurons' values for up to
        32 of its rows, with what each stage's equations need (:func:`.record.record_view`)."""
        assert self.record is not None
        view = record_view(self.record, self.shown)
        if self.features is not None:  # the points the rows' features are of
            x = self.record["x"][: view["rows"]]
            view["features"] = json_ready(feature_rows(self.features, x))
        return view
