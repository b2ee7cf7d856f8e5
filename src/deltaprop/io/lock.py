"""One run at a time on a checkpoint: an advisory lock on a file beside it.

:class:`CheckpointLock` takes ``fcntl.flock`` on ``.NAME.lock`` beside the checkpoint and
writes the holder's process id into it. A second run on the same checkpoint is refused with
a message naming that process; the kernel drops the lock when the holder ends, however it
ends (a SIGKILL included), so a stale lock file never blocks anyone. Where ``fcntl`` is
missing (Windows) nothing is locked.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["CheckpointInUseError", "CheckpointLock", "lock_path"]

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class CheckpointInUseError(OSError):
    """Another process is training with this checkpoint."""


def lock_path(path: Path) -> Path:
    """The lock file of the checkpoint ``path``: ``.NAME.lock`` beside it."""
    return path.parent / f".{path.name}.lock"


class CheckpointLock:
    """Hold the lock of the checkpoint ``path`` until :meth:`release` (or the process ends).

    Raises
    ------
    CheckpointInUseError
        If another process holds it: ``"checkpoint run.npz is in use by process 4242 ..."``.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.fd: int | None = None
        if fcntl is None:  # pragma: no cover - Windows
            return
        where = lock_path(self.path)
        for _ in range(10):  # the file may be removed by its holder between open and lock
            fd = os.open(where, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_pid(fd)
                os.close(fd)
                raise CheckpointInUseError(
                    f"checkpoint {os.fspath(self.path)} is in use by process {holder} (lock "
                    f"file {where}): wait for that run to end or stop it, or give this run "
                    "another --checkpoint"
                ) from None
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(where))
            except FileNotFoundError:
                same = False
            if not same:  # locked a file its holder has just removed: try the new one
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            self.fd = fd
            return
        raise CheckpointInUseError(f"could not lock {where}: it keeps being replaced")

    def release(self) -> None:
        """Remove the lock file and let go of the lock (idempotent)."""
        fd, self.fd = self.fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(lock_path(self.path))  # while still held: no one can take a stale one
        os.close(fd)


def _read_pid(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        text = ""
    return text if text.isdigit() else "(unknown)"
