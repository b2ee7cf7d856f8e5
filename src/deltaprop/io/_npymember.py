"""Reading one ``.npy`` member of a zip archive without trusting it.

The header is parsed with ``numpy.lib.format`` and checked against what the caller expects
(dtype, shape) before any data is read; then exactly the declared number of bytes is read,
so no allocation is ever sized by the file and nothing is ever unpickled.
"""

from __future__ import annotations

import contextlib
import math
import struct
import tokenize
import warnings
import zipfile
import zlib
from collections.abc import Collection, Iterator
from typing import IO, Literal

import numpy as np
from numpy.lib import format as npy_format

from deltaprop.errors import FormatError

_METHODS = {zipfile.ZIP_DEFLATED: "DEFLATE", zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA"}
_HEADER_MAX = 10_000  # numpy's own limit on the length of a .npy header
# what a malformed zip or .npy header can raise from zipfile, zlib and numpy.lib.format
CORRUPT = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    struct.error,
    EOFError,
    OSError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    SyntaxError,
    tokenize.TokenError,  # a header cut off inside a bracket, from numpy's parser
    RecursionError,
    OverflowError,
    NotImplementedError,
    UserWarning,  # numpy's warning for a Python 2 header, raised as an error below
)


@contextlib.contextmanager
def invalid_as_format_error(label: str, what: str = "corrupt or invalid") -> Iterator[None]:
    """Turn whatever a malformed zip or .npy header raises into a FormatError
    ``"LABEL: WHAT (ExceptionType: its message)"``."""
    try:
        yield
    except FormatError:
        raise
    except CORRUPT as exc:
        raise FormatError(f"{label}: {what} ({type(exc).__name__}: {exc})") from exc


def read_header(member: IO[bytes], label: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    """Parse a .npy header, leaving ``member`` at the first byte of data."""
    version = npy_format.read_magic(member)
    if version not in ((1, 0), (2, 0)):
        raise FormatError(f"{label}: unsupported .npy format version {version}")
    reader = (
        npy_format.read_array_header_1_0 if version == (1, 0) else npy_format.read_array_header_2_0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        shape, fortran_order, dtype = reader(member, max_header_size=_HEADER_MAX)
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
        raise FormatError(
            f"{label}: dtype {dtype} is not allowed (object and structured arrays are never "
            "loaded: they could run code when unpickled)"
        )
    return tuple(shape), bool(fortran_order), dtype


def check_stored(info: zipfile.ZipInfo, label: str) -> None:
    """Refuse a compressed member: deltaprop writes none, and one could expand far beyond
    the file's size (a megabyte of DEFLATE holds a gigabyte of zeros)."""
    if info.compress_type != zipfile.ZIP_STORED:
        kind = _METHODS.get(info.compress_type, f"method {info.compress_type}")
        raise FormatError(
            f"{label}: compressed zip member ({kind}); deltaprop reads only uncompressed "
            "members, so that a file cannot expand beyond its own size: re-pack it "
            "uncompressed (numpy.savez, not savez_compressed; zip -0)"
        )


def _check_entry(
    info: zipfile.ZipInfo, label: str, max_bytes: int | None, archive_size: int | None
) -> None:
    """The member's zip entry, checked before any of it is read: not encrypted, stored, within
    the archive and within ``max_bytes`` (with room for the .npy header)."""
    if info.flag_bits & 0x1:
        raise FormatError(f"{label}: member is encrypted")
    check_stored(info, label)
    if archive_size is not None and info.header_offset + info.compress_size > archive_size:
        raise FormatError(
            f"{label}: the zip entry claims {info.compress_size} bytes at offset "
            f"{info.header_offset}, beyond the end of the {archive_size}-byte file "
            "(truncated or corrupt)"
        )
    if info.compress_size != info.file_size:
        raise FormatError(
            f"{label}: stored (uncompressed) entry with {info.compress_size} bytes of data "
            f"claims a size of {info.file_size} bytes (corrupt)"
        )
    if max_bytes is not None and info.file_size > max_bytes + _HEADER_MAX + 64:
        raise FormatError(f"{label}: {info.file_size} bytes, more than the {max_bytes} allowed")


def read_member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    label: str,
    shape: tuple[int, ...] | None,
    dtypes: Collection[str],
    max_bytes: int | None = None,
    archive_size: int | None = None,
) -> np.ndarray:
    """Read one member as an array of ``shape`` (None: any 1-d) with a dtype in ``dtypes``.

    ``archive_size`` (the zip file's size in bytes) bounds what the member's entry may claim:
    zipfile sizes its read buffers by the entry's declared sizes.
    """
    _check_entry(info, label, max_bytes, archive_size)
    with invalid_as_format_error(label), archive.open(info) as member:
        declared_shape, fortran_order, dtype = read_header(member, label)
        if dtype.name not in dtypes:
            allowed = " or ".join(sorted(dtypes))
            raise FormatError(f"{label}: dtype {dtype.name}, expected {allowed}")
        if shape is None:  # any 1-d length (the metadata), within max_bytes
            if len(declared_shape) != 1 or declared_shape[0] < 0:
                raise FormatError(f"{label}: shape {declared_shape}, expected a 1-d array")
            shape = declared_shape
        elif declared_shape != shape:
            raise FormatError(f"{label}: shape {declared_shape}, expected {shape}")
        nbytes = math.prod(shape) * dtype.itemsize
        if max_bytes is not None and nbytes > max_bytes:
            raise FormatError(f"{label}: {nbytes} bytes, more than the {max_bytes} allowed")
        stored = info.file_size - member.tell()
        if stored != nbytes:
            raise FormatError(
                f"{label}: shape {shape} of {dtype.name} needs {nbytes} bytes of data, "
                f"the zip entry holds {stored}"
            )
        data = member.read(nbytes)
        if len(data) != nbytes:
            raise FormatError(
                f"{label}: data truncated: expected {nbytes} bytes, found {len(data)}"
            )
        if member.read(1):  # reading to the end also checks the CRC
            raise FormatError(f"{label}: more data than the {nbytes} bytes expected")
    order: Literal["C", "F"] = "F" if fortran_order else "C"
    array = np.frombuffer(data, dtype=dtype).reshape(shape, order=order)
    # a writeable C-ordered copy in native byte order
    return np.array(array, dtype=dtype.newbyteorder("="), order="C")
