"""The small 8x8 digits data set, shipped inside the package and split like MNIST.

1797 images of 8x8 pixels with values 0-16: the test part of the UCI "Optical Recognition of
Handwritten Digits" data set (Alpaydin and Kaynak, 1998, https://doi.org/10.24432/C50P49,
CC BY 4.0), the same file scikit-learn distributes for its ``load_digits``. deltaprop ships it
in ``deltaprop/io/data/digits.csv.gz`` (57 KB; its README says where it comes from) and reads
it with NumPy alone, so a quick run needs no network and no other library.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.resources

import numpy as np
from numpy.typing import DTypeLike

from deltaprop.errors import FormatError
from deltaprop.io.mnist import MNIST, float_dtype

__all__ = ["DIGITS_SHA256", "load_digits"]

N_SAMPLES = 1797
#: the SHA-256 of the shipped ``digits.csv.gz``, checked when it is read
DIGITS_SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
_FILE = "digits.csv.gz"
_CACHE: list[np.ndarray] = []  # the (1797, 65) uint8 table, read once per process


def _table() -> np.ndarray:
    """The shipped file as a (1797, 65) uint8 array: 64 pixels 0-16, then the digit."""
    if _CACHE:
        return _CACHE[0]
    resource = importlib.resources.files("deltaprop.io") / "data" / _FILE
    try:
        content = resource.read_bytes()
    except OSError as exc:
        raise FormatError(
            f"the 8x8 digits shipped with deltaprop ({resource}) cannot be read ({exc}); "
            "reinstall deltaprop"
        ) from exc
    if hashlib.sha256(content).hexdigest() != DIGITS_SHA256:
        raise FormatError(
            f"the 8x8 digits shipped with deltaprop ({resource}) are damaged (their SHA-256 "
            "does not match); reinstall deltaprop"
        )
    text = gzip.decompress(content).decode("ascii")
    table = np.array([line.split(",") for line in text.split()], dtype=np.uint8)  # (1797, 65)
    _CACHE.append(table)
    return table


def load_digits(*, dtype: DTypeLike = "float32", test_size: int = 297) -> MNIST:
    """Load the 8x8 digits, split deterministically into train and test sets.

    The data ship with deltaprop (no download, no scikit-learn). The split is by position,
    with no shuffling: the last ``test_size`` samples (in the file's order, which is
    scikit-learn's) are the test set and the rest the training set, so the default gives
    1500 training and 297 test samples. Every class appears in both parts.

    Parameters
    ----------
    dtype : {"float32", "float64"}, optional
        The floating-point type of the inputs.
    test_size : int, optional
        The number of test samples, 1 to 1796.

    Returns
    -------
    MNIST
        ``(X_train, y_train, X_test, y_test)``: X of shape (n, 64), pixel / 16 in [0, 1],
        C-contiguous; y of int64 labels 0-9, shape (n,).

    Raises
    ------
    TypeError
        If ``test_size`` is not an integer.
    ValueError
        If ``dtype`` is not float32 or float64, or ``test_size`` is out of range.
    deltaprop.errors.FormatError
        If the shipped file is missing or damaged (the installation is broken).

    Examples
    --------
    >>> X_train, y_train, X_test, y_test = load_digits(test_size=500)
    >>> X_train.shape, y_train.shape, X_test.shape
    ((1297, 64), (1297,), (500, 64))
    >>> float(X_train.min()), float(X_train.max()), sorted(set(y_test.tolist())) == list(range(10))
    (0.0, 1.0, True)
    """
    float_type = float_dtype(dtype)
    if isinstance(test_size, bool) or not isinstance(test_size, int | np.integer):
        raise TypeError(
            f"test_size must be an integer from 1 to {N_SAMPLES - 1}, got {test_size!r}"
        )
    if not 1 <= test_size < N_SAMPLES:
        raise ValueError(f"test_size must be from 1 to {N_SAMPLES - 1}, got {test_size}")
    table = _table()
    X = table[:, :64].astype(float_type)  # (1797, 64), values 0-16, C-contiguous
    X /= 16  # exact: a power of two
    y = table[:, 64].astype(np.int64)  # (1797,)
    cut = N_SAMPLES - int(test_size)
    return MNIST(X[:cut].copy(), y[:cut].copy(), X[cut:].copy(), y[cut:].copy())
