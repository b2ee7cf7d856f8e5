"""Opening a file to read only if it is a regular file.

A named pipe (FIFO) blocks ``open`` until a writer appears, ``/dev/zero`` and ``/dev/urandom``
never end, and a directory cannot be read as a file: each would make a loader hang, grow
without bound or fail with an obscure error. :func:`open_regular` looks at the path with
``os.stat`` before opening it, opens it without blocking, and looks again at what it opened
(the path may have been replaced in between); anything but a regular file is a one-line
:class:`~deltaprop.errors.FormatError` naming the path and what it is.
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO

from deltaprop.errors import FormatError

__all__ = ["check_regular", "describe", "open_regular"]

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def describe(mode: int) -> str:
    """What a file of this ``st_mode`` is, in words: ``"a named pipe (FIFO)"``."""
    for test, words in _KINDS:
        if test(mode):
            return words
    return "not a regular file"


def _check(name: str, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    what = describe(mode)
    if os.path.islink(name):
        what += f" (a symbolic link to {os.path.realpath(name)})"
    raise FormatError(f"{name}: is {what}, not a regular file; give the path of a file")


def check_regular(path: str | os.PathLike[str]) -> None:
    """Raise FormatError unless ``path`` is a regular file (or a link to one); a missing
    path raises FileNotFoundError. Nothing is opened, so a FIFO cannot block."""
    _check(os.fspath(path), os.stat(path).st_mode)


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """Open ``path`` for binary reading if it is a regular file (or a symbolic link to one).

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    deltaprop.errors.FormatError
        If it is a directory, a FIFO, a device or a socket: ``"f.npz: is a named pipe
        (FIFO), not a regular file; give the path of a file"``.
    """
    name = os.fspath(path)
    check_regular(name)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(name, flags)  # O_NONBLOCK: a FIFO swapped in after the check cannot block
    try:
        _check(name, os.fstat(fd).st_mode)
        return os.fdopen(fd, "rb")  # for a regular file O_NONBLOCK changes nothing
    except BaseException:
        os.close(fd)
        raise
