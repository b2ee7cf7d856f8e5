"""Safe ``.npz`` files for models and checkpoints: atomic writes, validated reads.

A file written by :func:`write_npz` is an ordinary uncompressed ``.npz`` (``np.load`` opens
it): one ``NAME.npy`` member per array, plus ``__meta__.npy``, a 1-d uint8 array holding the
UTF-8 bytes of a JSON object.

:func:`read_npz` trusts nothing in the file. It opens the zip itself, parses the metadata
first (size-capped), asks a caller-supplied ``expect(meta)`` which arrays, shapes and dtypes
the file must hold, and checks each member's ``.npy`` header against that *before* reading
any data. Nothing is ever unpickled, no allocation is sized by the file, and every defect
(corrupt zip, bad CRC, truncated member, wrong shape, NaN, ...) becomes a
:class:`~deltaprop.errors.FormatError` naming the file and what is wrong.
"""

from __future__ import annotations

import json
import math
import os
import re
import zipfile
from collections.abc import Callable, Collection, Mapping
from typing import Any

import numpy as np
from numpy.lib import format as npy_format

from deltaprop.errors import FormatError
from deltaprop.io._npymember import check_stored, invalid_as_format_error, read_member
from deltaprop.io.atomic import atomic_write
from deltaprop.io.regular import open_regular

__all__ = ["META_MAX_BYTES", "Expected", "read_npz", "require", "write_npz"]

#: largest metadata accepted, in bytes of UTF-8 JSON
META_MAX_BYTES = 1 << 20
#: for each array name, (exact shape, allowed dtype names such as "float32")
Expected = Mapping[str, tuple[tuple[int, ...], Collection[str]]]

_META = "__meta__"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def require(
    meta: Mapping[str, Any],
    key: str,
    kind: type | tuple[type, ...],
    what: str | None = None,
    check: Callable[[Any], bool] | None = None,
) -> Any:
    """Return ``meta[key]`` after checking its type (and optionally more); for ``expect``.

    Parameters
    ----------
    meta : mapping
        The parsed metadata.
    key : str
        The field.
    kind : type or tuple of types
        The JSON types allowed: ``int`` excludes ``bool``; ``float`` also admits ``int``.
    what : str, optional
        A description for the message, such as ``"a list of positive integers"``.
    check : callable, optional
        A further test of the value, returning True when it is acceptable.

    Returns
    -------
    Any
        The value.

    Raises
    ------
    deltaprop.errors.FormatError
        ``"metadata field 'sizes' must be a list of positive integers, got [784, -1]"``.
        :func:`read_npz` adds the file's name in front.

    Examples
    --------
    >>> require({"sizes": [4, 3, 2]}, "sizes", list)
    [4, 3, 2]
    >>> require({"sizes": "4,3,2"}, "sizes", list, "a list of positive integers")
    Traceback (most recent call last):
    ...
    deltaprop.errors.FormatError: metadata field 'sizes' must be a list of positive integers, ...
    """
    kinds = kind if isinstance(kind, tuple) else (kind,)
    description = what or "of type " + " or ".join(k.__name__ for k in kinds)
    if key not in meta:
        raise FormatError(f"metadata field {key!r} is missing; it must be {description}")
    value = meta[key]
    if float in kinds:
        kinds = (*kinds, int)
    type_ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
    if not type_ok or (check is not None and not check(value)):
        raise FormatError(f"metadata field {key!r} must be {description}, got {_preview(value)}")
    return value


def _preview(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _checked_arrays(arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The arrays as NumPy arrays, each name allowed, each dtype plain, each value finite."""
    if not isinstance(arrays, Mapping):
        raise TypeError(f"arrays must be a mapping of names to arrays, got {type(arrays).__name__}")
    checked: dict[str, np.ndarray] = {}
    for name, value in arrays.items():
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ValueError(
                f"array name {name!r} is not allowed: use letters, digits and '_.-', "
                "starting with a letter or digit"
            )
        array = np.asarray(value)
        if array.dtype.hasobject or array.dtype.fields is not None:
            raise TypeError(
                f"array {name!r} has dtype {array.dtype}; model files hold only plain "
                "numeric arrays (object and structured dtypes cannot be read back safely)"
            )
        if array.dtype.kind in "fc" and not np.isfinite(array).all():
            raise ValueError(f"array {name!r} contains NaN or inf; such a file would not load")
        checked[name] = array
    return checked


def _encoded_meta(meta: Mapping[str, Any]) -> np.ndarray:
    """``meta`` as the UTF-8 bytes of a JSON object, (n,) uint8, within META_MAX_BYTES."""
    if not isinstance(meta, Mapping) or not all(isinstance(k, str) for k in meta):
        raise TypeError(f"meta must be a mapping with string keys, got {_preview(meta)}")
    try:
        text = json.dumps(dict(meta), allow_nan=False, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"meta cannot be stored as JSON: {exc}") from exc
    encoded = text.encode("utf-8")
    if len(encoded) > META_MAX_BYTES:
        raise ValueError(f"meta is {len(encoded)} bytes as JSON; the limit is {META_MAX_BYTES}")
    return np.frombuffer(encoded, dtype=np.uint8)


def write_npz(
    path: str | os.PathLike[str], arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]
) -> None:
    """Write ``arrays`` and ``meta`` to an uncompressed ``.npz`` file, atomically.

    The file is written to a temporary file in the same directory, flushed, fsync'd and moved
    over ``path``; on any error the temporary file is removed and an existing ``path`` is
    left untouched.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write; its directory must exist.
    arrays : mapping of str to numpy.ndarray
        Names (letters, digits, ``_ . -``, not starting with ``_`` or a dot) to numeric
        arrays of any shape. Values must be finite, as :func:`read_npz` demands.
    meta : mapping of str to JSON-serialisable values
        Metadata, stored as JSON (at most :data:`META_MAX_BYTES` bytes).

    Raises
    ------
    TypeError
        If an array has an object or structured dtype, or ``meta`` is not serialisable.
    ValueError
        If a name is not allowed, an array holds NaN or inf, or ``meta`` is too large.

    Examples
    --------
    >>> write_npz("demo.npz", {"w_2": np.eye(2)}, {"format": "demo", "sizes": [2, 2]})
    >>> def expect(meta):                                # the arrays the metadata promises
    ...     n = require(meta, "sizes", list)[0]
    ...     return {"w_2": ((n, n), ("float64",))}
    >>> meta, arrays = read_npz("demo.npz", expect)
    >>> meta["format"], arrays["w_2"].shape
    ('demo', (2, 2))
    """
    checked = _checked_arrays(arrays)
    members = {_META: _encoded_meta(meta), **checked}
    with (
        atomic_write(path) as file,
        zipfile.ZipFile(file, mode="w", compression=zipfile.ZIP_STORED) as archive,
    ):
        for name, array in members.items():
            with archive.open(name + ".npy", mode="w", force_zip64=True) as member:
                npy_format.write_array(member, array, allow_pickle=False)


def _parse_meta(data: bytes, label: str) -> dict[str, Any]:
    def reject_constant(name: str) -> None:
        raise ValueError(f"{name} is not a finite number")

    def finite_float(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):  # 1e999 parses as inf
            raise ValueError(f"{text} is not a finite number")
        return value

    try:
        text = data.decode("utf-8")
        meta = json.loads(text, parse_constant=reject_constant, parse_float=finite_float)
    except (ValueError, RecursionError) as exc:  # includes UnicodeDecodeError, JSONDecodeError
        raise FormatError(f"{label}: metadata is not valid UTF-8 JSON ({exc})") from exc
    if not isinstance(meta, dict):
        raise FormatError(f"{label}: metadata must be a JSON object, got {type(meta).__name__}")
    return meta


def read_npz(
    path: str | os.PathLike[str], expect: Callable[[dict[str, Any]], Expected]
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read a file written by :func:`write_npz`, validating everything in it.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    expect : callable
        Called with the parsed metadata (a dict); returns, for every array the file must
        hold, ``name -> (shape, allowed dtype names)``, for instance
        ``{"w_2": ((30, 784), ("float32", "float64"))}``. It checks the metadata it relies
        on (see :func:`require`) and raises :class:`~deltaprop.errors.FormatError` if it is
        wrong; the file's name is added to that message.

    Returns
    -------
    meta : dict
        The metadata.
    arrays : dict of str to numpy.ndarray
        Exactly the arrays ``expect`` named, with the shapes it gave: writeable,
        C-contiguous, native byte order, all values finite.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    deltaprop.errors.FormatError
        If the file is not a regular file (a directory, FIFO or device), not a valid zip, a
        member is compressed, missing, unexpected, truncated, corrupt (CRC), of the wrong
        shape or dtype, holds NaN or inf, or the metadata is not a JSON object within
        :data:`META_MAX_BYTES` bytes. The message names the file.

    Examples
    --------
    >>> write_npz("demo.npz", {"w_2": np.eye(2)}, {"format": "demo", "sizes": [2, 2]})
    >>> def expect(meta):                                # the arrays the metadata promises
    ...     n = require(meta, "sizes", list)[0]
    ...     return {"w_2": ((n, n), ("float64",))}
    >>> meta, arrays = read_npz("demo.npz", expect)
    >>> arrays["w_2"]
    array([[1., 0.],
           [0., 1.]])
    """
    name = os.fspath(path)
    with open_regular(path) as file:  # a FIFO or /dev/zero: FormatError, never a hang
        size = os.fstat(file.fileno()).st_size
        with invalid_as_format_error(name, "not a valid .npz (zip) file, or truncated"):
            archive = zipfile.ZipFile(file)
        with archive:
            return _read_archive(archive, name, expect, size)


def _read_archive(
    archive: zipfile.ZipFile,
    name: str,
    expect: Callable[[dict[str, Any]], Expected],
    size: int,
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    members: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        stem = info.filename.removesuffix(".npy")
        if stem == info.filename or stem in members:
            what = "a member that is not a .npy file" if stem == info.filename else "duplicate"
            raise FormatError(f"{name}: {what} {info.filename!r}")
        check_stored(info, f"{name}: {info.filename}")
        members[stem] = info
    claimed = sum(info.file_size for info in members.values())
    if claimed > size:  # stored members cannot hold more than the file: overlapping entries
        raise FormatError(
            f"{name}: its zip entries claim {claimed} bytes in all, more than the file's "
            f"{size} (corrupt, or entries that overlap)"
        )
    if _META not in members:
        raise FormatError(f"{name}: no {_META}.npy member; this is not a deltaprop file")
    label = f"{name}: {_META}.npy"
    raw = read_member(archive, members.pop(_META), label, None, ("uint8",), META_MAX_BYTES, size)
    meta = _parse_meta(raw.tobytes(), label)
    try:
        expected = expect(meta)
    except FormatError as exc:
        raise FormatError(f"{name}: {exc}") from exc
    missing = sorted(set(expected) - set(members))
    extra = sorted(set(members) - set(expected))
    if missing or extra:
        parts = [f"missing array(s) {', '.join(missing)}"] if missing else []
        parts += [f"unexpected array(s) {', '.join(extra)}"] if extra else []
        raise FormatError(f"{name}: {'; '.join(parts)} (expected {', '.join(sorted(expected))})")
    arrays: dict[str, np.ndarray] = {}
    for key, (shape, dtypes) in expected.items():
        label = f"{name}: array {key!r}"
        array = read_member(archive, members[key], label, tuple(shape), dtypes, None, size)
        if array.dtype.kind in "fc" and not np.isfinite(array).all():
            bad = int(array.size - np.isfinite(array).sum())
            raise FormatError(f"{label} holds {bad} non-finite value(s) (NaN or inf)")
        arrays[key] = array
    return meta, arrays
