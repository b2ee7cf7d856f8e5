"""How :mod:`deltaprop.io.tables` checks a table's values and reads its target column: real
values, class labels 0 … k − 1, or class names mapped to those labels."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np

from deltaprop.errors import FormatError
from deltaprop.io._tableread import Limits, Raw, is_number

Targets = Literal["classes", "values"]


def locate(name: str, raw: Raw, row: int, column: int) -> str:
    """``"train.csv, row 7, column 3 ('width')"``: 1-based, a .csv file's line numbers."""
    line = int(raw.lines[row]) if raw.lines is not None else row + 1
    named = f" ({raw.header[column]!r})" if raw.header and column < len(raw.header) else ""
    return f"{name}, row {line}, column {column + 1}{named}"


def check_values(name: str, raw: Raw, values: np.ndarray, limits: Limits, skip: int = -1) -> None:
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
    where = locate(name, raw, row, column)
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
            f"{locate(name, raw, int(bad[0]), index)}: {value:g} is not a class label; the class "
            f"column must hold whole numbers 0, 1, 2, … below {limits.max_classes} (real-valued "
            "targets are read as such for a quadratic cost with an identity output)"
        )
    return column.astype(np.int64)


def targets_of(
    name: str,
    raw: Raw,
    y: np.ndarray,
    index: int,
    targets: Targets,
    classes: Sequence[str] | None,
    limits: Limits,
) -> tuple[np.ndarray, tuple[str, ...] | None]:
    """The target column (column ``index`` of ``raw``) as values, labels, or labels and the
    names of the classes."""
    if targets == "values":
        if raw.names is not None:
            raise FormatError(
                f"{name}: the targets are names ({_listing(raw.names)}); real-valued targets "
                "(a quadratic cost with an identity output) must be numbers"
            )
        return y, None
    if raw.names is not None:
        return _named(name, raw, y.astype(np.int64), index, classes, limits)
    if classes is not None:
        raise FormatError(
            f"{name}: the class column holds numbers, but the classes have names "
            f"({_listing(classes)}); give each row's class by its name"
        )
    return _classes(name, raw, y, index, limits), None


def _named(
    name: str,
    raw: Raw,
    codes: np.ndarray,
    index: int,
    classes: Sequence[str] | None,
    limits: Limits,
) -> tuple[np.ndarray, tuple[str, ...]]:
    """A class column of names (``codes`` (n,) index ``raw.names``) as int64 labels: the
    names' positions in ``classes``, or in the sorted distinct names."""
    names = raw.names or ()
    first = np.unique(codes, return_index=True)[1]  # the first row of each name
    _check_names(name, raw, codes, first, index, limits)
    known = tuple(sorted(names)) if classes is None else tuple(classes)
    if len(known) > limits.max_classes:
        raise FormatError(
            f"{name}, column {index + 1}: {len(known):,} different class names, more than "
            f"the {limits.max_classes:,} allowed; is column {index + 1} the class?"
        )
    position = {n: i for i, n in enumerate(known)}
    unknown = [k for k, n in enumerate(names) if n not in position]
    if unknown:
        k = min(unknown, key=lambda k: first[k])
        raise FormatError(
            f"{locate(name, raw, int(first[k]), index)}: {names[k]!r} is not one of the classes "
            f"{_listing(known)}; give one of them (names are case-sensitive)"
        )
    return np.array([position[n] for n in names], dtype=np.int64)[codes], known


def _check_names(
    name: str, raw: Raw, codes: np.ndarray, first: np.ndarray, index: int, limits: Limits
) -> None:
    """Every class a name (none empty, too long or unprintable, and no number among names),
    or the first row whose class is not, named."""
    names = raw.names or ()
    number = np.array([is_number(n) for n in names], dtype=bool)  # (k,)
    named = ~number & np.array([bool(n) for n in names], dtype=bool)  # (k,) an empty is neither
    rows = np.bincount(codes, minlength=len(names))  # (k,) the rows of each name
    n_number, n_named = int(rows[number].sum()), int(rows[named].sum())
    rare = named if n_named <= n_number else number  # the kind to name in a mixed column
    for k in map(int, np.argsort(first, kind="stable")):  # in the order of the rows
        text, problem = names[k], ""
        if not text:
            problem = "the class is empty; give every row its class"
        elif rare[k]:
            kind, most = ("a number", "names") if number[k] else ("a name", "numbers")
            problem = (
                f"{text!r} is {kind}, but {max(n_number, n_named)} of the {codes.size} rows "
                f"give their class as {most}; give every class as a name, or every class as "
                "a number"
            )
        elif len(text) > limits.max_name:
            problem = (
                f"a class name of {len(text)} characters ({text[:20]!r}…), more than the "
                f"{limits.max_name} allowed; is column {index + 1} the class?"
            )
        elif not text.isprintable():
            problem = f"the class name {text!r} holds a character that cannot be printed"
        if problem:
            raise FormatError(f"{locate(name, raw, int(first[k]), index)}: {problem}")


def _listing(names: Sequence[str], most: int = 8) -> str:
    """``"'setosa', 'versicolor', 'virginica'"``, cut after ``most`` names."""
    shown = ", ".join(map(repr, names[:most]))
    return shown if len(names) <= most else f"{shown}, … ({len(names)} in all)"
