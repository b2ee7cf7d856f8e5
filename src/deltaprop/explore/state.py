"""The explorer server's state, shared by every request: the runs of the open pages, why the
runs it closed were closed, and the uploaded arrays (one :class:`ExplorerState` per server,
as ``app.state.explorer``).

What it holds is bounded: at most :data:`MAX_SESSIONS` runs (the least recently watched run
that no page is watching makes room for a new one; a run with an open event stream is never
closed to make room), uploads of at most :data:`MAX_UPLOAD_TOTAL` bytes in all, and the
reasons of the last :data:`MAX_CLOSED` closed runs.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict

import numpy as np

from .session import Session

#: runs kept at once (one per open page)
MAX_SESSIONS = 4
#: uploaded arrays kept at once, and their bytes in all (the oldest go first)
MAX_UPLOADS, MAX_UPLOAD_TOTAL = 4, 128 * 2**20
#: closed runs whose reason is remembered (a page asking about one is told why)
MAX_CLOSED = 1000
#: why a run closed to make room is closed
EVICTED = (
    f"this run was closed to make room for a newer page's run (the explorer keeps "
    f"{MAX_SESSIONS} runs, and this one was not being watched): start it again"
)


class NoSuchRun(KeyError):
    """A request named a run the server never made: a 404."""


class RunClosed(Exception):
    """A request named a run the server has closed: a 410 saying why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ServerBusy(Exception):
    """No room for a new run: every run kept is being watched by an open page (a 503)."""


class ExplorerState:
    """The server's state, shared by every request: the runs of the open pages and the
    uploaded arrays. The handlers reach it as ``request.app.state.explorer``."""

    def __init__(self) -> None:
        self.sessions: OrderedDict[str, Session] = OrderedDict()
        self.closed: OrderedDict[str, str] = OrderedDict()  # key → why it was closed
        self.uploads: OrderedDict[str, np.ndarray] = OrderedDict()
        self.upload_classes: dict[str, tuple[str, ...] | None] = {}  # an upload's class names
        self.ending: list[Session] = []  # closed runs whose thread may not have ended yet

    # -- runs ------------------------------------------------------------------------------

    def check_room(self, runs: int = 1) -> None:
        """Raise :class:`ServerBusy` unless ``runs`` new runs fit (two: a run and its twin),
        now or by closing runs that no page is watching."""
        idle = sum(not s.watched for s in self.sessions.values())
        if MAX_SESSIONS - len(self.sessions) + idle < runs:
            raise ServerBusy(
                f"the explorer already keeps {MAX_SESSIONS} runs, each watched by an open page: "
                "close one of those pages (or its tab), then try again"
            )

    def make_room(self) -> None:
        """Close runs until a new one fits: the least recently watched of those no page is
        watching first. Raises :class:`ServerBusy` if every run kept is being watched."""
        while len(self.sessions) >= MAX_SESSIONS:
            self.check_room()
            idle = [(s.last_seen, key) for key, s in self.sessions.items() if not s.watched]
            self.close_run(min(idle)[1], EVICTED)

    def add(self, session: Session) -> str:
        """Keep ``session`` under a new key, making room for it (:meth:`make_room`)."""
        self.make_room()
        key = secrets.token_hex(8)
        self.sessions[key] = session
        return key

    def session(self, key: str) -> Session:
        """The run ``key``, marked as just seen; :class:`RunClosed` (a 410) if it was closed,
        :class:`NoSuchRun` (a 404) if there never was one."""
        session = self.sessions.get(key)
        if session is None:
            if key in self.closed:
                raise RunClosed(self.closed[key])
            raise NoSuchRun(key)
        session.last_seen = time.monotonic()
        return session

    def close_run(self, key: str, reason: str) -> None:
        """Close the run ``key``: its thread stops at the next mini-batch (not waited for), an
        open event stream is told ``reason``, and later requests get 410 with it."""
        session = self.sessions.pop(key)
        session.begin_close(reason)
        self.ending = [s for s in (*self.ending, session) if s.thread_alive]
        self.closed[key] = reason
        while len(self.closed) > MAX_CLOSED:
            self.closed.popitem(last=False)

    def close(self, reason: str) -> None:
        """Close every run (the server is stopping): their event streams end, saying why."""
        for key in list(self.sessions):
            self.close_run(key, reason)

    def join(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds in all for the closed runs' threads to end."""
        deadline = time.monotonic() + timeout
        for session in self.ending:
            session.join(max(0.0, deadline - time.monotonic()))
        self.ending = [s for s in self.ending if s.thread_alive]

    # -- uploads ---------------------------------------------------------------------------

    def add_upload(self, array: np.ndarray, classes: tuple[str, ...] | None = None) -> str:
        """Keep an uploaded array (and the names of its classes, if the file had them) under a
        new key; the oldest go beyond MAX_UPLOADS arrays or MAX_UPLOAD_TOTAL bytes. Raises
        ValueError for an array larger than that alone."""
        if array.nbytes > MAX_UPLOAD_TOTAL:
            raise ValueError(
                f"the array takes {array.nbytes / 2**20:.0f} MiB in memory, more than the "
                f"explorer keeps ({MAX_UPLOAD_TOTAL // 2**20} MiB): upload fewer rows or columns"
            )
        while self.uploads and (
            len(self.uploads) >= MAX_UPLOADS
            or self.upload_bytes() + array.nbytes > MAX_UPLOAD_TOTAL
        ):
            self.upload_classes.pop(self.uploads.popitem(last=False)[0], None)
        key = secrets.token_hex(8)
        self.uploads[key] = array
        self.upload_classes[key] = classes
        return key

    def upload_bytes(self) -> int:
        """The bytes of the uploaded arrays kept."""
        return sum(a.nbytes for a in self.uploads.values())
