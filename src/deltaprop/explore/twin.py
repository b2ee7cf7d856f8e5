"""Two runs side by side: the page's run and a second one from the same initial weights and
the same mini-batches, differing in one setting (quadratic against cross-entropy, sigmoid
against ReLU, one η against another, L2 on or off), trained in lockstep.

Both runs are ordinary :class:`~.session.Session` s with the same data, layers and seed, so
``Network`` draws the same initial weights and the loop the same shuffled mini-batches and
dropout masks (``tests/explore/test_twin.py`` checks it from the records). A :class:`Pair`
keeps them at the same mini-batch: after each mini-batch each run's training thread waits at
the pair's gate until the other has trained as many; what the page asks of the pair while it
trains (pause, step, a changed setting) is handed to both runs at the same gate, so both
pause after the same mini-batch and change their settings at the same one. A run that ends
(a diverged η, say) leaves the other to go on alone.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .session import Session

#: seconds a run's thread waits at the gate before it looks again whether the other has ended
WAIT = 0.1


def ended(session: Session) -> bool:
    """Whether ``session``'s training thread has ended (or the run was stopped or closed)."""
    started = session.thread is not None
    return session.stop_requested or (started and not session.thread_alive)


class Pair:
    """Two runs kept at the same mini-batch; ``first`` is the page's run, ``second`` the one
    that differs in ``settings.compare``."""

    def __init__(self, first: Session, second: Session) -> None:
        self.runs = (first, second)
        self.cond = threading.Condition()
        self.counts = [0, 0]  # mini-batches each run has trained, as the gate saw them
        self.pending: list[tuple[str, Any]] = []  # what the runs do at the next gate
        self.paused = False  # whether the page last asked for a pause (or a step)
        first.pair = second.pair = self

    @property
    def running(self) -> bool:
        """Whether both runs are training (not idle, not paused, not ended)."""
        return all(s.thread_alive and s.state == "running" for s in self.runs)

    def gate(self, session: Session) -> None:
        """Called by ``session``'s training thread after each of its mini-batches: wait until
        the other run has trained as many (or has ended); the second to arrive hands both
        what the page asked for meanwhile."""
        side = 0 if session is self.runs[0] else 1
        other = self.runs[1 - side]
        with self.cond:
            self.counts[side] = session.batches
            if self.counts[1 - side] >= session.batches or ended(other):
                self._hand_over()
                return
            while self.counts[1 - side] < session.batches:
                if ended(other) or session.stop_requested:
                    self._hand_over()
                    return
                self.cond.wait(WAIT)

    def _hand_over(self) -> None:
        """Give both runs what was asked while they trained (with the condition held)."""
        pending, self.pending = self.pending, []
        for kind, what in pending:
            for i, session in enumerate(self.runs):
                if kind == "control":
                    session.control(what)
                elif what[i]:
                    session.request_change(what[i])
        self.cond.notify_all()

    def control(self, action: str) -> None:
        """``start``, ``pause``, ``step`` or ``stop`` both runs: a pause or a step asked while
        they train is made at the next gate, after the same mini-batch in both."""
        with self.cond:
            if action in ("pause", "step") and not self.paused and self.running:
                self.pending.append(("control", action))
                self.paused = True
                return
            self.paused = action in ("pause", "step") or (self.paused and action == "stop")
        for session in self.runs:
            session.control(action)

    def change(self, changes: tuple[dict[str, Any], dict[str, Any]]) -> None:
        """Change each run's settings (``changes``: the first's and the second's) from the
        same mini-batch."""
        with self.cond:
            if not self.paused and self.running:
                self.pending.append(("change", changes))
                return
        for session, change in zip(self.runs, changes):
            if change:
                session.request_change(change)


def twin_description(first: Session, second: Session) -> dict[str, Any]:
    """What the page is told of the second run besides its own description: the setting
    compared and both runs' values of it."""
    name = first.settings.compare
    values = [getattr(first.settings, name), getattr(second.settings, name)]
    return {"compare": name, "values": values, "cost": second.net.cost_function.name}
