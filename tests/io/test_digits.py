"""load_digits: the shipped 8x8 digits in the MNIST layout, read with NumPy alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import deltaprop
from deltaprop.errors import FormatError
from deltaprop.io import digits
from deltaprop.io.digits import load_digits

SRC = str(Path(deltaprop.__file__).resolve().parents[1])


def test_shapes_scaling_and_split():
    X_train, y_train, X_test, y_test = load_digits()
    assert X_train.shape == (1500, 64) and X_test.shape == (297, 64)
    assert y_train.shape == (1500,) and y_test.shape == (297,)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    assert X_train.flags.c_contiguous and X_test.flags.c_contiguous
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    assert set(y_test.tolist()) == set(range(10))
    # the first image, as the file's first line gives it: pixels 0-16 / 16, digit 0
    first = "0,0,5,13,9,1,0,0,0,0,13,15,10,15,5,0,0,3,15,2,0,11,8,0,0,4,12,0,0,8,8,0"
    np.testing.assert_array_equal(X_train[0, :32] * 16, [int(v) for v in first.split(",")])
    assert y_train[0] == 0


def test_equals_scikit_learns_copy():
    """The shipped file is the data scikit-learn's load_digits() returns, in its order."""
    sklearn_datasets = pytest.importorskip("sklearn.datasets", reason="the sklearn extra")
    bunch = sklearn_datasets.load_digits()
    X_train, y_train, X_test, y_test = load_digits(dtype="float64")
    np.testing.assert_array_equal(np.vstack([X_train, X_test]) * 16, bunch.data)
    np.testing.assert_array_equal(np.concatenate([y_train, y_test]), bunch.target)


def test_deterministic_and_test_size():
    first, second = load_digits(dtype="float64", test_size=500), load_digits(test_size=500)
    assert first.X_train.dtype == np.float64 and first.X_test.shape == (500, 64)
    np.testing.assert_array_equal(first.X_train, second.X_train)


def test_callers_cannot_change_the_shipped_data():
    X_train = load_digits().X_train
    X_train[:] = 7
    assert load_digits().X_train.max() == 1.0


@pytest.mark.parametrize("test_size", [0, 1797, -5])
def test_bad_test_size(test_size):
    with pytest.raises(ValueError, match=r"test_size must be from 1 to 1796"):
        load_digits(test_size=test_size)


@pytest.mark.parametrize("test_size", [0.2, "100", True])
def test_test_size_must_be_an_integer(test_size):
    with pytest.raises(TypeError, match=r"test_size must be an integer"):
        load_digits(test_size=test_size)


def test_needs_neither_scikit_learn_nor_the_network():
    """A fresh interpreter where ``import sklearn`` fails reads the digits all the same."""
    code = (
        "import sys; sys.modules['sklearn'] = None\n"
        "from deltaprop.datasets import load_digits\n"
        "X, y, Xt, yt = load_digits(); print(X.shape, Xt.shape, int(y.sum()))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": SRC},
    ).stdout
    assert out.split("\n")[0] == "(1500, 64) (297, 64) " + str(int(load_digits().y_train.sum()))


def test_a_damaged_file_is_refused(monkeypatch):
    monkeypatch.setattr(digits, "DIGITS_SHA256", "0" * 64)
    monkeypatch.setattr(digits, "_CACHE", [])
    with pytest.raises(FormatError, match=r"damaged.*reinstall deltaprop"):
        load_digits()
