"""How :mod:`deltaprop.io.tables` reads each format: ``.csv`` text, a ``.npy`` array and an
``.npz`` archive, each into a :class:`Raw` table of float64 values within :class:`Limits`."""

from __future__ import annotations

import csv
import io
import math
import os
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from deltaprop.errors import FormatError
from deltaprop.io._npymember import check_stored, invalid_as_format_error, read_header
from deltaprop.io.regular import open_regular

_NUMERIC = "biuf"  # bool, signed and unsigned integers, floats


@dataclass(frozen=True)
class Limits:
    """What :func:`~deltaprop.io.tables.read_table` accepts at most; a file beyond any of
    them is refused.

    Attributes
    ----------
    max_bytes : int
        The file's size in bytes.
    max_rows : int
        Samples (rows of data, the header line not counted).
    max_columns : int
        Columns, the target's included.
    max_classes : int
        Class labels are whole numbers 0 … ``max_classes`` − 1 (or that many names).
    max_name : int
        The longest class name, in characters.
    max_abs : float
        The largest magnitude of a value: beyond it a float32 network's weighted inputs
        overflow, so the column needs scaling first.

    Examples
    --------
    >>> Limits(max_rows=200_000, max_classes=100).max_classes
    100
    """

    max_bytes: int = 4 << 30
    max_rows: int = 10_000_000
    max_columns: int = 100_000
    max_classes: int = 1000
    max_name: int = 100
    max_abs: float = 1e15


LIMITS = Limits()
"""The limits of the command line: a file of up to 4 GiB, 10 million rows, 100,000 columns,
1000 classes (names of up to 100 characters), values up to 1e15 in magnitude."""


@dataclass(frozen=True)
class Raw:
    """A file's values before the target is taken out: (n, d) float64, the header's names,
    and the line of each row (a .csv file's header and blank lines shift its numbers).

    When the class column holds names, ``names`` are its distinct strings (stripped) and the
    column's values (or ``y``'s, for an .npz file) are indices into them."""

    values: np.ndarray
    header: tuple[str, ...] | None
    lines: np.ndarray | None = None  # (n,) the 1-based line of each row of a .csv file
    y: np.ndarray | None = None  # an .npz file's own y array, (n,)
    names: tuple[str, ...] | None = None


#: (header or None, width) -> the column that may hold class names, or None (no such column)
NamesAt = Callable[[tuple[str, ...] | None, int], int | None]
#: column -> how its cells become numbers (NumPy's loadtxt's converters)
Converters = Mapping[int | str, Callable[[str], float]]


def mib(n_bytes: int) -> str:
    """Bytes in MiB, for messages."""
    return f"{n_bytes / 2**20:.1f} MiB"


def check_size(name: str, size: int, limits: Limits) -> None:
    """Refuse a file of more than ``limits.max_bytes``."""
    if size > limits.max_bytes:
        raise FormatError(
            f"{name}: {mib(size)}, more than the {mib(limits.max_bytes)} allowed; give a "
            "smaller file"
        )


def read_file(name: str, limits: Limits) -> bytes:
    """The bytes of the regular file ``name``, refused beyond ``limits.max_bytes``."""
    with open_regular(name) as file:
        check_size(name, os.fstat(file.fileno()).st_size, limits)
        return file.read(limits.max_bytes + 1)


def check_shape(name: str, shape: tuple[int, ...], limits: Limits) -> None:
    """A 2-D table of 1 … max_rows rows and 1 … max_columns columns."""
    if len(shape) != 2:
        raise FormatError(
            f"{name}: an array of shape {shape}; give a 2-D array, one sample per row "
            "(reshape it to (n_samples, n_columns))"
        )
    rows, columns = shape
    if not 1 <= rows <= limits.max_rows:
        raise FormatError(f"{name}: {rows:,} rows; give 1 … {limits.max_rows:,} samples")
    if not 1 <= columns <= limits.max_columns:
        raise FormatError(f"{name}: {columns:,} columns; give 1 … {limits.max_columns:,}")


def _array(name: str, stream: IO[bytes], size: int, limits: Limits, column: bool) -> np.ndarray:
    """The numeric array of a .npy stream of ``size`` bytes, its header checked against the
    bytes that follow before anything is allocated; ``column``: (n,) read as (n, 1), and
    strings (class names) allowed."""
    shape, fortran, dtype = read_header(stream, name)
    if dtype.kind not in _NUMERIC and not (column and dtype.kind == "U"):
        also = " or, for y, strings (class names)" if column else ""
        raise FormatError(
            f"{name}: dtype {dtype}; give an array of numbers (bool, integers or floats){also}"
        )
    if column and len(shape) == 1:
        shape = (shape[0], 1)
    check_shape(name, shape, limits)
    if column and shape[1] != 1:
        raise FormatError(f"{name}: shape {shape}; give y as one number per sample")
    nbytes = math.prod(shape) * dtype.itemsize
    stored = size - stream.tell()
    if nbytes != stored:
        raise FormatError(
            f"{name}: its header declares shape {shape} of {dtype} ({nbytes:,} bytes) but "
            f"{stored:,} bytes follow; the file is truncated or corrupt"
        )
    data = stream.read(nbytes)
    array = np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")
    return array.astype(np.str_ if dtype.kind == "U" else np.float64, order="C")


def read_npy(name: str, content: bytes, limits: Limits) -> Raw:
    """A .npy file's 2-D numeric array."""
    with invalid_as_format_error(name, "not a readable .npy array"):
        return Raw(_array(name, io.BytesIO(content), len(content), limits, column=False), None)


def read_npz(name: str, content: bytes, limits: Limits) -> Raw:
    """An .npz archive's arrays X and y, or its one 2-D array (members stored, not
    compressed, so that none can expand beyond the file)."""
    with invalid_as_format_error(name, "not a readable .npz archive"):
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = {info.filename.removesuffix(".npy"): info for info in archive.infolist()}
    if set(members) not in ({"X", "y"}, {"X"}) and len(members) != 1:
        raise FormatError(
            f"{name}: holds arrays {sorted(members)}; give an .npz with arrays X (samples × "
            "features) and y (targets), or with one 2-D array"
        )
    arrays = {}
    for key, info in members.items():
        label = f"{name}[{key}]"
        if info.flag_bits & 0x1:
            raise FormatError(
                f"{label}: an encrypted zip member; give an .npz that numpy.savez wrote"
            )
        check_stored(info, label)
        if info.file_size > len(content):
            raise FormatError(f"{label}: declares {info.file_size:,} bytes, more than the file")
        with invalid_as_format_error(label), archive.open(info) as member:
            arrays[key] = _array(label, member, info.file_size, limits, column=key == "y")
    y = arrays.pop("y", None)
    if not arrays:
        raise FormatError(
            f"{name}: holds y only; give an .npz with arrays X (samples × features) and y (targets)"
        )
    X = next(iter(arrays.values()))
    if y is not None and y.shape[0] != X.shape[0]:
        raise FormatError(
            f"{name}: X has {X.shape[0]} rows but y has {y.shape[0]}; give one target per sample"
        )
    if y is not None and y.dtype.kind == "U":  # class names: their indices, sorted
        names, codes = np.unique(np.char.strip(y[:, 0]), return_inverse=True)
        return Raw(X, None, y=codes.astype(np.float64), names=tuple(names.tolist()))
    return Raw(X, None, y=None if y is None else y[:, 0])


def _text(name: str, content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(
            f"{name}: not UTF-8 text (byte 0x{content[exc.start]:02x} at offset {exc.start}); "
            "save it as a UTF-8 .csv file"
        ) from None


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_csv(name: str, content: bytes, limits: Limits, names_at: NamesAt | None = None) -> Raw:
    """A .csv file's numbers, its header line's names, and the line of each row;
    ``names_at`` says which column may hold class names instead of numbers."""
    lines = _text(name, content).splitlines()
    kept = [i for i, line in enumerate(lines) if line.strip()]  # blank lines are skipped
    if not kept:
        raise FormatError(f"{name}: no rows; give one sample per line, the class last")
    first = next(csv.reader([lines[kept[0]]]))
    second = lines[kept[1]] if len(kept) > 1 else None
    header = None
    if _is_header(first, second, None if names_at is None else names_at(None, len(first))):
        header, kept = tuple(cell.strip() for cell in first), kept[1:]
    if not kept:
        raise FormatError(f"{name}: a header line and no rows; give one sample per line")
    width = len(header or first)
    check_shape(name, (len(kept), width), limits)
    rows = [lines[i] for i in kept]
    column = None if names_at is None else names_at(header, width)
    values, names = _parse_csv(name, rows, kept, header or (), column)
    if values.shape[1] != width:
        raise FormatError(
            f"{name}: the header line names {width} columns but the rows have "
            f"{values.shape[1]}; give one name per column"
        )
    return Raw(values, header, np.asarray(kept) + 1, names=names)


def _is_header(first: list[str], second: str | None, names_column: int | None) -> bool:
    """Whether the first line names the columns: it has a cell that is not a number, unless
    that cell is the class (``names_column``) and the next row's class is a name too."""
    words = [j for j, cell in enumerate(first) if not is_number(cell)]
    if words != [names_column] or names_column is None:
        return bool(words)
    if second is None:  # one line, the class a name: a row of data
        return False
    cells = next(csv.reader([second]))
    return len(cells) > names_column and is_number(cells[names_column])


def _parse_csv(
    name: str, rows: list[str], lines: list[int], header: tuple[str, ...], column: int | None
) -> tuple[np.ndarray, tuple[str, ...] | None]:
    """The rows as (n, d) float64 and, when the class ``column`` holds names, its distinct
    names (in the order they first appear; the column holds their indices)."""
    try:  # NumPy's parser, fast; on any trouble, the slow one finds the cell
        return _loadtxt(rows), None
    except ValueError:
        if column is None:
            return _slow_csv(name, rows, lines, header), None
    seen: dict[str, int] = {}

    def index(cell: str) -> float:
        return float(seen.setdefault(cell.strip(), len(seen)))

    converters: Converters = {column: index}
    try:
        values = _loadtxt(rows, converters)
    except ValueError:
        seen.clear()
        values = _slow_csv(name, rows, lines, header, converters)
    names = tuple(seen)
    if all(is_number(cell) for cell in names):  # numbers NumPy's parser did not take
        values[:, column] = np.array([float(cell) for cell in names])[values[:, column].astype(int)]
        return values, None
    return values, names


def _loadtxt(rows: list[str], converters: Converters | None = None) -> Any:
    """NumPy's parser: (n, d) float64, or ValueError."""
    return np.loadtxt(
        rows,
        delimiter=",",
        dtype=np.float64,
        ndmin=2,
        comments=None,
        quotechar='"',
        converters=converters,
    )


def _slow_csv(
    name: str,
    rows: list[str],
    lines: list[int],
    header: tuple[str, ...],
    converters: Converters | None = None,
) -> np.ndarray:
    """The rows parsed cell by cell, naming the first cell that is not a number (the columns
    of ``converters``, a class column of names, are converted by them instead)."""
    convert = converters or {}
    table: list[list[float]] = []
    width = len(header) or len(next(csv.reader(rows[:1])))
    for row, line in zip(csv.reader(rows), lines):
        if len(row) != width:
            raise FormatError(
                f"{name}, row {line + 1}: {len(row)} columns, but the first row has {width}; "
                "give every row the same columns"
            )
        try:
            table.append([convert[j](c) if j in convert else float(c) for j, c in enumerate(row)])
        except ValueError:
            column = next(j for j, c in enumerate(row) if j not in convert and not is_number(c))
            named = f" ({header[column]!r})" if header else ""
            raise FormatError(
                f"{name}, row {line + 1}, column {column + 1}{named}: {row[column][:40]!r} is "
                "not a number; every cell must be a number (one header line may name the columns)"
            ) from None
    return np.array(table, dtype=np.float64)
