"""Atomic file replacement: write to a temporary file beside the target, then rename.

A reader sees either the old file or the complete new one, never a torn file, even if the
writer is killed: the data goes to a temporary file in the same directory, is flushed and
fsync'd, and only then moved over the final name with ``os.replace`` (atomic on POSIX and
Windows when both names are on one file system, which the shared directory guarantees).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_write", "fsync_directory"]


def _create_temporary(directory: Path, name: str) -> tuple[int, Path]:
    """Create a new empty file ``.NAME.XXXX.tmp`` in ``directory``; return (fd, path).

    ``os.open`` with mode 0o666 lets the umask decide the final permissions, as for any file
    the user creates (``tempfile.mkstemp`` would leave them at 0o600).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temporary = directory / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, f"could not create a temporary file in {directory}")


def fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable, where the platform allows it (not on Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open a temporary file for writing that replaces ``path`` when the block ends cleanly.

    Parameters
    ----------
    path : str or os.PathLike
        The final file name. Its directory must exist.

    Yields
    ------
    BinaryIO
        A binary file open for writing. If the ``with`` block raises (or the process is
        interrupted), the temporary file is removed and ``path`` is left as it was.

    Raises
    ------
    FileNotFoundError
        If the directory of ``path`` does not exist.

    Examples
    --------
    >>> with atomic_write("notes.txt") as f:
    ...     _ = f.write(b"all or nothing")
    >>> open("notes.txt", "rb").read()
    b'all or nothing'
    """
    path = Path(path)
    directory = path.parent
    if not directory.is_dir():
        raise FileNotFoundError(
            errno.ENOENT,
            f"cannot write {path}: directory {directory} does not exist; create it first",
            str(directory),
        )
    fd, temporary = _create_temporary(directory, path.name)
    try:
        with os.fdopen(fd, "wb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    fsync_directory(directory)
