"""The playground's features in a real browser, used as a new user would: the input features,
a regression's surface, +/− for layers and neurons, a weight set by clicking an edge, settings
changed while training, Reset and the shareable address, and two runs side by side. What the
page shows is checked against the library's own numbers."""

from __future__ import annotations

import base64
import re
import time
from pathlib import Path

import numpy as np
import pytest

import deltaprop
from deltaprop import Network, NetworkConfig

# The circle learned from x₁², x₂² as well as x₁, x₂: a small network, a fast pace.
CIRCLE = "data=circle&points=200&hidden=3&eta=0.5&batch_size=10&seed=2"


def _weights(p, tmp_path: Path, run: str = "App.info().id") -> list[np.ndarray]:
    """The run's whole network as the page saves it (Save network), its weights."""
    b64 = p.js(
        f"fetch('/api/' + {run} + '/model.npz').then(r => r.arrayBuffer())"
        ".then(b => btoa(String.fromCharCode(...new Uint8Array(b))))"
    )
    path = tmp_path / f"net-{time.monotonic_ns()}.npz"
    path.write_bytes(base64.b64decode(b64))
    return [np.array(w) for w in deltaprop.load(path).weights]


def _new_run(p, old: str) -> None:
    """Wait until the page has a run other than ``old``, drawn (the status is written as the
    snapshot is drawn)."""
    p.wait(
        f"App.info() && App.info().id !== '{old}' && App.snapshot().state === 'idle' && "
        "document.querySelector('#status').dataset.state === 'idle' && App.info().shown.every("
        "(s, i) => document.querySelectorAll(`#net .neuron[data-layer='${i + 1}']`).length"
        " === s.length)"
    )


def _train_then_pause(p, batches: int) -> None:
    p.page.click("#start")
    p.wait(f"document.querySelector('#status').dataset.batches > {batches}", 30_000)
    p.page.click("#pause")
    p.wait_state("paused")


def _canvas(p, selector: str) -> list[int]:
    """The pixels of a canvas, as bytes (to see whether a picture changed)."""
    return p.js(
        f"(() => {{ const c = document.querySelector('{selector}');"
        "return [...c.getContext('2d').getImageData(0, 0, c.width, c.height).data]; })()"
    )


def _drawn(p, selector: str) -> int:
    """How many lines and paths a curve's SVG holds (0 when nothing is drawn)."""
    return p.js(f"document.querySelectorAll('{selector} path.series').length")


def _marked(p, selector: str) -> bool:
    """Whether a curve's SVG has the mark of a changed setting (a dashed line, live.js)."""
    return p.js(f"document.querySelectorAll('{selector} line.change').length > 0")


def _first_steps_alike(p) -> None:
    """Step once: both runs take the same mini-batch from the same weights, and differ after."""
    p.page.click("#step")
    p.wait("App.snapshot().record && App.snapshot().record.step === 1")
    p.wait("document.querySelector('#twin-status').dataset.batches === '1'")
    a, b = p.get("record"), _twin_record(p)
    np.testing.assert_array_equal(np.array(a["x"]), np.array(b["x"]))
    for wa, wb in zip(a["weights_before"], b["weights_before"]):
        np.testing.assert_array_equal(np.array(wa), np.array(wb))
    assert not np.array_equal(np.array(a["weights_after"][0]), np.array(b["weights_after"][0]))


def test_the_input_layer_follows_the_features_and_the_circle_is_learned_from_squares(page):
    p = page(CIRCLE)
    assert p.js("App.info().sizes") == [2, 3, 2]
    run = p.js("App.info().id")
    for name in ("x1sq", "x2sq"):  # toggled on: one input neuron more each, named
        p.page.check(f"[data-option=features] input[value={name}]")
        _new_run(p, run)
        run = p.js("App.info().id")
    assert p.js("App.info().sizes") == [4, 3, 2]
    assert p.js("App.info().inputs") == ["x₁", "x₂", "x₁²", "x₂²"]
    assert p.js("document.querySelectorAll('#net .neuron[data-layer=\"1\"]').length") == 4
    for name in ("x1", "x2"):  # off: the squares alone
        p.page.uncheck(f"[data-option=features] input[value={name}]")
        _new_run(p, run)
        run = p.js("App.info().id")
    assert p.js("App.info().sizes") == [2, 3, 2]
    labels = p.js("[...document.querySelectorAll('#net .input-label')].map(t => t.textContent)")
    assert labels == ["x₁²", "x₂²"]
    assert "features=x1sq%2Cx2sq" in p.page.url
    p.page.click("#start")
    p.wait("App.snapshot().epochs && App.snapshot().epochs.length >= 3", 60_000)
    p.page.click("#pause")
    p.wait_state("paused")
    best = max(e["test_accuracy"] for e in p.js("App.snapshot().epochs"))
    assert best >= 0.9, p.js("App.snapshot().epochs")
    assert p.errors == []


def test_a_regression_is_drawn_as_a_surface_with_an_identity_output(page, tmp_path):
    p = page("data=reg-gauss&points=300&hidden=6&eta=0.05&batch_size=10&seed=1")
    info = p.js("App.info()")
    assert info["regression"] and info["activations"][-1] == "identity"
    assert info["cost"] == "quadratic" and info["sizes"][-1] == 1
    # the output σ and the cost are fixed by the set: their controls are hidden
    assert not p.page.is_visible("[name=output_activation]")
    assert not p.page.is_visible("[name=cost]")
    assert p.page.is_visible("#plane") and p.page.is_visible("#surface-legend")
    assert not p.page.is_visible("#accuracy")  # nothing to count right
    assert "a^L over the plane" in p.page.inner_text("#surface-legend")
    before = _canvas(p, "#plane-surface")
    p.page.click("#start")
    p.wait("App.curves().filter(c => c.train_cost != null).length >= 4", 60_000)
    p.page.click("#pause")
    p.wait_state("paused")
    measured = [c["train_cost"] for c in p.js("App.curves()") if c.get("train_cost") is not None]
    assert measured[-1] < measured[0], measured
    p.wait("App.snapshot().plane && App.snapshot().plane.surface")
    assert _canvas(p, "#plane-surface") != before  # the surface follows the trained network
    p.page.set_viewport_size({"width": 1280, "height": 900})
    p.screenshot("playground-regression.png", tmp_path)
    assert p.errors == []


def test_plus_and_minus_change_the_network_drawn(page):
    p = page(CIRCLE)
    drawn = (
        '[2, 3, 4].map(l => document.querySelectorAll(`#net .neuron[data-layer="${l}"]`).length)'
    )
    assert p.js(drawn) == [3, 2, 0]
    run = p.js("App.info().id")
    p.page.click("#edit-layers .edit-layers button:has-text('+')")  # a layer, as wide as the last
    _new_run(p, run)
    run = p.js("App.info().id")
    assert p.js("App.info().sizes") == [2, 3, 3, 2] and p.js(drawn) == [3, 3, 2]
    assert p.page.input_value("[name=hidden]") == "3,3"
    p.page.click("#edit-layers [data-layer='3'] button:has-text('+')")
    _new_run(p, run)
    run = p.js("App.info().id")
    assert p.js("App.info().sizes") == [2, 3, 4, 2] and p.js(drawn) == [3, 4, 2]
    p.page.click("#edit-layers [data-layer='2'] button:has-text('−')")
    _new_run(p, run)
    run = p.js("App.info().id")
    assert p.js("App.info().sizes") == [2, 2, 4, 2] and p.js(drawn) == [2, 4, 2]
    assert p.page.inner_text("#edit-layers [data-layer='2'] .width") == "2"
    p.page.click("#edit-layers .edit-layers button:has-text('−')")
    _new_run(p, run)
    assert p.js("App.info().sizes") == [2, 2, 2] and "hidden=2&" in p.page.url
    assert p.errors == []


def test_a_clicked_edge_set_by_hand_changes_the_cost_as_the_library_says(page, tmp_path):
    p = page(CIRCLE)
    _train_then_pause(p, 20)
    p.wait("App.snapshot().record !== null")
    record, info = p.get("record"), p.js("App.info()")
    plane = _canvas(p, "#plane-surface")
    layer, j, k, _, x, y = next(e for e in p.js("App.edgesShown()") if e[0] == 2)
    p.page.click("#net", position={"x": x, "y": y})
    p.page.wait_for_selector("#weight-set")
    title = p.page.inner_text("#weight h3")
    layer, j, k = map(int, re.search(r"w\^(\d+)_(\d+),(\d+)", title).groups())
    shown = float(p.page.input_value("[name=weight-value]"))
    w_now = np.array(record["weights_after"][layer - 2])
    np.testing.assert_allclose(shown, w_now[j, k], rtol=1e-6)
    p.page.fill("[name=weight-value]", "2.5")
    p.page.click("#weight-set")
    p.page.wait_for_selector("#weight [data-q=edit_cost][data-when=after]")
    cost_before = float(p.page.inner_text("#weight [data-q=edit_cost][data-when=before]"))
    cost_after = float(p.page.inner_text("#weight [data-q=edit_cost][data-when=after]"))
    # the library's cost of the paused mini-batch's rows, before and after the change
    config = NetworkConfig(
        tuple(info["sizes"]), info["activations"][0], info["activations"][-1], info["cost"]
    )
    weights = [np.array(w, np.float32) for w in record["weights_after"]]
    biases = [np.array(b, np.float32) for b in record["biases_after"]]
    x_rows, y_rows = np.array(record["x"], np.float32), np.array(record["y"], np.float32)
    expected_before = Network.from_parameters(config, weights, biases).evaluate(x_rows, y_rows)
    weights[layer - 2][j, k] = 2.5
    expected_after = Network.from_parameters(config, weights, biases).evaluate(x_rows, y_rows)
    np.testing.assert_allclose(cost_before, expected_before["cost"], rtol=1e-4)
    np.testing.assert_allclose(cost_after, expected_after["cost"], rtol=1e-4)
    assert cost_after != cost_before
    assert _weights(p, tmp_path)[layer - 2][j, k] == np.float32(2.5)
    p.wait(f"App.snapshot().w && App.snapshot().w[{layer - 2}].flat().includes(2.5)")
    time.sleep(0.3)  # the next frame
    assert _canvas(p, "#plane-surface") != plane  # the decision surface drawn again
    assert "w^2" in p.page.inner_text("#changes")  # and the change listed
    # no mini-batch recorded from the changed network yet: a hover says how to see one
    p.page.hover("#net .neuron[data-layer='2'][data-neuron='0']")
    assert "(step one mini-batch to see the equations" in p.page.inner_text("#tip")
    # the next mini-batch starts from the weight set
    p.page.click("#step")
    p.wait("App.snapshot().record !== null")
    assert p.get("record")["weights_before"][layer - 2][j][k] == 2.5
    p.screenshot("playground-weight.png", tmp_path)
    assert p.errors == []


def test_settings_changed_while_training_take_effect_and_are_marked(page, tmp_path):
    p = page("data=circle&points=200&hidden=6&eta=0.05&batch_size=10&seed=2")
    run = p.js("App.info().id")
    p.page.click("#start")
    p.wait("document.querySelector('#status').dataset.batches > 30", 30_000)
    # a hovered value follows the training while it runs
    p.page.hover("#net .neuron[data-layer='2'][data-neuron='0']")
    p.wait("!document.querySelector('#tip').hidden")
    first = p.page.inner_text("#tip")
    p.wait(f"document.querySelector('#tip').innerText !== {first!r}", 10_000)
    p.page.fill("[name=eta]", "0.2")
    p.page.dispatch_event("[name=eta]", "change")
    p.wait("(App.snapshot().changes || []).some(c => 'eta' in c.what)", 10_000)
    # the next mini-batch is w − η ∂C/∂w with the new η, from the network trained so far
    p.page.click("#pause")
    p.wait_state("paused")
    p.page.click("#step")
    p.wait("App.snapshot().record && App.snapshot().record.step > App.snapshot().changes[0].batch")
    record, info = p.get("record"), p.js("App.info()")
    config = NetworkConfig(
        tuple(info["sizes"]), info["activations"][0], info["activations"][-1], info["cost"]
    )
    before = Network.from_parameters(
        config,
        [np.array(w, np.float32) for w in record["weights_before"]],
        [np.array(b, np.float32) for b in record["biases_before"]],
    )
    grad_w, _ = before.backprop(
        np.array(record["x"], np.float32), np.array(record["y"], np.float32)
    )
    for w0, g, w1 in zip(record["weights_before"], grad_w, record["weights_after"]):
        np.testing.assert_allclose(np.array(w1), np.array(w0) - 0.2 * g, rtol=1e-5, atol=1e-6)
    p.page.click("#start")
    for name, value in (("l2", "0.01"), ("dropout", "0.2")):
        p.page.fill(f"[name={name}]", value)
        p.page.dispatch_event(f"[name={name}]", "change")
        p.wait(f"(App.snapshot().changes || []).some(c => '{name}' in c.what)", 10_000)
    p.page.select_option("[name=optimizer]", "momentum")
    p.wait("(App.snapshot().changes || []).some(c => 'optimizer' in c.what)", 10_000)
    assert p.js("App.info().id") == run  # the same run: no new network
    changes = p.js("App.snapshot().changes")
    assert [list(c["what"]) for c in changes] == [["eta"], ["l2"], ["dropout"], ["optimizer"]]
    assert changes[0]["what"]["eta"] == [0.05, 0.2]
    batches = [c["batch"] for c in changes]
    assert batches == sorted(batches) and batches[0] > 30
    shown = p.page.inner_text("#changes")
    assert "η 0.05 → 0.2" in shown and "momentum" in shown
    assert all(_marked(p, c) for c in ("#cost", "#accuracy", "#speed", "#saturation"))
    # the address is written when the server has answered, which may follow the snapshot
    p.wait("location.hash.includes('eta=0.2') && location.hash.includes('optimizer=momentum')")
    # a value the run cannot take: it says why, in view while training goes on, and the
    # control shows again the value the run trains with
    p.page.fill("[name=eta]", "-1")
    p.page.press("[name=eta]", "Enter")
    p.wait("document.querySelector('#status').classList.contains('error')")
    batches = p.js("App.snapshot().batches")
    p.wait(f"App.snapshot().batches > {batches}")
    time.sleep(0.3)
    assert "eta must be a number in (0, ∞); got" in p.page.inner_text("#status")
    assert p.page.input_value("[name=eta]") == "0.2" and "eta=0.2" in p.page.url
    assert [e for e in p.errors if "400 (Bad Request)" in e] == p.errors[-1:]  # the browser's
    p.errors.pop()
    p.page.click("#pause")
    p.wait_state("paused")
    p.screenshot("playground-live.png", tmp_path)
    assert p.errors == []


def test_reset_returns_to_the_same_weights_and_the_address_keeps_the_settings(page, tmp_path):
    p = page(
        "data=circle&points=200&features=x1,x2sq&hidden=5,4&activation=sigmoid&eta=0.5"
        "&batch_size=10&l2=0.001&optimizer=adam&seed=2&mode=backward"
    )
    initial = _weights(p, tmp_path)
    _train_then_pause(p, 20)
    trained = _weights(p, tmp_path)
    assert not np.array_equal(trained[0], initial[0])
    run = p.js("App.info().id")
    p.page.click("#reset")
    _new_run(p, run)
    for w0, w1 in zip(initial, _weights(p, tmp_path)):
        np.testing.assert_array_equal(w0, w1)
    run = p.js("App.info().id")
    p.page.fill("[name=seed]", "7")
    p.page.dispatch_event("[name=seed]", "change")
    _new_run(p, run)
    assert not np.array_equal(_weights(p, tmp_path)[0], initial[0])
    # the address, opened in a new page: the same settings, the same initial weights
    values = p.js("App.info() && Object.fromEntries(new URLSearchParams(location.hash.slice(1)))")
    q = page(p.page.url.split("#", 1)[1])
    again = q.js("Object.fromEntries(new URLSearchParams(location.hash.slice(1)))")
    assert again == values
    for name in ("hidden", "activation", "l2", "optimizer", "seed", "eta"):
        assert q.page.input_value(f"[name={name}]") == values[name], name
    assert q.js("App.info().inputs") == ["x₁", "x₂²"] and values["features"] == "x1,x2sq"
    assert q.page.is_checked("input[name=mode][value=backward]")
    for w0, w1 in zip(_weights(p, tmp_path), _weights(q, tmp_path)):
        np.testing.assert_array_equal(w0, w1)
    # the address pasted over another one in the same tab: its settings, its run
    run = p.js("App.info().id")
    p.page.goto(p.address + "#data=circle&points=200&hidden=2&seed=2")
    _new_run(p, run)
    assert p.js("App.info().sizes") == [2, 2, 2] and p.page.input_value("[name=hidden]") == "2"
    assert p.errors == [] and q.errors == []


def _twin_record(p) -> dict:
    return p.js("fetch('/api/' + App.info().twin.id + '/record').then(r => r.json())")


def test_two_runs_side_by_side_from_the_same_weights_and_mini_batches(page, tmp_path):
    p = page(
        "data=circle&points=200&hidden=6&activation=sigmoid&output_activation=sigmoid"
        "&cost=quadratic&eta=0.5&batch_size=10&seed=2"
    )
    assert not p.page.is_visible("#twin")
    run = p.js("App.info().id")
    # a number compared: the page asks for the second run's value, keeping this run
    p.page.select_option("[name=compare]", "eta")
    assert p.page.is_visible("[name=versus]")
    assert 'under "versus"' in p.page.inner_text("#status")
    assert p.js("App.info().id") == run and not p.page.is_visible("#twin")
    # a choice compared: the other cost the output σ allows is suggested, and both runs made
    p.page.select_option("[name=compare]", "cost")
    assert p.page.input_value("[name=versus]") == "cross-entropy"
    p.wait(f"App.info() && App.info().id !== '{run}' && App.info().twin")
    assert "compare=cost&versus=cross-entropy" in p.page.url
    assert p.page.is_visible("#twin") and p.page.is_visible("#plane-twin")
    twin = p.js("App.info().twin")
    assert twin["compare"] == "cost" and twin["values"] == ["quadratic", "cross-entropy"]
    p.wait("document.querySelector('#twin-title').textContent.startsWith('A: cost = quadratic')")
    # Step: both runs take the same first mini-batch from the same weights
    _first_steps_alike(p)
    # trained in lockstep; both curves, each layer's learning speed, on shared axes
    p.page.click("#start")
    p.wait("App.curves().filter(c => c.train_cost != null).length >= 3", 60_000)
    p.wait("App.twin().curves.filter(c => c.train_cost != null).length >= 3", 60_000)
    p.page.click("#pause")
    p.wait_state("paused")
    p.wait("document.querySelector('#twin-status').dataset.state === 'paused'")
    assert p.js("App.snapshot().batches") == p.js("App.twin().snapshot.batches")
    # a weight set by hand: set in both (they still differ in the one setting)
    layer, j, k, _, x, y = p.js("App.edgesShown()")[3]
    p.page.click("#net", position={"x": x, "y": y})
    p.page.wait_for_selector("#weight-set")
    layer, j, k = map(
        int, re.search(r"w\^(\d+)_(\d+),(\d+)", p.page.inner_text("#weight h3")).groups()
    )
    p.page.fill("[name=weight-value]", "1.5")
    p.page.click("#weight-set")
    p.page.wait_for_selector("#weight [data-q=edit_w][data-when=after]")
    twin_weights = _weights(p, tmp_path, "App.info().twin.id")
    assert twin_weights[layer - 2][j, k] == _weights(p, tmp_path)[layer - 2][j, k] == 1.5
    # a setting changed while both train: changed in both, after the same mini-batch
    p.page.click("#start")
    p.page.fill("[name=l2]", "0.1")
    p.page.press("[name=l2]", "Enter")
    p.wait("(App.twin().snapshot.changes || []).some(c => 'l2' in c.what)", 10_000)
    p.page.click("#pause")
    p.wait_state("paused")
    p.wait("document.querySelector('#twin-status').dataset.state === 'paused'")
    marks = "(run) => run.snapshot.changes.map(c => [c.batch, Object.keys(c.what)])"
    assert p.js(f"({marks})({{snapshot: App.snapshot()}})") == p.js(f"({marks})(App.twin())")
    assert p.js("App.snapshot().changes.at(-1).what") == {"l2": [0, 0.1]}
    assert _marked(p, "#twin-cost") and _marked(p, "#twin-speed")
    assert p.js("App.snapshot().batches") == p.js("App.twin().snapshot.batches")
    layers = len(p.js("App.info().sizes")) - 1
    assert all(len(c["speed"]) == layers for c in p.js("App.twin().curves") if c.get("speed"))
    for curves in ("#twin-cost", "#twin-speed"):
        assert _drawn(p, curves), curves
    assert any(_canvas(p, "#plane-twin-surface"))
    p.page.set_viewport_size({"width": 1280, "height": 900})
    p.screenshot("playground-twin.png", tmp_path)
    assert p.errors == []


def test_image_data_has_no_plane_and_an_edge_of_a_selection_is_set(page, tmp_path):
    p = page("data=digits&hidden=20&eta=0.5&batch_size=10&seed=2")
    assert not p.page.is_visible("#plane")  # no empty frame for images
    assert not p.page.is_visible("[data-option=features]")  # features are of 2-D points
    p.page.click("#step")
    p.wait("App.snapshot().record !== null")
    # an edge between drawn neurons that are not the first ones: its indices are the layer's
    layer, j, k, _, x, y = next(e for e in p.js("App.edgesShown()") if e[0] == 2 and e[2] > 16)
    p.page.click("#net", position={"x": x, "y": y})
    p.page.wait_for_selector("#weight-set")
    layer, j, k = map(
        int, re.search(r"w\^(\d+)_(\d+),(\d+)", p.page.inner_text("#weight h3")).groups()
    )
    p.page.fill("[name=weight-value]", "-3")
    p.page.click("#weight-set")
    p.page.wait_for_selector("#weight [data-q=edit_w][data-when=after]")
    assert _weights(p, tmp_path)[layer - 2][j, k] == np.float32(-3)
    assert p.errors == []


@pytest.mark.parametrize(("name", "versus"), [("activation", "relu"), ("eta", "2"), ("l2", "5")])
def test_each_setting_compared_starts_both_runs_alike(page, name, versus):
    p = page("data=circle&points=200&hidden=4&activation=sigmoid&eta=0.5&batch_size=10&seed=2")
    run = p.js("App.info().id")
    p.page.select_option("[name=compare]", name)  # a choice's other value is suggested:
    p.page.fill("[name=versus]", versus)  # typed over at once, the run of the last one stays
    p.page.press("[name=versus]", "Enter")
    second = versus if name == "activation" else float(versus)
    p.wait(f"App.info() && App.info().id !== '{run}' && App.info().twin")
    p.wait(f"App.info().twin.values[1] === {second!r}")
    time.sleep(0.5)  # an overtaken run's answer, had it come later, would show here
    assert p.js("App.info().twin.values")[1] == second
    _first_steps_alike(p)
    assert p.errors == []
