"""scikit-learn's small 8x8 digits data set, split like MNIST.

1797 images of 8x8 pixels with values 0-16, from the UCI optical recognition of handwritten
digits data, bundled with scikit-learn (no download). Handy for quick experiments and tests
where MNIST would be slow.
"""

from __future__ import annotations

import importlib

import numpy as np
from numpy.typing import DTypeLike

from deltaprop.io.mnist import MNIST, float_dtype

__all__ = ["load_digits"]

N_SAMPLES = 1797
_MISSING = "load_digits needs scikit-learn: pip install 'deltaprop[sklearn]'"


def load_digits(*, dtype: DTypeLike = "float32", test_size: int = 297) -> MNIST:
    """Load scikit-learn's 8x8 digits, split deterministically into train and test sets.

    The split is by position, with no shuffling: the last ``test_size`` samples (in
    scikit-learn's order) are the test set and the rest the training set, so the default
    gives 1500 training and 297 test samples. Every class appears in both parts.

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
    ImportError
        If scikit-learn is not installed.
    TypeError
        If ``test_size`` is not an integer.
    ValueError
        If ``dtype`` is not float32 or float64, or ``test_size`` is out of range.

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
    try:
        datasets = importlib.import_module("sklearn.datasets")
    except ImportError as exc:
        raise ImportError(_MISSING) from exc
    bunch = datasets.load_digits()
    X = np.array(bunch.data, dtype=float_type, order="C")  # (1797, 64), values 0-16
    X /= 16  # exact: a power of two
    y = np.asarray(bunch.target, dtype=np.int64)  # (1797,)
    cut = len(y) - int(test_size)
    return MNIST(X[:cut].copy(), y[:cut].copy(), X[cut:].copy(), y[cut:].copy())
