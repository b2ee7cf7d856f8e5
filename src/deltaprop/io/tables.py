"""One reader for the user's own data: ``.csv``, ``.npy`` and ``.npz`` tables of samples.

Rows are samples. A ``.csv`` file holds numbers separated by commas, with an optional header
line naming the columns (a first line with a cell that is not a number, unless that cell is
the class and the next row's class is a name too); a ``.npy`` file holds one 2-D numeric
array; a ``.npz`` file holds either arrays ``X`` (n, d) and ``y`` (n,), or one 2-D array. The
last column is the target, unless ``label`` names another (by its header name) or says there
is none. Targets are class labels or, for a network with a quadratic cost and an identity
output, real values.

Class labels are whole numbers 0, 1, 2, … or names ("setosa", "versicolor"; a ``.csv``
file's words, an ``.npz`` file's ``y`` of strings). The distinct names, sorted, are the
classes 0 … k − 1 (:attr:`Table.classes`), unless ``classes`` gives them (a trained
network's): then every name must be one of those, in their order. A class column mixing
names and numbers is refused, naming a cell of the rarer kind.

:func:`read_table` is what ``deltaprop train --data``, ``deltaprop predict``, ``deltaprop
evaluate --data`` and the explorer's upload all read with, so they share its :class:`Limits`
and its messages. Nothing in a file is trusted: a ``.npy`` header is checked against the
bytes that follow before any array is made (a header declaring 10¹² rows is refused at once),
nothing is unpickled, and every value is checked. A bad value is named by its row and column,
counted from 1 as a spreadsheet shows them (a ``.csv`` file's rows are its lines, the header
line included), in one :class:`~deltaprop.errors.FormatError` that says what to do.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from deltaprop.errors import FormatError
from deltaprop.io._labels import Targets, check_values, targets_of
from deltaprop.io._tableread import (
    LIMITS,
    Limits,
    NamesAt,
    Raw,
    check_size,
    read_csv,
    read_file,
    read_npy,
    read_npz,
)

__all__ = ["LIMITS", "Limits", "Table", "read_table"]


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
    classes : tuple of str, or None
        The name of each class, when the file names them: label i is ``classes[i]``.

    Examples
    --------
    >>> table = read_table("points.csv", b"x,y,class\\n0.5,1,0\\n2,-1,1\\n")
    >>> table.X.shape, table.y.tolist(), table.columns, table.classes
    ((2, 2), [0, 1], ('x', 'y'), None)
    >>> table = read_table("iris.csv", b"5.1,3.5,setosa\\n6.3,2.8,virginica\\n4.9,3,setosa\\n")
    >>> table.y.tolist(), table.classes, table.n_classes
    ([0, 1, 0], ('setosa', 'virginica'), 2)
    """

    X: np.ndarray
    y: np.ndarray | None
    name: str
    columns: tuple[str, ...] | None = None
    classes: tuple[str, ...] | None = None

    @property
    def n_classes(self) -> int:
        """The classes: as many as the names, or the largest label + 1; 0 for target values
        or none."""
        if self.classes is not None:
            return len(self.classes)
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
    classes: Sequence[str] | None = None,
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
        The target: ``"last"`` (the last column), a column name from the header line, or
        None (all columns are inputs, ``y`` is None). An ``.npz`` file's ``y`` is its target.
    targets : {"classes", "values"}, optional
        Class labels (whole numbers 0 … ``max_classes`` − 1, or names) or real values (a
        regression, for a quadratic cost with an identity output).
    inputs : int, optional
        The network's inputs: with ``label="last"``, a file of ``inputs`` columns has no
        target and one of ``inputs + 1`` has it last (what ``deltaprop predict`` reads).
    classes : sequence of str, optional
        The names of the classes 0, 1, … (a trained network's): the file's class names
        must be among them, and a class column of numbers is refused.
    limits : Limits, optional
        The largest file accepted.

    Returns
    -------
    Table
        ``X`` (n, d) float64, ``y`` (n,) or None, the header's names and the class names.

    Raises
    ------
    deltaprop.errors.FormatError
        A file that is not such a table, is beyond ``limits``, or holds a value that is not a
        finite number or a class that is not one (named by row and column).
    FileNotFoundError
        If ``source`` does not exist (and no ``content`` is given).

    Examples
    --------
    >>> table = read_table("train.csv", b"1.5,2,0\\n0,-3,2\\n")    # no header: last column
    >>> table.X.tolist(), table.y.tolist(), table.n_classes
    ([[1.5, 2.0], [0.0, -3.0]], [0, 2], 3)
    >>> read_table("train.csv", b"1,2,0\\n3,x,1\\n")
    Traceback (most recent call last):
    ...
    deltaprop.errors.FormatError: train.csv, row 2, column 2: 'x' is not a number; every cell ...
    """
    name = os.fspath(source)
    names_at = _names_at(label, inputs) if targets == "classes" else None
    raw = _read_raw(name, content, limits, names_at)
    return _split(name, raw, (label, targets, inputs, classes), limits)


def _names_at(label: str | None, inputs: int | None) -> NamesAt | None:
    """Where a class column of names may be: the target column, as :func:`_target_index`
    finds it (None: where there is no target column)."""
    if label is None:
        return None

    def at(header: tuple[str, ...] | None, width: int) -> int | None:
        if label == "last":
            fits = width >= 2 if inputs is None else width == inputs + 1
            return width - 1 if fits else None
        return header.index(label) if header is not None and label in header else None

    return at


def _read_raw(name: str, content: bytes | None, limits: Limits, names_at: NamesAt | None) -> Raw:
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
        return read_csv(name, content, limits, names_at)
    if kind == ".npy":
        return read_npy(name, content, limits)
    return read_npz(name, content, limits)


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
    name: str,
    raw: Raw,
    options: tuple[str | None, Targets, int | None, Sequence[str] | None],
    limits: Limits,
) -> Table:
    """The inputs and the target column, taken apart and checked."""
    label, targets, inputs, classes = options
    index = None if raw.y is not None or label is None else _target_index(name, raw, label, inputs)
    labels = targets == "classes" and index is not None
    check_values(name, raw, raw.values, limits, skip=index if labels and index is not None else -1)
    X, header, y = raw.values, raw.header, raw.y
    if index is not None:
        y = raw.values[:, index]
        X = np.delete(raw.values, index, axis=1)
        header = None if header is None else header[:index] + header[index + 1 :]
    if inputs is not None and X.shape[1] != inputs:
        raise FormatError(f"{name}: {X.shape[1]} input columns, but the network takes {inputs}")
    X = np.ascontiguousarray(X)
    if y is None:
        return Table(X, None, name, header)
    where, cells = name, raw
    if raw.y is not None:  # an .npz file's y: its own rows, one column
        where, cells, index = f"{name}[y]", Raw(y[:, None], None, names=raw.names), 0
        if raw.names is None:
            check_values(where, cells, cells.values, limits, skip=0 if targets == "classes" else -1)
    y, names = targets_of(where, cells, y, index or 0, targets, classes, limits)
    return Table(X, y, name, header, names)
