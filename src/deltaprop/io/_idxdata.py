"""Reading an IDX file's data after its header, never trusting the header's size, and the
checks of that size against the file and the limits.

The data are read in bounded chunks, so an allocation grows with what is really in the
file, and what follows the declared bytes is counted (up to a limit) to report it.
"""

from __future__ import annotations

from typing import Protocol

from deltaprop.errors import FormatError

CHUNK = 1 << 20  # bytes read at a time from a gzip stream
_TRAILING_COUNT_LIMIT = 1 << 26  # stop counting trailing bytes after this many


class Reader(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def read_exactly(stream: Reader, n: int) -> bytes:
    """Read up to ``n`` bytes, fewer only at end of file."""
    parts = []
    while n > 0:
        part = stream.read(n)
        if not part:
            break
        parts.append(part)
        n -= len(part)
    return b"".join(parts)


def compare_size(name: str, expected: int, known_size: int) -> None:
    """Compare the data a raw file's header declares with the bytes the file has left."""
    if known_size < expected:
        raise FormatError(
            f"{name}: data truncated: the header declares {expected} bytes of data, "
            f"found {known_size}"
        )
    if known_size > expected:
        raise FormatError(
            f"{name}: {known_size - expected} unexpected trailing byte(s) after the "
            f"{expected} bytes of data the header declares"
        )


def read_data(stream: Reader, name: str, expected: int, known_size: int | None) -> bytearray:
    """Read exactly ``expected`` bytes of data and check that nothing follows them.

    ``known_size`` is the number of bytes left in a raw file (None for a gzip stream, whose
    decompressed size is only known by reading it).
    """
    if known_size is not None:
        compare_size(name, expected, known_size)
    data = bytearray()
    while len(data) < expected:  # grows with what is really there, never with the header
        chunk = stream.read(min(CHUNK, expected - len(data)))
        if not chunk:
            raise FormatError(
                f"{name}: data truncated: the header declares {expected} bytes of data, "
                f"found {len(data)}"
            )
        data += chunk
    trailing = 0
    while trailing < _TRAILING_COUNT_LIMIT and (chunk := stream.read(CHUNK)):
        trailing += len(chunk)
    if trailing:
        more = "at least " if trailing >= _TRAILING_COUNT_LIMIT else ""
        raise FormatError(
            f"{name}: {more}{trailing} unexpected trailing byte(s) after the {expected} bytes "
            "of data the header declares"
        )
    return data


def check_limit(name: str, expected: int, max_bytes: int) -> None:
    if expected > max_bytes:
        raise FormatError(
            f"{name}: the header declares {expected} bytes of data, more than the limit of "
            f"{max_bytes}; pass max_bytes= to read a file this large"
        )


def check_ratio(name: str, expected: int, compressed: int, max_ratio: float) -> None:
    if expected > max_ratio * compressed + CHUNK:
        raise FormatError(
            f"{name}: the header declares {expected} bytes of data, more than the limit of "
            f"{max_ratio:g} × the file's {compressed} bytes; pass max_ratio= to read a gzip'd "
            "file that expands this much"
        )
