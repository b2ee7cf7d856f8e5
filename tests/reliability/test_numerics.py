"""Numerical faults: huge weighted inputs never overflow into warnings or NaN; a cost that
does become NaN or inf stops training with a message naming epoch, mini-batch and eta.
(Warnings are errors in this test suite, so any RuntimeWarning from exp fails these tests.)"""

from __future__ import annotations

import numpy as np
import pytest

from deltaprop import DivergenceError, Network


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    ("output", "cost"),
    [("sigmoid", "quadratic"), ("sigmoid", "cross-entropy"), ("softmax", "cross-entropy")],
)
def test_saturated_outputs_give_finite_costs_and_gradients(dtype, output, cost) -> None:
    net = Network([3, 4], "sigmoid", output, cost, dtype=dtype, seed=0)
    net.weights[0][...] = np.array([[1e4, 0, 0], [-1e4, 0, 0], [0, 1e4, 0], [0, 0, -1e4]])
    X = np.array([[1.0, 1.0, 1.0], [-1.0, -1.0, -1.0], [50.0, -50.0, 0.0]])  # |z| up to 5e5
    y = np.array([1, 0, 3])  # targets the saturated outputs get badly wrong
    a = net.feedforward(X)
    assert np.isfinite(a).all() and (a >= 0).all() and (a <= 1).all()
    value = net.cost(X, y)
    assert np.isfinite(value) and value > 1.0  # large and finite, not ln 0
    grad_w, grad_b = net.backprop(X, y)
    assert all(np.isfinite(g).all() for g in grad_w + grad_b)


def test_an_infinite_cost_names_epoch_batch_and_eta() -> None:
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((30, 4)) * 1e3, rng.integers(0, 3, 30)
    net = Network([4, 30, 3], "relu", "identity", dtype="float32", seed=0)
    with pytest.raises(DivergenceError) as info:
        net.fit(X, y, epochs=3, batch_size=5, eta=1e12, seed=0)
    message = str(info.value)
    assert f"mini-batch {info.value.batch} of epoch {info.value.epoch}" in message
    assert "eta = 1e+12" in message and "smaller learning rate" in message
    assert all(np.isfinite(p).all() for p in net.weights + net.biases)
