"""The explorer server's state, shared by every request: the runs of the open pages and the
uploaded arrays (one :class:`ExplorerState` per server, as ``app.state.explorer``)."""

from __future__ import annotations

import secrets
from collections import OrderedDict

import numpy as np

from .session import Session


class NoSuchRun(KeyError):
    """A request named a run the server does not hold (closed, or never made): a 404."""


#: runs kept at once (one per open page); the oldest is stopped to make room
MAX_SESSIONS = 4


class ExplorerState:
    """The server's state, shared by every request: the runs of the open pages and the
    uploaded arrays. The handlers reach it as ``request.app.state.explorer``."""

    def __init__(self) -> None:
        self.sessions: OrderedDict[str, Session] = OrderedDict()
        self.uploads: OrderedDict[str, np.ndarray] = OrderedDict()

    def add(self, session: Session) -> str:
        """Keep ``session`` under a new key; stops the oldest beyond MAX_SESSIONS."""
        key = secrets.token_hex(8)
        self.sessions[key] = session
        while len(self.sessions) > MAX_SESSIONS:
            _, old = self.sessions.popitem(last=False)
            old.close()
        return key

    def session(self, key: str) -> Session:
        """The run ``key``; :class:`~.NoSuchRun` (a 404) if there is none."""
        if key not in self.sessions:
            raise NoSuchRun(key)
        return self.sessions[key]

    def add_upload(self, array: np.ndarray) -> str:
        """Keep an uploaded array under a new key; the oldest beyond MAX_SESSIONS go."""
        key = secrets.token_hex(8)
        self.uploads[key] = array
        while len(self.uploads) > MAX_SESSIONS:
            self.uploads.popitem(last=False)
        return key

    def close(self) -> None:
        """Stop every run."""
        for session in self.sessions.values():
            session.close()
