"""The diagnosis's summary and its table come from one rule: a layer the table shows saturated
(``is_saturated``: 20% or more of its entries) is never summed up as unsaturated.

The case that showed it: the digits network with the cross-entropy cost, trained, then
diagnosed. Its outputs are 93% saturated, which cross-entropy makes harmless (BP1 gives
δ^L = a^L − y); the summary used to say "no layer is saturated" beside that table.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import deltaprop
from deltaprop.cli import main
from deltaprop.insight.findings import DEAD, SATURATED, is_saturated

RNG = np.random.default_rng(0)
X = RNG.random((200, 64))  # inputs in [0, 1], shape (n, 64)
Y = RNG.integers(0, 10, 200)  # class labels, shape (n,)


def _table_saturation(text: str) -> dict[int, float]:
    """Layer → saturated fraction, read back from the printed table."""
    found = {}
    for line in text.splitlines():
        m = re.match(r"\s+(\d+)\s+\d+\s+\w+\s+(?:\S+\s+){3}([\d.]+)%", line)
        if m:
            found[int(m.group(1))] = float(m.group(2)) / 100
    return found


def test_the_trained_digits_network_with_cross_entropy(tmp_path: Path, capsys) -> None:
    model = tmp_path / "digits.npz"
    assert (
        main(
            [
                "train",
                "--dataset",
                "digits",
                "--cost",
                "cross-entropy",
                "--init",
                "scaled",
                "--eta",
                "0.5",
                "--epochs",
                "30",
                "--seed",
                "0",
                "--save",
                str(model),
                "--quiet",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["diagnose", str(model), "--dataset", "digits"]) == 0
    out = capsys.readouterr().out
    saturation = _table_saturation(out)
    assert saturation[3] >= SATURATED > saturation[2], out  # the case: only the outputs
    text = " ".join(out.split())  # the summary is wrapped over lines
    assert "no layer is saturated" not in text.lower()
    assert "Output layer (layer 3) has 93% of its outputs saturated" in text
    assert "with the cross-entropy cost BP1 gives δ^L = a^L − y" in text
    assert "No other layer has 20% or more of its neurons saturated" in text


@pytest.mark.parametrize("cost", ["quadratic", "cross-entropy"])
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
@pytest.mark.parametrize("shift", [-8.0, -3.0, 0.0, 3.0, 8.0])
@pytest.mark.parametrize("init", ["normal", "scaled"])
def test_every_saturated_layer_is_named_and_no_other_is(cost, output, shift, init) -> None:
    if output == "softmax" and cost == "quadratic":
        output = "sigmoid"
    net = deltaprop.Network(
        [64, 30, 10], output_activation=output, cost=cost, init=init, dtype="float64", seed=0
    )
    net.biases[-1][:] += shift  # from unsaturated outputs to outputs saturated at 0 or 1
    d = deltaprop.diagnose(net, X, Y)
    said = " ".join([*(f.message for f in d.findings), *d.summary()])
    for layer in d.layers:
        named = re.search(rf"\b[Ll]ayer {layer.layer}\b", said) is not None
        if is_saturated(layer):
            assert named, str(d)
    if not d.findings:
        unsaturated = not any(is_saturated(layer) for layer in d.layers)
        assert ("No layer has 20% or more of its neurons saturated" in said) == unsaturated
        assert all(layer.dead is None or layer.dead < DEAD for layer in d.layers)
    # the text the user reads is the same as the summary's sentences
    assert " ".join(str(d).split()).endswith(" ".join(" ".join(d.summary()).split()))


def test_the_notebook_view_and_the_report_say_the_same(tmp_path: Path) -> None:
    net = deltaprop.Network([64, 30, 10], cost="cross-entropy", init="scaled", seed=0)
    net.biases[-1][:] = -8.0  # outputs saturated near 0: right for nine of ten, and harmless
    d = deltaprop.diagnose(net, X, Y)
    assert not d.findings and is_saturated(d.layers[-1])
    (note,) = [s for s in d.summary() if s.startswith("Output layer")]
    assert note.split(" (σ")[0] in d._repr_html_()
