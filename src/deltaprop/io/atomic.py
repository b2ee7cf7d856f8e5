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
import re
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "NAME_MAX",
    "atomic_write",
    "fsync_directory",
    "resolve_destination",
    "temporary_pattern",
]

#: the longest file name most file systems allow, in bytes
NAME_MAX = 255
_SUFFIX = len(".12345678.tmp")


def temporary_stem(name: str) -> str:
    """``.NAME``, shortened so that ``.NAME.XXXXXXXX.tmp`` fits in :data:`NAME_MAX` bytes."""
    stem = "." + name
    while len(stem.encode("utf-8", "surrogateescape")) + _SUFFIX > NAME_MAX:
        stem = stem[:-1]
    return stem


def temporary_pattern(path: Path) -> re.Pattern[str]:
    """The names of the temporary files :func:`atomic_write` makes for ``path``."""
    return re.compile(rf"{re.escape(temporary_stem(path.name))}\.[0-9a-f]{{8}}\.tmp")


def _create_temporary(directory: Path, name: str, mode: int | None) -> tuple[int, Path]:
    """Create a new empty file ``.NAME.XXXX.tmp`` in ``directory``; return (fd, path).

    ``os.open`` with mode 0o666 lets the umask decide the permissions of a new file, as for
    any file the user creates (``tempfile.mkstemp`` would leave them at 0o600); ``mode``, the
    permissions of the file being replaced, is kept instead (a checkpoint made private stays
    private).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temporary = directory / f"{temporary_stem(name)}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(temporary, flags, 0o666)
        except FileExistsError:
            continue
        if mode is not None and hasattr(os, "fchmod"):
            try:
                os.fchmod(fd, mode)
            except OSError:
                os.close(fd)
                os.unlink(temporary)
                raise
        return fd, temporary
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


def resolve_destination(path: str | os.PathLike[str]) -> Path:
    """The file a write to ``path`` replaces: ``path`` itself, or the file a symbolic link
    names (a link to a checkpoint is written through, and stays a link).

    Raises
    ------
    ValueError
        For an empty path.
    IsADirectoryError
        If ``path`` is a directory.
    """
    if os.fspath(path) == "":
        raise ValueError("cannot write to an empty path: give a file name, such as model.npz")
    resolved = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    if resolved.is_dir():
        raise IsADirectoryError(
            f"cannot write {os.fspath(path)}: it is a directory; give a file name (such as "
            f"{os.path.join(os.fspath(path), 'model.npz')})",
        )
    return resolved


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open a temporary file for writing that replaces ``path`` when the block ends cleanly.

    Parameters
    ----------
    path : str or os.PathLike
        The final file name. Its directory must exist. A symbolic link is written through:
        the file it names is replaced and the link stays. An existing file keeps its
        permissions.

    Yields
    ------
    BinaryIO
        A binary file open for writing. If the ``with`` block raises (or the process is
        interrupted), the temporary file is removed and ``path`` is left as it was.

    Raises
    ------
    FileNotFoundError
        If the directory of ``path`` does not exist.
    IsADirectoryError, ValueError
        If ``path`` is a directory or empty.

    Examples
    --------
    >>> with atomic_write("notes.txt") as f:
    ...     _ = f.write(b"all or nothing")
    >>> open("notes.txt", "rb").read()
    b'all or nothing'
    """
    path = resolve_destination(path)
    directory = path.parent
    if not directory.is_dir():
        raise FileNotFoundError(
            errno.ENOENT,
            f"cannot write {path}: directory {directory} does not exist; create it first",
            str(directory),
        )
    try:
        mode: int | None = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = None  # a new file
    fd, temporary = _create_temporary(directory, path.name, mode)
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
