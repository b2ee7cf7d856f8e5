"""load_digits: scikit-learn's 8x8 digits in the MNIST layout."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from deltaprop.io.digits import load_digits

sklearn_datasets = pytest.importorskip("sklearn.datasets")


def test_shapes_scaling_and_split():
    X_train, y_train, X_test, y_test = load_digits()
    assert X_train.shape == (1500, 64) and X_test.shape == (297, 64)
    assert y_train.shape == (1500,) and y_test.shape == (297,)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    assert X_train.flags.c_contiguous and X_test.flags.c_contiguous
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    # the split is positional: the test set is scikit-learn's last 297 samples
    bunch = sklearn_datasets.load_digits()
    np.testing.assert_array_equal(X_test * 16, bunch.data[-297:])
    np.testing.assert_array_equal(y_train, bunch.target[:1500])
    assert set(y_test.tolist()) == set(range(10))


def test_deterministic_and_test_size():
    first, second = load_digits(dtype="float64", test_size=500), load_digits(test_size=500)
    assert first.X_train.dtype == np.float64 and first.X_test.shape == (500, 64)
    np.testing.assert_array_equal(first.X_train, second.X_train)


@pytest.mark.parametrize("test_size", [0, 1797, -5])
def test_bad_test_size(test_size):
    with pytest.raises(ValueError, match=r"test_size must be from 1 to 1796"):
        load_digits(test_size=test_size)


@pytest.mark.parametrize("test_size", [0.2, "100", True])
def test_test_size_must_be_an_integer(test_size):
    with pytest.raises(TypeError, match=r"test_size must be an integer"):
        load_digits(test_size=test_size)


def test_without_scikit_learn(monkeypatch):
    for name in [m for m in sys.modules if m == "sklearn" or m.startswith("sklearn.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "sklearn", None)  # makes `import sklearn` fail
    with pytest.raises(ImportError) as info:
        load_digits()
    assert str(info.value) == "load_digits needs scikit-learn: pip install 'deltaprop[sklearn]'"
