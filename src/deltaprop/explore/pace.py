"""How fast a run trains: at most ``rate`` mini-batches a second, or flat out.

The training thread calls :meth:`Pace.wait` after each mini-batch: it waits until that
mini-batch's time on the schedule has come (mini-batch n of the pace is due n / rate seconds
after the pace began), on the run's condition, so that a pause, a stop or a copy asked for
wakes it at once. A run that falls behind its schedule (it trains slower than the rate, or
was paused) starts the schedule again from where it is, rather than rushing to catch up.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

#: seconds behind its schedule after which a run starts the schedule again
LAG = 0.25


def rate_of(pace: str) -> float:
    """Mini-batches a second of the page's ``pace`` ("max": inf).

    Examples
    --------
    >>> rate_of("30"), rate_of("max")
    (30.0, inf)
    """
    return math.inf if pace == "max" else float(pace)


class Pace:
    """A run's pace, changed at any time (:meth:`set`) without stopping it."""

    def __init__(self, pace: str) -> None:
        self.set(pace)

    def set(self, pace: str) -> None:
        """Train at ``pace`` from now on (a value of :data:`~.settings.PACES`)."""
        self.pace, self.rate = pace, rate_of(pace)
        self._start: tuple[float, int] | None = None  # (when, mini-batch) the schedule began

    def wait(self, batches: int, condition: threading.Condition, wake: Callable[[], bool]) -> None:
        """Called after mini-batch ``batches``: wait on ``condition`` until it is due, or
        until ``wake()`` is true."""
        if math.isinf(self.rate):
            return
        now = time.perf_counter()
        if self._start is None:
            self._start = (now, batches)
            return
        due = self._start[0] + (batches - self._start[1]) / self.rate
        if due < now - LAG:  # behind: start again from here
            self._start = (now, batches)
        elif due > now:
            with condition:
                condition.wait_for(wake, timeout=due - now)
