"""``diagnose``: per-layer figures by independent routes, and each finding's rule — it fires
on a network built in its condition and stays silent on a healthy one."""

from __future__ import annotations

import numpy as np
import pytest

import deltaprop
from deltaprop.insight.diagnose import Diagnosis, diagnose
from deltaprop.io.digits import load_digits


@pytest.fixture(scope="module")
def digits():
    return load_digits(dtype="float64")


@pytest.fixture(scope="module")
def healthy(digits) -> deltaprop.Network:
    """Sigmoid, cross-entropy, N(0, 1/n_in) weights, a few epochs on the digits: learns well."""
    net = deltaprop.Network(
        [64, 30, 10], cost="cross-entropy", init="scaled", dtype="float64", seed=1
    )
    net.fit(digits.X_train, digits.y_train, epochs=10, eta=0.5, seed=1)
    assert net.accuracy(digits.X_test, digits.y_test) > 0.9
    return net


def _rules(report: Diagnosis) -> list[str]:
    return [f.rule for f in report.findings]


def test_healthy_networks_have_no_findings(healthy, digits) -> None:
    report = diagnose(healthy, digits.X_train, digits.y_train, eta=0.5)
    assert report.findings == [], str(report)
    assert "No findings" in str(report)
    # A ReLU network whose units start alive (small positive biases), trained a little.
    relu = deltaprop.Network(
        [64, 30, 10],
        activation="relu",
        output_activation="softmax",
        cost="cross-entropy",
        init="scaled",
        dtype="float64",
        seed=1,
    )
    relu.biases[0][:] = 0.1
    relu.fit(digits.X_train, digits.y_train, epochs=5, eta=0.1, seed=1)
    report = diagnose(relu, digits.X_train, digits.y_train, eta=0.1)
    assert report.findings == [], str(report)


def test_figures_by_independent_routes(digits) -> None:
    net = deltaprop.Network([64, 12, 10], dtype="float64", seed=3)
    X, y = digits.X_train[:300], digits.y_train[:300]
    report = diagnose(net, X, y, eta=2.0)
    grad_w, grad_b = net.backprop(X, y)
    # The hidden layer's z and a by the forward pass written out with NumPy.
    z2 = X @ net.weights[0].T + net.biases[0]
    a2 = 1 / (1 + np.exp(-z2))
    z3 = a2 @ net.weights[1].T + net.biases[1]
    a3 = 1 / (1 + np.exp(-z3))
    Y = np.eye(10)[y]
    for layer, z, a, gw, gb, w in zip(
        report.layers, (z2, z3), (a2, a3), grad_w, grad_b, net.weights
    ):
        assert layer.grad_w_norm == pytest.approx(np.linalg.norm(gw), rel=1e-9)
        assert layer.grad_b_norm == pytest.approx(np.linalg.norm(gb), rel=1e-9)
        assert layer.speed == pytest.approx(np.linalg.norm(gb) / np.sqrt(z.shape[1]))
        assert layer.saturated == pytest.approx(np.mean(a * (1 - a) < 0.01))
        assert layer.activation_mean == pytest.approx(a.mean())
        assert layer.update_ratio == pytest.approx(2.0 * np.linalg.norm(gw) / np.linalg.norm(w))
    # δ^L of the quadratic cost: (a − y) σ'(z); mean |δ^L|.
    assert report.layers[1].delta == pytest.approx(np.mean(np.abs((a3 - Y) * a3 * (1 - a3))))
    wrong = np.mean((a3 * (1 - a3) < 0.01) & (np.abs(a3 - Y) > 0.5))
    assert report.layers[1].saturated_wrong == pytest.approx(wrong)
    assert report.cost == pytest.approx(net.cost(X, y))


def test_saturated_output_with_quadratic_cost_is_found_and_cross_entropy_fixes_it(digits) -> None:
    X, y = digits.X_train, digits.y_train
    for cost in ("quadratic", "cross-entropy"):
        net = deltaprop.Network([64, 30, 10], cost=cost, init="scaled", seed=1)
        net.biases[1][:] = 8.0  # every output σ(z) ≈ 1: nine of ten are wrong, and saturated
        report = diagnose(net, X, y)
        found = [f for f in report.findings if f.rule == "saturated_output"]
        if cost == "quadratic":
            assert len(found) == 1 and found[0].equation == "BP1" and found[0].layer == 3
            assert found[0].value == pytest.approx(0.9, abs=0.01)
            assert "90% of its outputs are saturated" in found[0].message
            assert "--cost cross-entropy" in found[0].message
        else:
            assert found == []  # BP1 has no σ'(z^L) with the cross-entropy cost


def test_saturated_hidden_layer(digits) -> None:
    net = deltaprop.Network([64, 30, 10], cost="cross-entropy", init="scaled", seed=1)
    net.weights[0] *= 20.0  # |z^2| large: σ'(z^2) ≈ 0
    report = diagnose(net, digits.X_train, digits.y_train)
    (found,) = [f for f in report.findings if f.rule == "saturated_hidden"]
    assert found.layer == 2 and found.equation == "BP2" and found.value > 0.5
    assert "--init scaled" in found.message


def test_vanishing_gradient_in_a_deep_sigmoid_network(digits) -> None:
    # σ' ≤ 1/4 and weights of size 1/√n: δ shrinks about fourfold per layer on the way back.
    net = deltaprop.Network([64, 30, 30, 30, 30, 10], init="scaled", seed=1)
    report = diagnose(net, digits.X_train, digits.y_train)
    found = {f.layer: f for f in report.findings if f.rule == "vanishing_gradient"}
    assert 2 in found and found[2].equation == "BP2"
    speeds = [layer.speed for layer in report.layers]
    assert found[2].value == pytest.approx(max(speeds[1:]) / speeds[0])
    assert "learns" in found[2].message and "slower than layer" in found[2].message
    assert "exploding_gradient" not in _rules(report)


def test_exploding_gradient_in_a_deep_linear_network() -> None:
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((200, 20)), rng.standard_normal((200, 10))
    net = deltaprop.Network(
        [20, 20, 20, 20, 10], activation="identity", init="scaled", dtype="float64", seed=1
    )
    for w in net.weights:
        w *= 4.0  # each layer multiplies δ by about 4 on the way back (BP2)
    report = diagnose(net, X, Y)
    found = {f.layer: f for f in report.findings if f.rule == "exploding_gradient"}
    assert 2 in found and found[2].value > 10
    assert "vanishing_gradient" not in _rules(report)


def test_dead_relu_units(digits) -> None:
    net = deltaprop.Network(
        [64, 30, 10],
        activation="relu",
        output_activation="softmax",
        cost="cross-entropy",
        init="scaled",
        seed=1,
    )
    net.biases[0][:] = 0.1
    net.biases[0][:12] = -50.0  # z ≤ 0 for every input: 12 of 30 units dead
    report = diagnose(net, digits.X_train, digits.y_train)
    (found,) = [f for f in report.findings if f.rule == "dead_units"]
    assert found.layer == 2 and found.value == pytest.approx(12 / 30)
    assert "40% of its ReLU units are dead" in found.message
    assert "low_activation" not in _rules(report)  # the dead units explain the zeros


def test_low_activation_slows_the_weights_out_of_a_layer(digits) -> None:
    net = deltaprop.Network([64, 30, 10], cost="cross-entropy", init="scaled", seed=1)
    net.biases[0][:] = -10.0  # a^2 ≈ 0: BP4 gives ∂C/∂w^3 = δ^3 (a^2)ᵀ ≈ 0
    report = diagnose(net, digits.X_train, digits.y_train)
    (found,) = [f for f in report.findings if f.rule == "low_activation"]
    assert found.layer == 2 and found.equation == "BP4" and found.value > 0.9
    assert report.layers[1].grad_w_norm < 0.01 * report.layers[1].grad_b_norm


def test_update_size_against_the_weights(healthy, digits) -> None:
    X, y = digits.X_train, digits.y_train
    large = diagnose(healthy, X, y, eta=1e4)
    assert "update_too_large" in _rules(large) and "try eta 1000" in str(large)
    small = diagnose(healthy, X, y, eta=1e-9)
    assert "update_too_small" in _rules(small)
    assert not {"update_too_large", "update_too_small"} & set(_rules(diagnose(healthy, X, y)))


def test_report_text_and_round_trip(digits) -> None:
    net = deltaprop.Network([64, 30, 10], seed=1)
    report = diagnose(net, digits.X_train, digits.y_train, eta=3.0, max_samples=500)
    text = str(report)
    assert report.n_samples == 500 and "on 500 samples" in text
    assert "layer neurons" in text and "‖∂C/∂w‖" in text and "saturated" in text
    for finding in report.findings:
        assert f"[{finding.equation}]" in text
    again = Diagnosis.from_dict(report.to_dict())
    assert again == report and str(again) == text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"eta": -1.0}, "eta must be a positive"),
        ({"max_samples": 0}, "max_samples must be a positive integer"),
    ],
)
def test_bad_arguments_are_clear_errors(digits, kwargs, message) -> None:
    net = deltaprop.Network([64, 5, 10], seed=1)
    with pytest.raises(ValueError, match=message):
        diagnose(net, digits.X_train, digits.y_train, **kwargs)
    with pytest.raises(ValueError, match="columns but the network's input layer has 64"):
        diagnose(net, np.zeros((3, 5)), [0, 1, 2])
