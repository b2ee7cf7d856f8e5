"""One reader for the user's own data: ``.csv``, ``.npy`` and ``.npz`` tables of samples.

Rows are samples. A ``.csv`` file holds numbers separated by commas, with an optional header
line naming the columns (a first line with a cell that is not a number); a ``.npy`` file holds
one 2-D numeric array; a ``.npz`` file holds either arrays ``X`` (n, d) and ``y`` (n,), or one
2-D array. The last column is the target, unless ``label`` names another (by its header name)
or says there is none. Targets are class labels (whole numbers 0, 1, 2, …) or, for a network
with a quadratic cost and an identity output, real values.

:func:`read_table` is what ``deltaprop train --data``, ``deltaprop predict``, ``deltaprop
evaluate --data`` and the explorer's upload all read with, so they share its :class:`Limits`
and its messages. Nothing in a file is trusted: a ``.npy`` header is checked against the
bytes that follow before any array is made (a header declaring 10¹² rows is refused at once),
nothing is unpickled, and every value is checked. A bad value is named by its row and column,
counted from 1 as a spreadsheet shows them (a ``.csv`` file's rows are its lines, the header
line included), in one :class:`~deltaprop.errors.FormatError` that says what to do.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Literal

import numpy as np

from deltaprop.errors import FormatError
from deltaprop.io._tableread import (
    LIMITS,
    Limits,
    Raw,
    check_size,
    read_csv,
    read_file,
    read_npy,
    read_npz,
)

__all__ = ["LIMITS", "Limits", "Table", "read_table"]

Targets = Literal["classes", "values"]


@dataclass(frozen=True)
class Table:
    """The samples of a file: inputs, and the targets when the file has them.

    Attributes
    ----------
    X : numpy.ndarray of float64, shape (n, d)
        One sample per row.
    y : numpy.ndarray, shape (n,), or None
        int64 class labels, or float64 target values; None when the file has no target.
    name : str
        The file's name, for messages.
    columns : tuple of str, or None
        The names of X's columns, from a ``.csv`` header line (None without one).

    Examples
    --------
    >>> table = read_table("points.csv", b"x,y,class\\n0.5,1,0\\n2,-1,1\\n")
    >>> table.X.shape, table.y.tolist(), table.columns
    ((2, 2), [0, 1], ('x', 'y'))
    """

    X: np.ndarray
    y: np.ndarray | None
    name: str
    columns: tuple[str, ...] | None = None

    @property
    def n_classes(self) -> int:
        """The classes the labels reach (largest + 1); 0 for target values or none."""
        if self.y is None or self.y.dtype.kind != "i" or not self.y.size:
            return 0
        return int(self.y.max()) + 1


def read_table(
    source: str | os.PathLike[str],
    content: bytes | None = None,
    *,
    label: str | None = "last",
    targets: Targets = "classes",
    inputs: int | None = None,
    limits: Limits = LIMITS,
) -> Table:
    """Read samples from a ``.csv``, ``.npy`` or ``.npz`` file (see the module documentation).

    Parameters
    ----------
    source : str or os.PathLike
        The file's path, or, with ``content``, its name (whose ending says its format).
    content : bytes, optional
        The file's bytes (an upload), instead of reading ``source``.
    label : str or None, optional
        ``"last"``: the last column is the target; a column name from the header line: that
        column is; None: no column is (all are inputs, ``y`` is None). An ``.npz`` file with
        an array ``y`` has its target there.
    targets : {"classes", "values"}, optional
        Whether the target holds class labels (whole numbers 0 … ``max_classes`` − 1) or real
        values (a regression, for a quadratic cost with an identity output).
    inputs : int, optional
        The inputs of the network the data are for: then, with ``label="last"``, a file of
        ``inputs`` columns has no target and one of ``inputs + 1`` columns has it last (what
        ``deltaprop predict`` reads); any other width is refused.
    limits : Limits, optional
        The largest file accepted.

    Returns
    -------
    Table
        ``X`` (n, d) float64, ``y`` (n,) or None, the name and the header's column names.

    Raises
    ------
    deltaprop.errors.FormatError
        A file that is not such a table, is beyond ``limits``, or holds a value that is not a
        finite number (named by row and column), or a class label that is not one.
    FileNotFoundError
        If ``source`` does not exist (and no ``content`` is given).

    Examples
    --------
    >>> table = read_table("train.csv", b"1.5,2,0\\n0,-3,2\\n")    # no header: last column
    >>> table.X.tolist(), table.y.tolist(), table.n_classes
    ([[1.5, 2.0], [0.0, -3.0]], [0, 2], 3)
    >>> read_table("train.csv", b"1,2\\n3,x\\n")
    Traceback (most recent call last):
    ...
    deltaprop.errors.FormatError: train.csv, row 2, column 2: 'x' is not a number; every cell ...
    """
    name = os.fspath(source)
    raw = _read_raw(name, content, limits)
    return _split(name, raw, label, targets, inputs, limits)


def _read_raw(name: str, content: bytes | None, limits: Limits) -> Raw:
    """The file's values (read from ``name`` unless ``content`` is given), by its ending."""
    kind = os.path.splitext(name)[1].lower()
    if kind not in (".csv", ".npy", ".npz"):
        raise FormatError(
            f"{name}: give a .csv, .npy or .npz file (rows are samples, the last column the "
            "class), not a file ending in " + (repr(kind) if kind else "nothing")
        )
    if content is None:
        content = read_file(name, limits)
    check_size(name, len(content), limits)
    if kind == ".csv":
        return read_csv(name, content, limits)
    if kind == ".npy":
        return read_npy(name, content, limits)
    return read_npz(name, content, limits)


def _cell(name: str, raw: Raw, row: int, column: int) -> str:
    """``"train.csv, row 7, column 3 ('width')"``: 1-based, a .csv file's line numbers."""
    line = int(raw.lines[row]) if raw.lines is not None else row + 1
    named = f" ({raw.header[column]!r})" if raw.header and column < len(raw.header) else ""
    return f"{name}, row {line}, column {column + 1}{named}"


def _check_values(name: str, raw: Raw, values: np.ndarray, limits: Limits, skip: int = -1) -> None:
    """Every value finite and within ``max_abs``, or the first that is not, named (column
    ``skip``, the class column, is checked as classes instead)."""
    with np.errstate(invalid="ignore"):
        bad = ~(np.abs(values) <= limits.max_abs)  # NaN compares False: bad too
    if skip >= 0:
        bad[:, skip] = False
    if not bad.any():
        return
    row, column = (int(i) for i in np.argwhere(bad)[0])
    value = float(values[row, column])
    where = _cell(name, raw, row, column)
    if not math.isfinite(value):
        raise FormatError(
            f"{where}: {value} is not a finite number; fill in or drop the missing or "
            "infinite values first"
        )
    raise FormatError(
        f"{where}: {value:g} is larger in magnitude than {limits.max_abs:g}, beyond what a "
        "network computes with; scale the column first (subtract its mean, divide by its "
        "standard deviation)"
    )


def _classes(name: str, raw: Raw, column: np.ndarray, index: int, limits: Limits) -> np.ndarray:
    """The class column as int64 labels 0 … max_classes − 1, or the first bad one named."""
    bad = np.flatnonzero(
        (column != np.round(column)) | (column < 0) | (column >= limits.max_classes)
    )
    if bad.size:
        value = float(column[bad[0]])
        raise FormatError(
            f"{_cell(name, raw, int(bad[0]), index)}: {value:g} is not a class label; the class "
            f"column must hold whole numbers 0, 1, 2, … below {limits.max_classes} (real-valued "
            "targets are read as such for a quadratic cost with an identity output)"
        )
    return column.astype(np.int64)


def _target_index(name: str, raw: Raw, label: str, inputs: int | None) -> int | None:
    """Which column is the target: the last, the one named, or none."""
    width = raw.values.shape[1]
    if inputs is not None and label == "last" and width in (inputs, inputs + 1):
        return None if width == inputs else width - 1
    if inputs is not None and label == "last":
        raise FormatError(
            f"{name}: {width} columns, but the network takes {inputs} inputs; "
            f"give {inputs} columns, or {inputs + 1} with the class last"
        )
    if label == "last":
        if width < 2:
            raise FormatError(f"{name}: one column; give the inputs and then the class")
        return width - 1
    if raw.header is None:
        raise FormatError(
            f"{name}: no header line names the columns, so the label {label!r} "
            "cannot be found; add a header line, or leave the class last"
        )
    if label not in raw.header:
        raise FormatError(
            f"{name}: no column is named {label!r}; the header names "
            f"{', '.join(map(repr, raw.header))}"
        )
    return raw.header.index(label)


def _split(
    name: str, raw: Raw, label: str | None, targets: Targets, inputs: int | None, limits: Limits
) -> Table:
    """The inputs and the target column, taken apart and checked."""
    index = None if raw.y is not None or label is None else _target_index(name, raw, label, inputs)
    classes = targets == "classes" and index is not None
    _check_values(
        name, raw, raw.values, limits, skip=index if classes and index is not None else -1
    )
    X, header, y = raw.values, raw.header, raw.y
    if index is not None:
        y = raw.values[:, index]
        X = np.delete(raw.values, index, axis=1)
        header = None if header is None else header[:index] + header[index + 1 :]
    if inputs is not None and X.shape[1] != inputs:
        raise FormatError(f"{name}: {X.shape[1]} input columns, but the network takes {inputs}")
    if y is not None and raw.y is not None:  # an .npz file's y: its own rows, one column
        raw, index = Raw(y[:, None], None), 0
        name = f"{name}[y]"
        _check_values(name, raw, raw.values, limits, skip=0 if targets == "classes" else -1)
    if y is not None and targets == "classes":
        y = _classes(name, raw, y, index or 0, limits)
    return Table(np.ascontiguousarray(X), y, name.removesuffix("[y]"), header)
