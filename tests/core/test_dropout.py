"""Dropout in the forward pass and in BP2, checked against finite differences of the thinned
network's cost and against the per-sample definition."""

from __future__ import annotations

import numpy as np
import pytest

from deltaprop import Network
from deltaprop.core.backprop import backward, feedforward, forward
from deltaprop.training.regularization import dropout_masks


def _net_and_masks(hidden: str, p: float = 0.5, m: int = 7):
    net = Network([5, 6, 4, 3], hidden, "softmax", "cross-entropy", dtype="float64", seed=2)
    rng = np.random.default_rng(5)
    X = rng.standard_normal((m, 5))
    Y = rng.dirichlet(np.ones(3), size=m)
    masks = dropout_masks(m, net.sizes, p, np.random.default_rng(9), "float64")
    return net, X, Y, masks


def _masked_cost(net: Network, X: np.ndarray, Y: np.ndarray, masks: list) -> float:
    """The mean cost of the thinned network, written out independently of the core: each
    hidden a^l is multiplied by its mask before the next layer uses it."""
    a = X
    for i, (w, b, sigma) in enumerate(zip(net.weights, net.biases, net.sigmas)):
        a = sigma(a @ w.T + b, np)
        if i < len(masks):
            a = a * masks[i]
    return float(np.mean(-np.sum(Y * np.log(a), axis=1)))


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh", "relu"])
def test_gradient_with_masks_matches_finite_differences(hidden: str) -> None:
    net, X, Y, masks = _net_and_masks(hidden)
    zs, a_list = forward(net.weights, net.biases, net.sigmas, X, np, masks=masks)
    grad_w, grad_b, _, _ = backward(
        net.weights, net.sigmas, net.cost_function, zs, a_list, Y, np, masks=masks
    )
    h = 1e-6
    for params, grads in ((net.weights, grad_w), (net.biases, grad_b)):
        for p, g in zip(params, grads):
            numeric = np.zeros_like(p)
            for idx in np.ndindex(p.shape):
                old = p[idx]
                p[idx] = old + h
                up = _masked_cost(net, X, Y, masks)
                p[idx] = old - h
                down = _masked_cost(net, X, Y, masks)
                p[idx] = old
                numeric[idx] = (up - down) / (2 * h)
            np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-9)


def test_a_dropped_neuron_gets_no_error_and_its_outgoing_weights_no_gradient() -> None:
    net, X, Y, masks = _net_and_masks("sigmoid", m=1)
    masks[0][0, :] = 2.0  # p = 0.5: kept neurons are scaled by 1/(1 − p) = 2
    masks[0][0, 3] = 0.0  # drop neuron 3 of layer 2
    masks[1][0, :] = 2.0  # keep all of layer 3
    zs, a_list = forward(net.weights, net.biases, net.sigmas, X, np, masks=masks)
    grad_w, _, deltas, _ = backward(
        net.weights, net.sigmas, net.cost_function, zs, a_list, Y, np, masks=masks
    )
    assert deltas[0][0, 3] == 0  # δ^2_3 = 0 by BP2 ⊙ r
    assert np.all(grad_w[0][3] == 0)  # no learning for the weights into it (BP4)
    assert np.all(grad_w[1][:, 3] == 0)  # nor out of it: layer 3 saw a^2_3 = 0
    assert np.all(grad_w[1][:, :3] != 0)


def test_masks_of_ones_and_no_masks_give_the_same_numbers() -> None:
    net, X, Y, masks = _net_and_masks("tanh")
    ones = [np.ones_like(r) for r in masks]
    results = []
    for ms in (None, ones):
        zs, a_list = forward(net.weights, net.biases, net.sigmas, X, np, masks=ms)
        results.append(
            backward(net.weights, net.sigmas, net.cost_function, zs, a_list, Y, np, masks=ms)
        )
    for got, expected in zip(results[1][:3], results[0][:3]):
        for g, e in zip(got, expected):
            np.testing.assert_array_equal(g, e)


def test_masks_are_inverted_dropout_on_hidden_layers_only() -> None:
    masks = dropout_masks(2000, (10, 50, 30, 4), 0.3, np.random.default_rng(0), "float32")
    assert [r.shape for r in masks] == [(2000, 50), (2000, 30)]  # none for input or output
    for r in masks:
        assert r.dtype == np.float32
        assert set(np.unique(r)) == {np.float32(0), np.float32(1 / 0.7)}
        assert abs(np.mean(r == 0) - 0.3) < 0.01  # dropped with probability p
        assert abs(float(np.mean(r)) - 1) < 0.02  # E[r] = 1: a^l keeps its expected value


def test_prediction_after_dropout_training_uses_the_whole_network() -> None:
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 5)), rng.integers(0, 3, 40)
    net = Network([5, 8, 3], "relu", "softmax", "cross-entropy", dtype="float64", seed=0)
    net.fit(X, y, epochs=2, batch_size=8, eta=0.1, dropout=0.5, seed=0)
    expected = feedforward(net.weights, net.biases, net.sigmas, X, np)
    np.testing.assert_array_equal(net.feedforward(X), expected)
    np.testing.assert_array_equal(net.feedforward(X), net.feedforward(X))
