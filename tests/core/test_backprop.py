"""BP1–BP4 checked by independent routes: finite differences, the literal per-sample
algorithm of docs/notation.md, and a tiny network worked by hand."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deltaprop
from deltaprop import Network

# Every activation/cost pair deltaprop accepts, as (hidden, output, cost).
PAIRS = [
    (hidden, output, cost)
    for hidden, output, cost in itertools.product(
        ["sigmoid", "tanh", "relu", "identity"],
        ["sigmoid", "tanh", "relu", "identity", "softmax"],
        ["quadratic", "cross-entropy"],
    )
    if cost == "quadratic" or output in ("sigmoid", "softmax")
]


def _data(net: Network, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.standard_normal((n, net.sizes[0]))
    if net.sigmas[-1].name == "softmax":
        Y = rng.dirichlet(np.ones(net.sizes[-1]), size=n)  # rows that sum to 1
    else:
        Y = rng.uniform(0.05, 0.95, (n, net.sizes[-1]))
    return X, Y


@pytest.mark.parametrize(("hidden", "output", "cost"), PAIRS)
def test_gradcheck_every_activation_cost_pair(hidden: str, output: str, cost: str) -> None:
    net = Network([4, 5, 3, 3], hidden, output, cost, init="normal", dtype="float64", seed=3)
    X, Y = _data(net, 6, np.random.default_rng(4))
    result = deltaprop.gradcheck(net, X, Y)
    assert [lc.layer for lc in result.layers] == [2, 3, 4]
    assert result.max_error < 1e-7, str(result)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _per_sample_gradient(net: Network, X: np.ndarray, Y: np.ndarray) -> tuple[list, list]:
    """The algorithm of docs/notation.md, literally: one sample at a time as a column
    vector, sigmoid and the quadratic cost, gradients summed over the batch and divided by m."""
    sum_w = [np.zeros_like(w) for w in net.weights]
    sum_b = [np.zeros_like(b) for b in net.biases]
    for x, y in zip(X, Y):
        a = x.reshape(-1, 1)  # a^1 = x
        activations, zs = [a], []
        for w, b in zip(net.weights, net.biases):  # forward: z^l = w^l a^(l-1) + b^l
            z = w @ a + b.reshape(-1, 1)
            a = _sigmoid(z)
            zs.append(z)
            activations.append(a)
        n = len(net.weights)
        delta = (
            (activations[n] - y.reshape(-1, 1)) * _sigmoid(zs[n - 1]) * (1 - _sigmoid(zs[n - 1]))
        )
        for i in range(n - 1, -1, -1):  # BP3, BP4, then BP2 for the layer below
            sum_b[i] += delta[:, 0]
            sum_w[i] += delta @ activations[i].T
            if i > 0:
                sp = _sigmoid(zs[i - 1]) * (1 - _sigmoid(zs[i - 1]))
                delta = (net.weights[i].T @ delta) * sp
    m = X.shape[0]
    return [s / m for s in sum_w], [s / m for s in sum_b]


def test_batched_gradient_equals_mean_of_per_sample_gradients() -> None:
    rng = np.random.default_rng(0)
    net = Network([7, 6, 5, 4], dtype="float64", seed=1)
    X, Y = rng.random((11, 7)), rng.random((11, 4))
    grad_w, grad_b = net.backprop(X, Y)
    ref_w, ref_b = _per_sample_gradient(net, X, Y)
    for got, ref in zip(grad_w + grad_b, ref_w + ref_b):
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-15)


@settings(max_examples=30, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=2, max_size=4),
    m=st.integers(1, 9),
    seed=st.integers(0, 2**16),
)
def test_batched_equals_per_sample_on_random_shapes(sizes: list[int], m: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    net = Network(sizes, dtype="float64", seed=seed)
    X, Y = rng.standard_normal((m, sizes[0])), rng.random((m, sizes[-1]))
    grad_w, grad_b = net.backprop(X, Y)
    ref_w, ref_b = _per_sample_gradient(net, X, Y)
    for got, ref, p in zip(grad_w + grad_b, ref_w + ref_b, net.weights + net.biases):
        assert got.shape == p.shape
        np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-14)


def test_tiny_network_worked_by_hand() -> None:
    # [1, 1, 1], sigmoid, quadratic cost, w^2 = 0.5, b^2 = 0, w^3 = 1, b^3 = 0; x = 1, y = 0.
    net = Network([1, 1, 1], dtype="float64", seed=0)
    net.weights[0][...] = 0.5
    net.weights[1][...] = 1.0
    net.biases[0][...] = 0.0
    net.biases[1][...] = 0.0
    # z^2 = 0.5·1 + 0 = 0.5;  a^2 = σ(0.5) = 0.6224593312
    # z^3 = 1·a^2 + 0 = 0.6224593312;  a^3 = σ(z^3) = 0.6507776782
    # C = ½ (a^3 − y)² = 0.2117557932
    # BP1: δ^3 = (a^3 − y) σ'(z^3) = 0.6507776782 · a^3(1 − a^3) = 0.1478996995
    # BP4: ∂C/∂w^3 = δ^3 a^2 = 0.0920615481;  BP3: ∂C/∂b^3 = δ^3
    # BP2: δ^2 = w^3 δ^3 σ'(z^2) = 0.1478996995 · 0.2350037122 = 0.0347569784
    # BP4: ∂C/∂w^2 = δ^2 x = 0.0347569784;  BP3: ∂C/∂b^2 = δ^2
    X, Y = np.array([[1.0]]), np.array([[0.0]])
    assert net.cost(X, Y) == pytest.approx(0.2117557932, abs=1e-10)
    grad_w, grad_b = net.backprop(X, Y)
    assert grad_w[1][0, 0] == pytest.approx(0.0920615481, abs=1e-10)
    assert grad_b[1][0] == pytest.approx(0.1478996995, abs=1e-10)
    assert grad_w[0][0, 0] == pytest.approx(0.0347569784, abs=1e-10)
    assert grad_b[0][0] == pytest.approx(0.0347569784, abs=1e-10)


def test_cross_entropy_cancels_sigma_prime_in_bp1() -> None:
    # A saturated output neuron: σ'(z^L) ≈ 0, so the quadratic cost's δ^L vanishes while the
    # cross-entropy cost's δ^L = a^L − y stays large (docs/notation.md, saturated neurons).
    quad = Network([1, 1], cost="quadratic", dtype="float64", seed=0)
    ce = Network([1, 1], cost="cross-entropy", dtype="float64", seed=0)
    for net in (quad, ce):
        net.weights[0][...] = 10.0
        net.biases[0][...] = 0.0
    X, Y = np.array([[1.0]]), np.array([[0.0]])  # a^L = σ(10) ≈ 1, far from y = 0
    (gw_quad,), _ = quad.backprop(X, Y)
    (gw_ce,), _ = ce.backprop(X, Y)
    a = 1 / (1 + math.exp(-10))
    assert gw_ce[0, 0] == pytest.approx(a, rel=1e-12)  # δ^L = a − y
    assert gw_quad[0, 0] == pytest.approx(a * a * (1 - a), rel=1e-9)  # δ^L = (a − y) σ'(z)
    assert gw_quad[0, 0] < 1e-4 * gw_ce[0, 0]


def test_large_weighted_inputs_stay_finite_without_warnings() -> None:
    # Warnings are errors in this test suite: overflow in exp would fail here.
    for output, cost in [
        ("sigmoid", "cross-entropy"),
        ("softmax", "cross-entropy"),
        ("sigmoid", "quadratic"),
    ]:
        net = Network([2, 3], "sigmoid", output, cost, dtype="float32", seed=0)
        net.weights[0][...] = 1e4
        X = np.array([[1.0, 1.0], [-1.0, -1.0]], dtype=np.float32)
        y = np.array([0, 1])
        assert np.isfinite(net.cost(X, y))
        for g in [*net.backprop(X, y)[0], *net.backprop(X, y)[1]]:
            assert np.isfinite(g).all()


@pytest.mark.parametrize(
    ("output", "cost"),
    [
        ("sigmoid", "quadratic"),
        ("identity", "quadratic"),
        ("sigmoid", "cross-entropy"),
        ("softmax", "cross-entropy"),
    ],
)
def test_the_training_steps_total_cost_is_the_sum_of_the_per_sample_costs(
    output: str, cost: str
) -> None:
    # The training loop takes Σ_x C_x from delta_and_total, computed its own way (into the
    # workspace, from z); here each C_x is written from the cost table of docs/notation.md.
    net = Network([3, 4], "sigmoid", output, cost, dtype="float64", seed=0)
    rng = np.random.default_rng(1)
    z = 3.0 * rng.standard_normal((7, 4))
    a = net.sigmas[-1](z, np)
    y = rng.dirichlet(np.ones(4), size=7) if output == "softmax" else rng.uniform(0, 1, (7, 4))
    if cost == "quadratic":
        per_sample = 0.5 * np.sum((a - y) ** 2, axis=1)
    elif output == "softmax":
        per_sample = -np.sum(y * np.log(a), axis=1)
    else:
        per_sample = -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a), axis=1)
    out, scratch = np.empty_like(z), np.empty_like(z)
    c, act = net.cost_function, net.sigmas[-1]
    delta, total = c.delta_and_total(z, a, y, act, np, out=out, scratch=scratch)
    assert float(total) == pytest.approx(per_sample.sum(), rel=1e-12)
    np.testing.assert_allclose(delta, c.delta(z, a, y, act, np), rtol=1e-12)


@pytest.mark.parametrize(("hidden", "output", "cost"), PAIRS)
def test_the_kept_sigma_prime_gives_the_same_gradient(hidden: str, output: str, cost: str) -> None:
    # The training loop's forward pass keeps σ'(z^l) in its workspace for BP1 and BP2; a
    # backward pass without it computes σ'(z^l) again from z^l. Bit for bit the same.
    from deltaprop.core.backprop import backward, forward
    from deltaprop.core.workspace import Workspace

    net = Network([4, 5, 3, 3], hidden, output, cost, dtype="float64", seed=5)
    X, Y = _data(net, 6, np.random.default_rng(6))
    ws = Workspace(net.sizes, 6, np, np.float64)
    args = (net.weights, net.sigmas, net.cost_function)
    zs, activations = forward(net.weights, net.biases, net.sigmas, X, np, ws)
    assert ws.primed
    kept = [np.copy(g) for g in backward(*args, zs, activations, Y, np, ws)[0]]
    zs2, activations2 = forward(net.weights, net.biases, net.sigmas, X, np)  # its own workspace
    again = backward(*args, zs2, activations2, Y, np)[0]
    for g_kept, g_again in zip(kept, again):
        np.testing.assert_array_equal(g_kept, g_again)
