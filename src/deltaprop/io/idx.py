"""Reader for the IDX format that MNIST is distributed in.

An IDX file is a 4-byte magic number, then one big-endian uint32 per dimension, then the
data, big-endian, in C order::

    byte 0, 1   zero
    byte 2      type code: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                0x0D float32, 0x0E float64
    byte 3      number of dimensions
    4 * ndim    the dimensions, big-endian uint32
    ...         prod(dims) * itemsize bytes of data

MNIST's images have magic number 2051 (0x00000803: uint8, 3 dimensions) and its labels 2049
(0x00000801: uint8, 1 dimension). Files may be gzip-compressed; that is detected from the
gzip magic bytes ``1f 8b``, not from the file name.

The reader never trusts the declared dimensions to size an allocation: it reads the data in
bounded chunks and compares what is really there with what the header declares, so a header
that claims 10**12 images fails at once with a :class:`~deltaprop.errors.FormatError`.
"""

from __future__ import annotations

import contextlib
import gzip
import math
import os
import zlib
from collections.abc import Iterator

import numpy as np

from deltaprop.errors import FormatError
from deltaprop.io._idxdata import (
    Reader,
    check_limit,
    check_ratio,
    compare_size,
    read_data,
    read_exactly,
)
from deltaprop.io.regular import open_regular

__all__ = [
    "GZIP_MAX_RATIO",
    "IMAGES_MAGIC",
    "LABELS_MAGIC",
    "MAX_BYTES",
    "MAX_NDIM",
    "read_idx",
    "read_idx_header",
    "read_idx_images",
    "read_idx_labels",
]

#: IDX type code -> big-endian NumPy dtype
TYPE_CODES: dict[int, str] = {
    0x08: "u1",
    0x09: "i1",
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}
#: the most dimensions accepted (MNIST-like files have 1 or 3; 4 allows N x H x W x C)
MAX_NDIM = 4
#: most bytes of data accepted from a gzip'd file by default (MNIST's largest holds 47 MB): gzip
#: can expand a thousandfold, so this bounds what a small file can make the reader hold
MAX_BYTES = 1 << 31
#: most a gzip'd file may expand by default, relative to its size: MNIST's files expand about
#: 5 times; one that expands 64 times is almost all one value, and could make a small file
#: hold gigabytes (DEFLATE's own limit is about 1032)
GZIP_MAX_RATIO = 64
IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
_GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)


def _describe(magic: int) -> str:
    if magic == IMAGES_MAGIC:
        return "an image file"
    if magic == LABELS_MAGIC:
        return "a label file"
    return f"type code 0x{(magic >> 8) & 0xFF:02X} with {magic & 0xFF} dimension(s)"


def _parse_header(
    stream: Reader, name: str, expect_magic: int | None
) -> tuple[np.dtype, tuple[int, ...]]:
    head = read_exactly(stream, 4)
    if len(head) < 4:
        raise FormatError(
            f"{name}: file too short for an IDX header: found {len(head)} byte(s), "
            "expected at least 4 (magic number)"
        )
    magic = int.from_bytes(head, "big")
    if head[0] != 0 or head[1] != 0:
        raise FormatError(
            f"{name}: not an IDX file: the magic number must start with two zero bytes, "
            f"found {head[:2].hex(' ')} (magic number {magic})"
        )
    if expect_magic is not None and magic != expect_magic:
        wanted = "images" if expect_magic == IMAGES_MAGIC else "labels"
        raise FormatError(
            f"{name}: magic number {magic} means {_describe(magic)}, "
            f"expected {expect_magic} ({wanted})"
        )
    code, ndim = head[2], head[3]
    if code not in TYPE_CODES:
        known = ", ".join(f"0x{c:02X}" for c in TYPE_CODES)
        raise FormatError(f"{name}: unknown IDX type code 0x{code:02X}; expected one of {known}")
    if not 1 <= ndim <= MAX_NDIM:
        raise FormatError(
            f"{name}: IDX header declares {ndim} dimensions; expected 1 to {MAX_NDIM}"
        )
    raw_dims = read_exactly(stream, 4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise FormatError(
            f"{name}: header truncated: {ndim} dimensions need {4 * ndim} bytes after the "
            f"magic number, found {len(raw_dims)}"
        )
    dims = tuple(int.from_bytes(raw_dims[i : i + 4], "big") for i in range(0, 4 * ndim, 4))
    return np.dtype(TYPE_CODES[code]), dims


@contextlib.contextmanager
def _opened(
    path: str | os.PathLike[str], expect_magic: int | None, max_bytes: int, max_ratio: float
) -> Iterator[tuple[Reader, np.dtype, tuple[int, ...], int | None]]:
    """The stream positioned at the data, its dtype and dims, and for a raw file the bytes
    left; every check that needs only the header and the file's size is done first."""
    name = os.fspath(path)
    with open_regular(path) as raw:  # a FIFO or /dev/zero: FormatError, never a hang
        size = os.fstat(raw.fileno()).st_size
        is_gzip = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        if not is_gzip:
            dtype, dims = _parse_header(raw, name, expect_magic)
            expected = math.prod(dims) * dtype.itemsize
            left = size - raw.tell()
            compare_size(name, expected, left)
            check_limit(name, expected, max_bytes)  # a sparse file can be huge yet take no disk
            yield raw, dtype, dims, left
            return
        try:
            with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                dtype, dims = _parse_header(stream, name, expect_magic)
                expected = math.prod(dims) * dtype.itemsize
                check_limit(name, expected, max_bytes)
                check_ratio(name, expected, size, max_ratio)
                yield stream, dtype, dims, None
        except _GZIP_ERRORS as exc:
            raise FormatError(f"{name}: corrupt or truncated gzip stream ({exc})") from exc


def _read(
    path: str | os.PathLike[str],
    expect_magic: int | None,
    max_bytes: int = MAX_BYTES,
    max_ratio: float = GZIP_MAX_RATIO,
) -> np.ndarray:
    name = os.fspath(path)
    with _opened(path, expect_magic, max_bytes, max_ratio) as (stream, dtype, dims, left):
        data = read_data(stream, name, math.prod(dims) * dtype.itemsize, left)
    # native byte order, so that arithmetic on the result is not slowed down by byte swaps
    array = np.frombuffer(data, dtype=dtype).reshape(dims)
    return array if dtype.isnative else array.astype(dtype.newbyteorder("="))


def read_idx_header(
    path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES, max_ratio: float = GZIP_MAX_RATIO
) -> tuple[np.dtype, tuple[int, ...]]:
    """Read and check an IDX file's header only: its dtype and dimensions.

    Every check that needs no data is made (magic number, type code, the declared size
    against the file's size and ``max_bytes``), so that files can be compared and their
    arrays sized before any of them is read.

    Parameters
    ----------
    path : str or os.PathLike
        The file, raw or gzip'd.
    max_bytes : int, optional
        As for :func:`read_idx`.
    max_ratio : float, optional
        As for :func:`read_idx`.

    Returns
    -------
    dtype : numpy.dtype
        The data's dtype, in native byte order.
    dims : tuple of int
        The dimensions.

    Raises
    ------
    deltaprop.errors.FormatError
        As :func:`read_idx`, for what the header alone shows.

    Examples
    --------
    >>> import struct
    >>> with open("images-idx3-ubyte", "wb") as f:       # magic 2051: 2 images of 3×4 pixels
    ...     _ = f.write(struct.pack(">HBBIII", 0, 8, 3, 2, 3, 4) + bytes(range(24)))
    >>> read_idx_header("images-idx3-ubyte")
    (dtype('uint8'), (2, 3, 4))
    """
    with _opened(path, None, max_bytes, max_ratio) as (_, dtype, dims, _):
        return dtype.newbyteorder("="), dims


def read_idx(
    path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES, max_ratio: float = GZIP_MAX_RATIO
) -> np.ndarray:
    """Read an IDX file, raw or gzip-compressed.

    Parameters
    ----------
    path : str or os.PathLike
        The file. Gzip compression is detected from the content, not the name.
    max_bytes : int, optional
        Refuse a file whose header declares more bytes of data than this (default
        :data:`MAX_BYTES`, 2 GiB), before reading any. A raw file must also hold exactly the
        bytes declared.
    max_ratio : float, optional
        Refuse a gzip'd file whose header declares more than this many times the file's own
        size (default :data:`GZIP_MAX_RATIO`, 64; MNIST's files expand about 5 times).

    Returns
    -------
    numpy.ndarray, shape (d_1, ..., d_ndim)
        The data, in native byte order, writeable, with the dtype the type code names
        (uint8, int8, int16, int32, float32 or float64).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    deltaprop.errors.FormatError
        If ``path`` is not a regular file (a directory, FIFO or device), or not a well-formed
        IDX file: bad magic number, unknown type code,
        0 or more than :data:`MAX_NDIM` dimensions, less or more data than the header
        declares, or a corrupt gzip stream. The message names the file.

    Examples
    --------
    >>> import struct
    >>> with open("labels-idx1-ubyte", "wb") as f:       # magic 2049, 3 labels
    ...     _ = f.write(struct.pack(">HBBI", 0, 8, 1, 3) + bytes([7, 2, 1]))
    >>> read_idx("labels-idx1-ubyte")
    array([7, 2, 1], dtype=uint8)
    """
    return _read(path, None, max_bytes, max_ratio)


def read_idx_images(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an MNIST-style image file (magic number 2051: uint8, 3 dimensions).

    Parameters
    ----------
    path : str or os.PathLike
        The file, raw or gzip'd.

    Returns
    -------
    numpy.ndarray of uint8, shape (n_images, n_rows, n_columns)

    Raises
    ------
    deltaprop.errors.FormatError
        If the file is not an IDX image file (for instance a label file, magic 2049), or is
        malformed as described in :func:`read_idx`.

    Examples
    --------
    >>> import struct
    >>> with open("images-idx3-ubyte", "wb") as f:       # magic 2051: 2 images of 3×4 pixels
    ...     _ = f.write(struct.pack(">HBBIII", 0, 8, 3, 2, 3, 4) + bytes(range(24)))
    >>> read_idx_images("images-idx3-ubyte").shape
    (2, 3, 4)
    """
    return _read(path, IMAGES_MAGIC)


def read_idx_labels(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an MNIST-style label file (magic number 2049: uint8, 1 dimension).

    Parameters
    ----------
    path : str or os.PathLike
        The file, raw or gzip'd.

    Returns
    -------
    numpy.ndarray of uint8, shape (n_labels,)

    Raises
    ------
    deltaprop.errors.FormatError
        If the file is not an IDX label file (for instance an image file, magic 2051), or
        is malformed as described in :func:`read_idx`.

    Examples
    --------
    >>> import struct
    >>> with open("labels-idx1-ubyte", "wb") as f:       # magic 2049, 3 labels
    ...     _ = f.write(struct.pack(">HBBI", 0, 8, 1, 3) + bytes([7, 2, 1]))
    >>> read_idx_labels("labels-idx1-ubyte").tolist()
    [7, 2, 1]
    """
    return _read(path, LABELS_MAGIC)
