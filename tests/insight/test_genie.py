"""The genie: ΔC ≈ δ^l_j Δz, to first order in Δz, on a real network."""

from __future__ import annotations

import numpy as np
import pytest

import deltaprop
from deltaprop.core.backprop import backward, forward
from deltaprop.insight.genie import genie
from deltaprop.io.digits import load_digits


@pytest.fixture(scope="module")
def digits():
    return load_digits(dtype="float64")


@pytest.mark.parametrize(
    ("activation", "output", "cost"),
    [
        ("sigmoid", None, "quadratic"),
        ("tanh", "softmax", "cross-entropy"),
        ("sigmoid", "sigmoid", "cross-entropy"),
    ],
)
def test_change_agrees_with_delta_times_dz_to_first_order(digits, activation, output, cost) -> None:
    net = deltaprop.Network([64, 20, 10], activation, output, cost, seed=5)
    X, y = digits.X_train[:4], digits.y_train[:4]
    neurons = [(2, 0), (2, 7), (3, 1), (3, 9)]
    errors = []
    for dz in (1e-1, 1e-2, 1e-3, 1e-4):
        result = genie(net, X, y, neurons=neurons, dz=dz)
        assert [(n.layer, n.neuron) for n in result.neurons] == neurons
        errors.append([abs(n.change - n.predicted) / dz for n in result.neurons])
    errors = np.array(errors)  # (4 sizes of Δz, 4 neurons): |ΔC − δΔz| / Δz
    # First order: the discrepancy divided by Δz vanishes with Δz, tenfold per step.
    for before, after in zip(errors[:-1], errors[1:]):
        assert np.all(after < 0.2 * before + 1e-12), errors
    assert np.all(errors[-1] < 1e-3)


def test_delta_is_the_bias_gradient_and_one_sample_is_the_texts_delta(digits) -> None:
    net = deltaprop.Network([64, 12, 10], seed=6)
    X, y = digits.X_train[:5], digits.y_train[:5]
    result = genie(net, X, y, neurons=[(2, j) for j in range(12)])
    _, grad_b = net.backprop(X, y)
    # grad_b is float32: a component summed with cancellation over the samples is good to a
    # few ulp of the largest terms (~0.05), not of itself
    np.testing.assert_allclose([n.delta for n in result.neurons], grad_b[0], rtol=1e-5, atol=2e-8)
    # One sample: δ^(x,l)_j straight from the backward pass.
    net64 = net.copy("float64")
    Y = np.eye(10)[y[:1]]
    zs, a_list = forward(net64.weights, net64.biases, net64.sigmas, X[:1], np)
    _, _, deltas, _ = backward(net64.weights, net64.sigmas, net64.cost_function, zs, a_list, Y, np)
    one = genie(net, X[:1], y[:1], neurons=[(3, j) for j in range(10)])
    np.testing.assert_allclose([n.delta for n in one.neurons], deltas[1][0], rtol=1e-12)


def test_far_from_optimal_and_neurons_the_genie_cannot_help(digits) -> None:
    net = deltaprop.Network([64, 30, 10], seed=1, dtype="float64")
    net.weights[0][:10] *= 30.0  # ten hidden neurons driven deep into saturation
    X, y = digits.X_train[:1], digits.y_train[:1]
    result = genie(net, X, y, top=3)
    all_deltas = (
        np.abs(net.backprop(X, y)[1][0]).tolist() + np.abs(net.backprop(X, y)[1][1]).tolist()
    )
    assert [abs(d) for _, _, d in result.far] == pytest.approx(sorted(all_deltas)[::-1][:3])
    assert [(n.layer, n.neuron) for n in result.neurons] == [(lay, j) for lay, j, _ in result.far]
    stuck = {(lay, j) for lay, j, _, _ in result.stuck}
    assert stuck and all(lay == 2 for lay, _ in stuck)
    largest = max(all_deltas)
    for _, _, d, sp in result.stuck:
        assert abs(d) <= 1e-3 * largest and sp < 0.01
    text = str(result)
    assert "Far from optimal" in text and "cannot help" in text and "ΔC" in text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"neurons": [(1, 0)]}, "choose a layer from 2 to 3"),
        ({"neurons": [(2, 30)]}, "neuron must be 0 … 29"),
        ({"neurons": [(2,)]}, "pairs of integers"),
        ({"neurons": []}, "neurons is empty"),
        ({"dz": 0.0}, "dz must be a positive"),
        ({"top": 0}, "top must be a positive integer"),
    ],
)
def test_bad_arguments_are_clear_errors(digits, kwargs, message) -> None:
    net = deltaprop.Network([64, 30, 10], seed=1)
    with pytest.raises(ValueError, match=message):
        genie(net, digits.X_train[:2], digits.y_train[:2], **kwargs)
