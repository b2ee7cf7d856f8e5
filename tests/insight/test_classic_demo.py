"""The classic demonstration (examples/saturated_output.py) on a small subset of MNIST:
a saturated output layer learns markedly slower with the quadratic cost than with the
cross-entropy cost, and the diagnostics say why."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from deltaprop.io.mnist import load_mnist

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "saturated_output.py"


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("saturated_output", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


@pytest.mark.parametrize("seed", [1, 2])
def test_quadratic_cost_learns_slower_from_a_saturated_output_layer(mnist_dir, example, seed):
    data = load_mnist(mnist_dir)
    X, y = data.X_train[:1000], data.y_train[:1000]
    results = example.run_experiment(
        X, y, data.X_test[:2000], data.y_test[:2000], epochs=2, eta=0.5, seed=seed
    )
    q, ce = results["quadratic"], results["cross-entropy"]

    # Before training: the same network, so the same saturated outputs; only the quadratic
    # cost's BP1 carries σ'(z^L), and only its diagnosis says so.
    assert q.before.layers[-1].saturated_wrong == pytest.approx(0.9, abs=0.01)
    assert ce.before.layers[-1].saturated_wrong == q.before.layers[-1].saturated_wrong
    assert [f.rule for f in q.before.findings if f.equation == "BP1"] == ["saturated_output"]
    assert not [f for f in ce.before.findings if f.equation == "BP1"]
    assert q.before.layers[-1].delta < ce.before.layers[-1].delta / 100

    # During the first epochs: the quadratic network is stuck near chance, cross-entropy is not.
    for acc_q, acc_ce in zip(q.history["test_accuracy"], ce.history["test_accuracy"]):
        assert acc_q < 0.2 and acc_ce > acc_q + 0.25
    # The monitor shows why: the output layer's learning speed ‖∂C/∂b^3‖.
    assert q.history["grad_b_norm_l3"][0] < ce.history["grad_b_norm_l3"][0] / 20
    assert q.monitor.trace[0, -1, 2] < ce.monitor.trace[0, -1, 2] / 100

    text = " ".join(example.summary(results).split())
    assert "slower than the cross-entropy one" in text and "[BP1]" in text
