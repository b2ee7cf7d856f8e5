"""The live curves of a run, measured on a schedule of mini-batches.

A point is taken after every ``every``-th mini-batch (and at mini-batch 0, the network as it
was made): the mini-batch's cost, the learning speed and saturation per layer, and the cost
and accuracy measured on a bounded sample of training and test rows. So every run draws a
curve, however fast it trains, and the points are the same mini-batches whatever the machine:

- ``every`` starts at 1 and doubles while measuring a point would take more than
  :data:`BUDGET` of the time the ``every`` mini-batches before it took (a run flat out on
  MNIST is measured every thousand mini-batches or so, a run at a slow pace every one);
- beyond :data:`MAX_POINTS` points, every other point goes (the first stays) and ``every``
  doubles: a run of any length keeps at most MAX_POINTS points, evenly thinned.

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
#: the most of the training time that measuring the curves may take
BUDGET = 0.05


class Curves:
    """A run's curve points (dicts with ``batch``, the mini-batch count), on the schedule of
    the module's docstring.

    Examples
    --------
    >>> curves = Curves(most=4, budget=float("inf"))  # (measuring costs nothing here)
    >>> for batch in range(0, 20):
    ...     if curves.due(batch):
    ...         curves.take({"batch": batch}, lambda: {})
    >>> [p["batch"] for p in curves.points], curves.every, curves.cuts
    ([0, 8, 16], 8, 3)
    """

    def __init__(self, most: int = MAX_POINTS, budget: float = BUDGET) -> None:
        self.most, self.budget = most, budget
        self.points: list[dict[str, Any]] = []
        self.every = 1  # a point after each every-th mini-batch
        self.cuts = 0  # times the points were thinned
        self.lock = threading.Lock()  # the points, every and cuts change together
        self._mark: tuple[float, int] | None = None  # (when, mini-batch) of the last point

    def due(self, batch: int) -> bool:
        """Whether mini-batch ``batch`` is on the schedule."""
        return batch % self.every == 0

    def take(self, point: dict[str, Any], measure: Callable[[], dict[str, Any]]) -> None:
        """Add ``point`` with the figures ``measure()`` gives, timing them: the schedule
        spaces the points out when measuring costs more than BUDGET of the training."""
        start = time.perf_counter()
        point.update(measure())
        end = time.perf_counter()
        batch = point["batch"]
        with self.lock:
            if self._mark is not None and batch > self._mark[1]:
                per_batch = (start - self._mark[0]) / (batch - self._mark[1])
                if end - start > self.budget * self.every * per_batch:
                    self.every *= 2
            self._mark = (end, batch)
            self.points.append(point)
            if len(self.points) > self.most:
                del self.points[1::2]
                self.every *= 2
                self.cuts += 1

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
