"""Checks on user input, done once at the boundary, with messages that say how to fix it."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np


def check_sizes(sizes: Any) -> tuple[int, ...]:
    """``sizes`` as a tuple of positive ints with at least two layers."""
    try:
        items = list(sizes)
    except TypeError:
        raise ValueError(
            f"sizes must be a sequence of layer widths such as [784, 30, 10], got {sizes!r}"
        ) from None
    if len(items) < 2:
        raise ValueError(
            f"sizes needs at least two layers (input and output), e.g. [784, 30, 10]; got {items!r}"
        )
    out = []
    for i, n in enumerate(items):
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n <= 0:
            raise ValueError(
                f"sizes[{i}] must be a positive integer (neurons in layer {i + 1}), got {n!r}"
            )
        out.append(int(n))
    return tuple(out)


def check_positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_positive_float(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return value


def check_nonnegative_float(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number ≥ 0, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number ≥ 0, got {value!r}")
    return value


def check_fraction(name: str, value: Any) -> float:
    """A number in [0, 1): a probability such as the dropout rate, or a decay rate."""
    value = check_nonnegative_float(name, value)
    if value >= 1:
        raise ValueError(f"{name} must be at least 0 and below 1, got {value!r}")
    return value


def check_seed(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be None or a non-negative integer, got {value!r}")
    return int(value)


def check_dtype(dtype: Any) -> str:
    name = np.dtype(dtype).name if _is_dtype_like(dtype) else None
    if name not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    return name


def _is_dtype_like(dtype: Any) -> bool:
    try:
        np.dtype(dtype)
    except TypeError:
        return False
    return True


def check_inputs(X: Any, n_in: int, dtype: str, name: str = "X") -> np.ndarray:
    """X as a C-contiguous (n, n_in) array of ``dtype`` with finite values.

    Converts only when needed: an X that already has the right dtype and layout is not copied.
    """
    try:
        arr = np.asarray(X)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} must be a 2-D array of numbers: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold numbers, got an array of dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D with one sample per row, shape (n_samples, {n_in}); "
            f"got shape {arr.shape}"
            + ("; use X.reshape(1, -1) for a single sample" if arr.ndim == 1 else "")
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty (0 samples); give at least one row")
    if arr.shape[1] != n_in:
        raise ValueError(
            f"{name} has {arr.shape[1]} columns but the network's input layer has {n_in} "
            f"neurons (sizes[0]); reshape the data or build the network with sizes[0] = "
            f"{arr.shape[1]}"
        )
    with np.errstate(over="ignore"):  # too large for float32: said below
        converted = np.ascontiguousarray(arr, dtype=dtype)
    if not np.isfinite(converted).all():
        raise ValueError(_non_finite(arr, dtype, name))
    return converted


def _non_finite(original: np.ndarray, dtype: str, name: str) -> str:
    """Why converting ``original`` to ``dtype`` gave NaN or inf: it held them, or it held
    numbers too large for ``dtype``."""
    with np.errstate(over="ignore"):
        converted = original.astype(dtype)
    bad = np.argwhere(~np.isfinite(converted))[0]
    where = f"row {int(bad[0])}"
    value = original[tuple(bad)]
    if np.isfinite(value):
        largest = float(np.finfo(dtype).max)
        return (
            f"{name} holds {float(value):g} ({where}), too large for {dtype} (largest "
            f"{largest:.3g}): scale the data, or use dtype='float64'"
        )
    return f"{name} holds non-finite values (NaN or inf), first in {where}"


def check_targets(
    y: Any,
    n_samples: int,
    n_out: int,
    dtype: str,
    *,
    softmax: bool = False,
    name: str = "y",
    probabilities: bool = False,
) -> np.ndarray:
    """Targets as an (n, n_out) array of ``dtype``: class labels are one-hot encoded.

    A 1-D ``y`` holds class labels 0 … n_out − 1 when the network has several outputs, and the
    target value when it has one; a 2-D ``y`` holds the targets a^L should reach. With
    ``probabilities`` (the cross-entropy costs) every target must lie in [0, 1].
    """
    try:
        arr = np.asarray(y)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} must be an array of labels or targets: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise ValueError(
            f"{name} must hold numbers (class labels 0 … {n_out - 1} or target values), "
            f"got dtype {arr.dtype}"
        )
    if arr.ndim == 0 or arr.ndim > 2:
        raise ValueError(
            f"{name} must be 1-D labels of shape ({n_samples},) or 2-D targets of shape "
            f"({n_samples}, {n_out}); got shape {arr.shape}"
        )
    if arr.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {arr.shape[0]} rows but X has {n_samples}; give one label or target "
            f"row per sample"
        )
    if arr.ndim == 1 and n_out == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim == 1:
        return one_hot(check_labels(arr, n_out, name), n_out, dtype)
    if arr.shape[1] != n_out:
        raise ValueError(
            f"{name} has {arr.shape[1]} columns but the network has {n_out} outputs "
            f"(sizes[-1]); give targets of shape ({n_samples}, {n_out}) or 1-D class labels"
        )
    with np.errstate(over="ignore"):
        out = np.ascontiguousarray(arr, dtype=dtype)
    if not np.isfinite(out).all():
        raise ValueError(_non_finite(arr, dtype, name))
    if probabilities:
        outside = np.argwhere((out < 0) | (out > 1))
        if outside.size:
            row, column = (int(i) for i in outside[0])
            raise ValueError(
                f"{name}[{row}, {column}] = {out[row, column]:g}: the cross-entropy cost needs "
                "targets in [0, 1] (outside it the cost can be negative); give class labels, "
                "one-hot rows or probabilities, or use cost='quadratic' for other targets"
            )
    if softmax:
        sums = out.sum(axis=1)
        bad = np.flatnonzero(np.abs(sums - 1) > 1e-3)
        if bad.size:
            raise ValueError(
                f"with softmax outputs each target row must sum to 1 (one-hot labels or "
                f"probabilities); row {int(bad[0])} of {name} sums to {float(sums[bad[0]]):g}"
            )
    return out


def check_labels(y: np.ndarray, n_classes: int, name: str = "y") -> np.ndarray:
    """1-D integer class labels in 0 … n_classes − 1, as int64."""
    if y.dtype.kind == "f" and not (np.isfinite(y).all() and np.array_equal(y, np.round(y))):
        raise ValueError(
            f"{name} holds non-integer values; 1-D {name} must be class labels 0 … {n_classes - 1}"
        )
    bad = np.flatnonzero((y < 0) | (y >= n_classes))  # before converting: 1e20 overflows int64
    if bad.size:
        raise ValueError(
            f"{name}[{int(bad[0])}] = {y[bad[0]].item():g} is outside the output range: the "
            f"network has {n_classes} outputs, so labels must be 0 … {n_classes - 1}"
        )
    return y.astype(np.int64)


def one_hot(labels: np.ndarray, n_classes: int, dtype: str) -> np.ndarray:
    """(n,) int labels → (n, n_classes) rows with a single 1."""
    out = np.zeros((labels.shape[0], n_classes), dtype=dtype)
    out[np.arange(labels.shape[0]), labels] = 1
    return out
