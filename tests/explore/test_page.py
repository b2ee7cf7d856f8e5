"""The explorer in a real browser: what the page shows is what the library computes."""

from __future__ import annotations

import re
import time

import numpy as np

import deltaprop
from deltaprop import Network, NetworkConfig
from deltaprop.core.backprop import backward, forward

# A small network with the quadratic cost, so that BP1 has its σ'(z^L) factor.
STATE = (
    "data=spiral&points=200&hidden=4,3&activation=sigmoid&output_activation=sigmoid"
    "&cost=quadratic&init=scaled&eta=0.5&batch_size=5&seed=3"
)


def _recorded_network(record: dict, info: dict) -> Network:
    """The network as it was before the recorded mini-batch's update."""
    config = NetworkConfig(
        tuple(info["sizes"]), info["activations"][0], info["activations"][-1], "quadratic", "scaled"
    )
    return Network.from_parameters(
        config,
        [np.array(w, dtype=np.float32) for w in record["weights_before"]],
        [np.array(b, dtype=np.float32) for b in record["biases_before"]],
    )


def _pause(p) -> None:
    p.page.click("#start")
    p.wait("document.querySelector('#status').dataset.batches > 20")
    p.page.click("#pause")
    p.wait_state("paused")
    p.wait("App.snapshot().record !== null")


def test_page_loads_without_console_errors_and_trains_the_spiral(page, tmp_path):
    p = page("data=spiral&hidden=8,8&eta=0.3&seed=0&pace=max")
    assert p.page.title() == "deltaprop explore"
    p.page.click("#start")
    p.wait("App.curves().filter(c => c.train_cost != null).length >= 4", 15_000)
    time.sleep(0.5)
    measured = [c["train_cost"] for c in p.js("App.curves()") if c.get("train_cost") is not None]
    assert measured[-1] < 0.5 * measured[0], measured
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
    edges = p.js("App.edgesShown()")
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
    shown_delta = float(p.page.inner_text("#tip [data-q=delta]"))
    np.testing.assert_allclose(shown_delta, deltas[-1][0, 1], rtol=1e-4)
    p.screenshot("explore-backward.png", tmp_path)
    assert p.errors == []


def test_one_step_advances_exactly_one_mini_batch(page):
    p = page(STATE)
    _pause(p)
    before = p.get("record")
    batches = int(p.page.get_attribute("#status", "data-batches"))
    p.page.click("#step")
    p.wait(f"App.snapshot().record && App.snapshot().record.step > {before['step']}")
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
    result = deltaprop.genie(
        _recorded_network(record, info),
        np.array(record["x"]),
        np.array(record["y"]),
        neurons=[(2, 1)],
        dz=dz,
    )
    expected = result.neurons[0]
    for selector, value in (
        ("#genie-delta", expected.delta),
        ("#genie-change", expected.change),
        ("#genie-predicted", expected.delta * expected.dz),
    ):
        np.testing.assert_allclose(float(p.page.inner_text(selector)), value, rtol=1e-4)
    assert p.errors == []


def test_state_lives_in_the_address_and_drawn_points_train(page):
    p = page("data=drawn&hidden=3&eta=0.5")
    assert p.page.is_visible("#plane")
    for x, y, shift in ((60, 60, False), (80, 70, False), (240, 230, True), (220, 250, True)):
        p.page.click("#plane", position={"x": x, "y": y}, modifiers=["Shift"] if shift else [])
    p.wait("App.info() !== null && App.info().n_train >= 3")
    url = p.page.url
    assert "data=drawn" in url and "hidden=3" in url and url.count("%3B") == 3
    q = page(url.split("#", 1)[1])  # the same view, reloaded from the address
    assert q.page.input_value("[name=hidden]") == "3"
    assert q.js("App.info().n_train + App.info().n_test") == 4
    assert p.errors == [] and q.errors == []


def test_the_controls_are_the_served_options(page):
    p = page("data=circle&hidden=3")
    served = p.get_path("/api/options")
    shown = p.js(
        "[...document.querySelectorAll('[data-option]')].map((e) => {"
        "  const f = e.querySelector('[name]');"
        "  return [f.name, f.tagName, f.value, f.tagName === 'SELECT' ?"
        "    [...f.options].map((o) => o.value) : null, e.hidden,"
        "    e.closest('[data-group]').dataset.group]; })"
    )
    by_name = {s[0]: s for s in shown}
    assert sorted(by_name) == sorted(o["name"] for o in served) and len(shown) == len(served)
    for option in served:  # each in its group's box (the speed in the header)
        name, tag, value, choices, hidden, group = by_name[option["name"]]
        assert group == option["group"], name
        if option["type"] == "choice":
            assert tag == "SELECT" and choices == list(option["choices"]), name
        elif option["type"] == "toggles":  # the input features: the defaults turned on
            assert value == ",".join(option["default"]), name
        elif option["type"] == "text":
            assert value == option["default"], name
        elif name not in ("data", "hidden"):
            assert float(value) == option["default"], name
        # sgd: no μ, β; nothing compared: no second value
        assert hidden == (name in ("momentum", "beta1", "beta2", "epsilon", "versus")), name
    # the cost's choices follow the output σ, as the library pairs them
    p.page.select_option("[name=output_activation]", "sigmoid")
    allowed = p.js(
        "[...document.querySelector('[name=cost]').options].filter((o) => !o.hidden)"
        ".map((o) => o.value)"
    )
    assert sorted(allowed) == ["cross-entropy", "quadratic"]
    assert p.page.input_value("[name=cost]") == "cross-entropy"
    p.wait("App.info() && App.info().cost === 'cross-entropy'")
    p.page.select_option("[name=optimizer]", "nesterov")
    assert p.page.is_visible("[name=momentum]") and not p.page.is_visible("[name=beta1]")
    assert p.errors == []


def test_a_run_that_cannot_go_on_says_why(page):
    p = page("data=circle&hidden=3&output_activation=identity&cost=quadratic&eta=1e6")
    p.page.click("#start")
    p.wait_state("failed")
    assert "failed: training diverged" in p.page.inner_text("#status")
    assert p.errors == []


def test_a_closed_run_says_why_and_starts_again(page):
    p = page("data=circle&hidden=3")
    first = p.js("App.info().id")
    body = '{"error": "the server closed this run to make room", "closed": true}'
    p.page.route(
        "**/control",
        lambda route: route.fulfill(status=410, body=body, content_type="application/json"),
    )
    p.page.click("#start")
    p.wait("document.querySelector('#status').dataset.state === 'closed'")
    assert "the server closed this run to make room" in p.page.inner_text("#status")
    p.page.unroute("**/control")
    p.page.click("#restart")
    p.wait(f"App.info() && App.info().id !== '{first}'")
    assert not p.page.is_visible("#restart")
    p.errors.clear()  # the browser logs the 410 answer itself


def test_what_the_page_calls_test_is_the_held_out_test_set(page):
    p = page("data=circle&points=100&hidden=3&batch_size=20")
    p.page.click("#start")
    p.wait("App.snapshot().epoch_row != null")
    row = p.js("App.snapshot().epoch_row")
    assert "test_accuracy" in row and not any(k.startswith("val_") for k in row), row
    assert p.errors == []
