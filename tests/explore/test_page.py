"""The explorer in a real browser: what the page shows is what the library computes."""

from __future__ import annotations

import re
import time

import numpy as np

import deltaprop
from deltaprop import Network, NetworkConfig
from deltaprop.core.backprop import backward, forward

# A small network with the quadratic cost, so that BP1 has its σ'(z^L) factor.
STATE = ("data=spiral&points=200&hidden=4,3&activation=sigmoid&output_activation=sigmoid"
         "&cost=quadratic&init=scaled&eta=0.5&batch_size=5&seed=3")  # fmt: skip


def _recorded_network(record: dict, info: dict) -> Network:
    """The network as it was before the recorded mini-batch's update."""
    config = NetworkConfig(tuple(info["sizes"]), info["activations"][0],
                           info["activations"][-1], "quadratic", "scaled")  # fmt: skip
    return Network.from_parameters(
        config,
        [np.array(w, dtype=np.float32) for w in record["weights_before"]],
        [np.array(b, dtype=np.float32) for b in record["biases_before"]],
    )


def _pause(p) -> None:
    p.page.click("#start")
    p.page.wait_for_function("document.querySelector('#status').dataset.batches > 20")
    p.page.click("#pause")
    p.wait_state("paused")
    p.page.wait_for_function("App.snapshot().record !== null")


def test_page_loads_without_console_errors_and_trains_the_spiral(page, tmp_path):
    p = page("data=spiral&hidden=8,8&eta=0.3&seed=0")
    assert p.page.title() == "deltaprop explore"
    p.page.click("#start")
    p.page.wait_for_function(
        "App.curves().filter(c => c.train_cost != null).length >= 4", timeout=15_000
    )
    time.sleep(0.5)
    measured = [c["train_cost"] for c in p.js("App.curves()") if c.get("train_cost") is not None]
    assert measured[-1] < 0.5 * measured[0], measured
    p.screenshot("explore-training.png", tmp_path)
    p.page.click("#pause")
    p.wait_state("paused")
    assert p.errors == []


def test_paused_delta_and_gradient_shown_equal_backprop(page, tmp_path):
    p = page(STATE + "&mode=backward")
    _pause(p)
    record, info = p.get("record"), p.js("App.info()")
    net = _recorded_network(record, info)
    x, y = np.array(record["x"], np.float32), np.array(record["y"], np.float32)
    grad_w, grad_b = net.backprop(x, y)
    # neurons coloured by ∂C/∂b^l (the mean δ, BP3) and edges by ∂C/∂w^l (BP4), as shown
    for layer in range(2, len(info["sizes"]) + 1):
        for j in range(info["sizes"][layer - 1]):
            neuron = f"#net .neuron[data-layer='{layer}'][data-neuron='{j}']"
            shown = float(p.page.get_attribute(neuron, "data-value"))
            np.testing.assert_allclose(shown, grad_b[layer - 2][j], rtol=1e-5, atol=1e-8)
    edges = p.js("Net.edgesShown(document.querySelector('#net'))")
    assert len(edges) == sum(a * b for a, b in zip(info["sizes"][:-1], info["sizes"][1:]))
    for layer, j, k, value, _, _ in edges:
        np.testing.assert_allclose(value, grad_w[layer - 2][j, k], rtol=1e-5, atol=1e-8)
    # hovering an edge: BP4 with the mini-batch's mean, for the edge the tooltip names
    _, _, _, _, px, py = edges[len(edges) // 2]
    p.page.hover("#net", position={"x": px, "y": py})
    tip = p.page.inner_text("#tip")
    layer, j, k = map(int, re.match(r"w\^(\d+)_(\d+),(\d+)", tip).groups())
    assert "BP4" in tip
    shown_grad = float(re.search(r"mean over the m = \d+ rows = (\S+)", tip).group(1))
    np.testing.assert_allclose(shown_grad, grad_w[layer - 2][j, k], rtol=1e-4)
    # the per-sample δ of the hover text: BP1 at the output, sample 1
    p.page.hover("#net .neuron[data-layer='4'][data-neuron='1']")
    tip = p.page.inner_text("#tip")
    assert "BP1" in tip and "σ'(z)" in tip
    zs, a_list = forward(net.weights, net.biases, net.sigmas, x, np)
    _, _, deltas, _ = backward(net.weights, net.sigmas, net.cost_function, zs, a_list, y, np)
    shown_delta = float(re.findall(r"^  = (\S+)$", tip, re.MULTILINE)[-1])
    np.testing.assert_allclose(shown_delta, deltas[-1][0, 1], rtol=1e-4)
    p.screenshot("explore-backward.png", tmp_path)
    assert p.errors == []


def test_one_step_advances_exactly_one_mini_batch(page):
    p = page(STATE)
    _pause(p)
    before = p.get("record")
    batches = int(p.page.get_attribute("#status", "data-batches"))
    p.page.click("#step")
    p.page.wait_for_function(
        f"App.snapshot().record && App.snapshot().record.step > {before['step']}"
    )
    after = p.get("record")
    assert after["step"] == before["step"] + 1
    assert int(p.page.get_attribute("#status", "data-batches")) == batches + 1
    # the step started where the last one ended, and its update is w − η ∂C/∂w (plain SGD)
    for w_end, w_start in zip(before["weights_after"], after["weights_before"]):
        np.testing.assert_array_equal(np.array(w_end), np.array(w_start))
    net = _recorded_network(after, p.js("App.info()"))
    grad_w, _ = net.backprop(np.array(after["x"], np.float32), np.array(after["y"], np.float32))
    for w0, g, w1 in zip(after["weights_before"], grad_w, after["weights_after"]):
        np.testing.assert_allclose(np.array(w1), np.array(w0) - 0.5 * g, rtol=1e-5, atol=1e-6)
    assert p.errors == []


def test_genie_numbers_equal_deltaprop_genie(page):
    p = page(STATE)
    _pause(p)
    p.page.click("#net .neuron[data-layer='2'][data-neuron='1']")
    p.page.wait_for_selector("#genie-change")
    record, info = p.get("record"), p.js("App.info()")
    dz = float(p.page.inner_text("#genie-dz"))
    result = deltaprop.genie(_recorded_network(record, info), np.array(record["x"]),
                             np.array(record["y"]), neurons=[(2, 1)], dz=dz)  # fmt: skip
    expected = result.neurons[0]
    for selector, value in (("#genie-delta", expected.delta), ("#genie-change", expected.change),
                            ("#genie-predicted", expected.delta * expected.dz)):  # fmt: skip
        np.testing.assert_allclose(float(p.page.inner_text(selector)), value, rtol=1e-4)
    assert p.errors == []


def test_state_lives_in_the_address_and_drawn_points_train(page):
    p = page("data=drawn&hidden=3&eta=0.5")
    assert p.page.is_visible("#plane")
    for x, y, shift in ((60, 60, False), (80, 70, False), (240, 230, True), (220, 250, True)):
        p.page.click("#plane", position={"x": x, "y": y}, modifiers=["Shift"] if shift else [])
    p.page.wait_for_function("App.info() !== null && App.info().n_train >= 3")
    url = p.page.url
    assert "data=drawn" in url and "hidden=3" in url and url.count("%3B") == 3
    q = page(url.split("#", 1)[1])  # the same view, reloaded from the address
    assert q.page.input_value("[name=hidden]") == "3"
    assert q.js("App.info().n_train + App.info().n_test") == 4
    assert p.errors == [] and q.errors == []
