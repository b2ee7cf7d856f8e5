"""``Network.fit(..., test_data=...)``: the test set measured after every epoch under its own
name, beside validation data, and kept in checkpoints across a resume."""

from __future__ import annotations

import numpy as np
import pytest

import deltaprop

RNG = np.random.default_rng(0)
X = RNG.random((120, 4))  # 120 samples, shape (n, 4)
Y = (X[:, 0] + X[:, 1] > 1).astype(int)  # class labels, shape (n,)
X_TEST, Y_TEST = X[100:], Y[100:]


def _net():
    return deltaprop.Network([4, 5, 2], dtype="float64", seed=0)


def test_the_test_set_is_measured_as_test_figures():
    net = _net()
    history = net.fit(X[:100], Y[:100], epochs=3, eta=1.0, seed=0, test_data=(X_TEST, Y_TEST))
    columns = history.keys()  # (iterating a History gives its rows)
    assert not any(k.startswith("val_") for k in columns)
    assert history["test_n"] == [20, 20, 20]
    scores = net.evaluate(X_TEST, Y_TEST)  # the last epoch's figures are the final network's
    assert history["test_correct"][-1] == scores["correct"]
    assert history["test_cost"][-1] == pytest.approx(scores["cost"], rel=1e-12)


def test_validation_and_test_figures_side_by_side():
    history = _net().fit(
        X[:100],
        Y[:100],
        epochs=2,
        eta=1.0,
        seed=0,
        validation_split=30,
        test_data=(X_TEST, Y_TEST),
        patience=5,
    )
    assert history["val_n"] == [30, 30] and history["test_n"] == [20, 20]


def test_a_resumed_run_keeps_every_epochs_test_figures(tmp_path):
    path = tmp_path / "ck.npz"
    kw = {"eta": 1.0, "seed": 0, "test_data": (X_TEST, Y_TEST), "checkpoint": path}
    _net().fit(X[:100], Y[:100], epochs=2, **kw)
    history = _net().fit(X[:100], Y[:100], epochs=4, resume=True, **kw)
    assert history["epoch"] == [1, 2, 3, 4]
    assert all(isinstance(v, float) for v in history["test_accuracy"])  # none lost
    whole = _net().fit(X[:100], Y[:100], epochs=4, eta=1.0, seed=0, test_data=(X_TEST, Y_TEST))
    assert history["test_correct"] == whole["test_correct"]


def test_test_data_must_be_a_pair():
    with pytest.raises(ValueError, match="test_data must be a pair"):
        _net().fit(X, Y, epochs=1, test_data=X_TEST)
