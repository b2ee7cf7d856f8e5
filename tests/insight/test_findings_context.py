"""The findings' advice fits the network: fresh or trained, its initialisation, and whether
its saturated outputs are right (fine) or wrong (the slowdown)."""

from __future__ import annotations

import numpy as np
import pytest

import deltaprop
from deltaprop.insight import diagnose

RNG = np.random.default_rng(0)
X = RNG.random((200, 64))  # inputs in [0, 1], shape (n, 64)
Y = RNG.integers(0, 10, 200)  # class labels, shape (n,)


def _messages(diagnosis, rule):
    return [f.message for f in diagnosis.findings if f.rule == rule]


def test_a_fresh_normal_network_is_told_to_scale_its_initial_weights():
    net = deltaprop.Network([64, 30, 10], init="normal", dtype="float64", seed=0)
    (message,) = _messages(diagnose(net, X, Y, trained=False), "saturated_hidden")
    assert "--init scaled" in message


def test_a_scaled_network_is_not_told_to_use_the_init_it_has():
    net = deltaprop.Network([64, 30, 10], init="scaled", dtype="float64", seed=0)
    (message,) = _messages(diagnose(net, 40 * X, Y, trained=False), "saturated_hidden")
    assert "--init scaled" not in message and "inputs scaled to about [0, 1]" in message


def test_a_trained_network_is_told_about_its_weights_not_its_initialisation():
    net = deltaprop.Network([64, 30, 10], init="normal", dtype="float64", seed=0)
    (message,) = _messages(diagnose(net, X, Y, trained=True), "saturated_hidden")
    assert "--init" not in message and "--l2" in message and "usual" in message


def test_outputs_saturated_at_the_right_answer_are_fine_and_at_the_wrong_one_slow():
    net = deltaprop.Network([64, 30, 10], init="scaled", dtype="float64", seed=0)
    net.biases[-1][:] = -8.0  # every a ≈ 0: right for the nine zeros of each one-hot y
    d = diagnose(net, X, Y)
    assert _messages(d, "saturated_output") == []
    (message,) = _messages(d, "saturated_right")
    assert "90% of its outputs are saturated at the right value" in message
    assert "not the slowdown" in message

    net.biases[-1][:] = 8.0  # every a ≈ 1: wrong for the nine zeros
    d = diagnose(net, X, Y)
    assert _messages(d, "saturated_right") == []
    (message,) = _messages(d, "saturated_output")
    assert "90% of its outputs are saturated at the wrong value" in message


def test_the_report_diagnoses_the_trained_network_as_trained(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="the plot extra (--plots draws figures)")
    from deltaprop.cli import main
    from deltaprop.insight.run import load_run

    assert (
        main(
            [
                "train",
                "--dataset",
                "digits",
                "--epochs",
                "2",
                "--seed",
                "0",
                "--quiet",
                "--plots",
                str(tmp_path),
            ]
        )
        == 0
    )
    run, _ = load_run(tmp_path)
    assert not any("--init scaled" in f.message for f in run.diagnosis.findings)
