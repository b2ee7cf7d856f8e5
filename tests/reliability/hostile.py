"""Pieces of hostile files for the loaders, built by hand (never by the writers under test).

Everything here returns bytes, for ``test_hostile_files.py`` to write to disk and load.
"""

from __future__ import annotations

import gzip
import io
import json
import struct
import warnings
import zipfile
from typing import Any

import numpy as np

UNPICKLED: list[str] = []  # what a Bomb's payload recorded: must stay empty


def _record(what: str) -> None:
    UNPICKLED.append(what)


class Bomb:
    """An object whose unpickling calls ``_record``: loaders must never get that far."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (_record, ("code ran",))


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=array.dtype.hasobject)
    return buffer.getvalue()


def npy_header(descr: str, shape: tuple[int, ...], fortran: bool = False) -> bytes:
    """A .npy header written by hand: any shape, including absurd ones."""
    text = repr({"descr": descr, "fortran_order": fortran, "shape": shape}).encode()
    text += b" " * (63 - (10 + len(text)) % 64) + b"\n"
    if len(text) < 1 << 16:
        return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text
    return b"\x93NUMPY\x02\x00" + len(text).to_bytes(4, "little") + text


def meta_member(meta: Any, *, allow_nan: bool = False) -> bytes:
    text = json.dumps(meta, allow_nan=allow_nan).encode()
    return npy(np.frombuffer(text, dtype=np.uint8))


def zip_members(members: list[tuple[str, bytes]], compression: int = zipfile.ZIP_STORED) -> bytes:
    """A zip holding exactly these (name, data) members, duplicates allowed."""
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", compression) as archive:
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name": wanted here
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = compression
            archive.writestr(info, data)
    return buffer.getvalue()


def read_members(blob: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The metadata (parsed) and raw .npy members of a valid file, to mutate."""
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        members = {i.filename.removesuffix(".npy"): archive.read(i) for i in archive.infolist()}
    meta_array = np.load(io.BytesIO(members.pop("__meta__")), allow_pickle=False)
    return json.loads(meta_array.tobytes()), members


def patch_sizes(blob: bytes, index: int, size: int) -> bytes:
    """Make the ``index``-th entry of a stored zip claim ``size`` bytes (local and central
    headers, 32-bit fields): a tiny file that announces a huge member."""
    data = bytearray(blob)
    local = central = -1
    for _ in range(index + 1):
        local = data.find(b"PK\x03\x04", local + 1)
        central = data.find(b"PK\x01\x02", central + 1)
    if local < 0 or central < 0:
        return blob
    size = min(size, 0xFFFFFFFE)
    struct.pack_into("<II", data, local + 18, size, size)
    struct.pack_into("<II", data, central + 20, size, size)
    return bytes(data)


def set_encrypted(blob: bytes) -> bytes:
    data = bytearray(blob)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        position = data.find(signature)
        if position >= 0:
            data[position + offset] |= 1
    return bytes(data)


IDX_CODES = {
    "uint8": 0x08,
    "int8": 0x09,
    "int16": 0x0B,
    "int32": 0x0C,
    "float32": 0x0D,
    "float64": 0x0E,
}


def idx(array: np.ndarray) -> bytes:
    """The IDX encoding of ``array`` (big-endian), written independently of the reader."""
    header = bytes([0, 0, IDX_CODES[array.dtype.name], array.ndim])
    header += b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def idx_header(code: int, dims: list[int], zeros: tuple[int, int] = (0, 0)) -> bytes:
    return bytes([*zeros, code, len(dims) % 256]) + b"".join(
        (d % 2**32).to_bytes(4, "big") for d in dims
    )


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


# -- loading in a child process: its peak memory and time, and no hang ------------------------

LOADERS = {
    "model": "from deltaprop import load",
    "checkpoint": "from deltaprop.training.checkpoint import load_checkpoint as load",
    "idx": "from deltaprop.io.idx import read_idx as load",
    "mnist": "from deltaprop.io.mnist import load_mnist as load",
    "run": "from deltaprop.insight.run import load_run as load",
}
_CHILD = """
import json, os, resource, sys, time, tracemalloc
{import_loader}
def rss():  # peak resident set so far, bytes (Linux reports KiB)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
before = rss()
tracemalloc.start()
start = time.perf_counter()
error = None
try:
    load(sys.argv[1])
except Exception as exc:
    error = f"{{type(exc).__name__}}: {{exc}}"
seconds = time.perf_counter() - start
print(json.dumps({{"error": error, "seconds": seconds, "rss_growth": rss() - before,
                  "traced": tracemalloc.get_traced_memory()[1]}}))
"""


def load_in_child(kind: str, path: Any, timeout: float = 30.0) -> dict[str, Any]:
    """Load ``path`` with the loader ``kind`` (a key of LOADERS) in a fresh Python process.

    Returns ``error`` (``"Type: message"`` or None), ``seconds`` the load took, and the bytes
    it allocated at most: ``traced`` (tracemalloc, which sees NumPy's arrays) and
    ``rss_growth`` (the peak resident set's growth during the load). A load still running
    after ``timeout`` seconds is killed and reported as ``error = "hang"``.
    """
    import os
    import subprocess
    import sys

    code = _CHILD.format(import_loader=LOADERS[kind])
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, os.fspath(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": "hang", "seconds": timeout, "rss_growth": 0, "traced": 0}
    if done.returncode != 0:
        return {
            "error": f"crashed ({done.returncode}): {done.stderr[-500:]}",
            "seconds": 0.0,
            "rss_growth": 0,
            "traced": 0,
        }
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def memory_bound(file_size: int) -> int:
    """What loading a hostile file may allocate: 64 MB + 4 × the file's size."""
    return (64 << 20) + 4 * file_size


def zip_streamed(
    members: list[tuple[str, bytes, int]], compression: int = zipfile.ZIP_DEFLATED
) -> bytes:
    """A zip of members ``(name, leading bytes, count of zero bytes after them)``, compressed
    as it is written, so that gigabytes of zeros never sit in memory."""
    buffer = io.BytesIO()
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(buffer, "w", compression, compresslevel=9) as archive:
        for name, head, zeros in members:
            with archive.open(name, "w", force_zip64=True) as member:
                member.write(head)
                while zeros > 0:
                    member.write(chunk[: min(zeros, len(chunk))])
                    zeros -= len(chunk)
    return buffer.getvalue()


def gz_streamed(head: bytes, zeros: int) -> bytes:
    """``head`` and ``zeros`` zero bytes, gzip'd piece by piece."""
    buffer = io.BytesIO()
    chunk = bytes(1 << 20)
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9, mtime=0) as stream:
        stream.write(head)
        while zeros > 0:
            stream.write(chunk[: min(zeros, len(chunk))])
            zeros -= len(chunk)
    return buffer.getvalue()
