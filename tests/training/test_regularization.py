"""L2 and L1: the classic update w → (1 − ηλ/n) w − η∇w with n the training-set size, biases
untouched, and the penalty's gradient against finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from deltaprop import Network
from deltaprop.training.regularization import add_penalty_gradient, penalty


def _data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 4)), rng.integers(0, 3, n)


def _net() -> Network:
    return Network([4, 5, 3], cost="cross-entropy", init="scaled", dtype="float64", seed=1)


def test_l2_step_is_the_classic_weight_decay_with_the_training_set_size() -> None:
    X, y = _data(12)
    eta, lmbda, n = 0.5, 3.0, 12
    net, expected = _net(), _net()
    net.fit(X, y, epochs=1, batch_size=6, eta=eta, l2=lmbda, shuffle=False)
    for rows in (slice(0, 6), slice(6, 12)):  # two mini-batches of m = 6; n stays 12
        grad_w, grad_b = expected.backprop(X[rows], y[rows])
        for w, g in zip(expected.weights, grad_w):
            w[...] = (1 - eta * lmbda / n) * w - eta * g
        for b, g in zip(expected.biases, grad_b):
            b[...] = b - eta * g  # biases are not regularised
    for p, q in zip(net.weights + net.biases, expected.weights + expected.biases):
        np.testing.assert_allclose(p, q, rtol=1e-13, atol=1e-15)


def test_l1_step_subtracts_eta_lambda_over_n_times_the_sign() -> None:
    X, y = _data(10)
    eta, lmbda, n = 0.2, 4.0, 10
    net, expected = _net(), _net()
    net.fit(X, y, epochs=1, batch_size=10, eta=eta, l1=lmbda, shuffle=False)
    grad_w, grad_b = expected.backprop(X, y)
    for w, g in zip(expected.weights, grad_w):
        w[...] = w - eta * lmbda / n * np.sign(w) - eta * g
    for b, g in zip(expected.biases, grad_b):
        b[...] = b - eta * g
    for p, q in zip(net.weights + net.biases, expected.weights + expected.biases):
        np.testing.assert_allclose(p, q, rtol=1e-13, atol=1e-15)


def test_penalty_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(2)
    weights = [rng.standard_normal((3, 4)), rng.standard_normal((2, 3))]
    n, l2, l1, h = 50, 2.5, 0.7, 1e-6
    grads = [np.zeros_like(w) for w in weights]
    add_penalty_gradient(grads, weights, n, l2, l1, np)
    for w, g in zip(weights, grads):
        for idx in np.ndindex(w.shape):
            old = w[idx]
            w[idx] = old + h
            up = penalty(weights, n, l2, l1, np)
            w[idx] = old - h
            down = penalty(weights, n, l2, l1, np)
            w[idx] = old
            assert g[idx] == pytest.approx((up - down) / (2 * h), rel=1e-6)


def test_penalty_by_hand() -> None:
    weights = [np.array([[1.0, -2.0]]), np.array([[3.0]])]
    # (λ₂/2n) Σ w² = (4/20)(1 + 4 + 9) = 2.8 and (λ₁/n) Σ |w| = (1/10)(1 + 2 + 3) = 0.6
    assert penalty(weights, 10, 4.0, 1.0, np) == pytest.approx(3.4)


def test_stronger_l2_gives_smaller_weights_and_leaves_biases_free() -> None:
    X, y = _data(200, seed=3)
    norms = []
    for lmbda in (0.0, 50.0):
        net = _net()
        net.fit(X, y, epochs=5, batch_size=10, eta=0.5, l2=lmbda, seed=0)
        norms.append(sum(float(np.sum(w * w)) for w in net.weights))
    assert norms[1] < 0.5 * norms[0]


def test_dropout_training_still_learns() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    X = np.eye(3)[y] * 2 + 0.3 * rng.standard_normal((300, 3))
    net = Network([3, 30, 3], "relu", "softmax", "cross-entropy", init="scaled", seed=0)
    net.fit(X, y, epochs=10, batch_size=10, eta=0.1, dropout=0.5, seed=0)
    assert net.accuracy(X, y) > 0.95


def test_same_seed_with_dropout_is_bitwise_identical() -> None:
    X, y = _data(40)
    runs = []
    for _ in range(2):
        net = _net()
        net.fit(X, y, epochs=2, batch_size=8, eta=0.3, dropout=0.4, seed=7)
        runs.append(net.weights)
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)
