"""The live curves of a run, measured on a schedule of mini-batches.

A point is taken after every ``every``-th mini-batch counted from the run's start (mini-batch
0 is the network as it was made): the mini-batch's cost and the learning speed and
saturation per layer; on every ``measured``-th mini-batch it also holds the cost and accuracy
measured on a bounded sample of training and test rows. So every run draws a curve, however
fast it trains, at the same mini-batches on every machine that keeps up:

- ``every`` and ``measured`` are powers of two; they start at 1 and each doubles while its
  part of a point takes more CPU time than :data:`BUDGET` of the time the mini-batches
  between two points took (flat out on MNIST a point comes every few mini-batches and a measurement
  every thousand or so; at a slow pace every mini-batch gets both);
- beyond :data:`MAX_POINTS` points, ``every`` doubles and the points off the new schedule go
  (the first stays): a run of any length keeps at most MAX_POINTS points, evenly spaced.

The event stream sends each page the points it has not had (:meth:`Curves.after`); after a
thinning it sends them all again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

#: the most points a run keeps (a 300-pixel plot needs no more)
MAX_POINTS = 300
#: the most of the training time each part of the points (the cheap figures, the measured
#: ones) may take
BUDGET = 0.02

Figures = Callable[[], dict[str, Any]]


class Curves:
    """A run's curve points (dicts with ``batch``, the mini-batch count), on the schedule of
    the module's docstring.

    Examples
    --------
    >>> curves = Curves(most=4, budget=float("inf"))  # (the figures cost nothing here)
    >>> for batch in range(0, 20):
    ...     if curves.due(batch):
    ...         curves.take({"batch": batch}, dict, lambda: {"measured": True})
    >>> [p["batch"] for p in curves.points], curves.every, curves.cuts
    ([0, 8, 16], 8, 3)
    """

    def __init__(self, most: int = MAX_POINTS, budget: float = BUDGET) -> None:
        self.most, self.budget = most, budget
        self.points: list[dict[str, Any]] = []
        self.every = 1  # a point after each every-th mini-batch
        self.measured = 1  # measured figures in each measured-th mini-batch's point
        self.cuts = 0  # times the points were thinned
        self.lock = threading.Lock()  # the points, every and cuts change together
        self._mark: tuple[float, int] | None = None  # (when, mini-batch) of the last point
        self._measure_mark: tuple[float, int] | None = None  # and of the last measured one

    def due(self, batch: int) -> bool:
        """Whether mini-batch ``batch`` has a point."""
        return batch % self.every == 0

    def take(
        self, point: dict[str, Any], cheap: Figures, measure: Figures, force: bool = False
    ) -> None:
        """Add ``point`` with the figures ``cheap()`` gives and, when due (or ``force``), those
        ``measure()`` gives, timing each (in the thread's CPU time): the schedule spaces a
        part out when it costs more than BUDGET of the time the training took (wall time: at
        a slow pace, the time it waits counts)."""
        batch = point["batch"]
        start, cpu = time.perf_counter(), time.thread_time()  # CPU time: not the other
        point.update(cheap())  # threads' turns (a page's event stream) while it runs
        middle = time.thread_time()
        measuring = force or batch % self.measured == 0
        if measuring:
            point.update(measure())
        end, cpu_end = time.perf_counter(), time.thread_time()
        with self.lock:
            if batch:  # (mini-batch 0, the network as made before training, times nothing)
                self.every = self._spaced(self.every, self._mark, start, middle - cpu, batch)
                self._mark = (end, batch)
            if batch and measuring:
                took = cpu_end - middle
                self.measured = self._spaced(self.measured, self._measure_mark, start, took, batch)
                self._measure_mark = (end, batch)
            self._append(point)

    def add(self, point: dict[str, Any]) -> None:
        """Add ``point`` off the schedule (the cost after a weight was set by hand, at the
        mini-batch it was set after)."""
        with self.lock:
            self._append(point)

    def _append(self, point: dict[str, Any]) -> None:
        """Append ``point`` (the lock held), thinning the points beyond ``most``."""
        self.points.append(point)
        if len(self.points) > self.most:
            self.every *= 2
            self.points = [p for i, p in enumerate(self.points) if not i or self.due(p["batch"])]
            self.cuts += 1
        self.measured = max(self.measured, self.every)

    def _spaced(self, spacing: int, mark: Any, start: float, took: float, batch: int) -> int:
        """``spacing``, doubled if ``took`` seconds is more than BUDGET of the time per
        mini-batch since ``mark`` (when and at which mini-batch the part was last taken)
        times ``spacing``."""
        if mark is None or batch <= mark[1]:
            return spacing
        per_batch = (start - mark[0]) / (batch - mark[1])
        return spacing * 2 if took > self.budget * spacing * per_batch else spacing

    def last_batch(self) -> int | None:
        """The mini-batch of the latest point (None before the first)."""
        with self.lock:
            return self.points[-1]["batch"] if self.points else None

    def after(self, cuts: int, sent: int) -> tuple[int, list[dict[str, Any]], int]:
        """What a page that has the first ``sent`` points of the list as it was after
        ``cuts`` thinnings is missing: ``(since, points, cuts now)``, ``since`` 0 (all the
        points, to replace its own) when the list was thinned since or is shorter."""
        with self.lock:
            if cuts != self.cuts or sent > len(self.points):
                sent = 0
            return sent, self.points[sent:], self.cuts

    def __len__(self) -> int:
        return len(self.points)
