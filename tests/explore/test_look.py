"""The explorer read at a glance, in a real browser: the layout from a 360-pixel phone to a
wide screen, one meaning per colour with its legend, controls shown only where they do
something, the pace a learner can follow, curves for every run, and a refusal that says why.

The screenshots the documentation shows (docs/explore.md) are taken here: run with
``DELTAPROP_SCREENSHOTS=1`` to write them into docs/images.
"""

from __future__ import annotations

import math
import re
import time

import pytest

#: the widths checked: two phones, a laptop, a wide screen
WIDTHS = (360, 390, 1280, 1920)
#: a tick label as the page writes it: a plain number (0.001, 10k, 1.5M) or 10⁻⁵
PLAIN = re.compile(r"^−?(\d+(\.\d+)?[kM]?|10[⁻¹²³⁴⁵⁶⁷⁸⁹⁰]+)$")


def _layout(p) -> dict:
    return p.js(
        "(() => { const h = document.querySelector('header');"
        "  const tops = [...h.children].filter((e) => e.offsetParent !== null)"
        "    .map((e) => e.getBoundingClientRect()).map((r) => [r.top, r.bottom]);"
        "  const net = document.querySelector('#net').getBoundingClientRect();"
        "  const box = document.querySelector('#netbox').getBoundingClientRect();"
        "  return { scroll: document.documentElement.scrollWidth, inner: innerWidth,"
        "    rows: tops, netRight: net.right, boxRight: box.right }; })()"
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_the_page_fits_every_width_with_a_one_row_header(page, tmp_path, width):
    p = page("data=spiral&features=x1,x2,sinx1", width=width)
    p.page.click("#start")
    p.wait("App.curves().filter((c) => c.train_cost != null).length >= 3")
    time.sleep(1.0)
    shape = _layout(p)
    assert shape["scroll"] <= shape["inner"], shape  # no horizontal scroll
    tops, bottoms = zip(*shape["rows"])
    assert max(tops) < min(bottoms), shape  # the header's parts share one row
    assert shape["netRight"] <= shape["boxRight"] + 1  # the network scales to its box
    if width in (390, 1920):
        p.screenshot(f"explore-{'phone' if width == 390 else 'wide'}.png", tmp_path)
    assert p.errors == []


def test_controls_that_do_nothing_are_hidden(page):
    p = page("data=circle&hidden=3")
    visible = lambda name: p.page.is_visible(f"[data-option={name}]")  # noqa: E731
    assert not any(visible(n) for n in ("momentum", "beta1", "beta2", "epsilon"))  # sgd
    p.page.select_option("[name=optimizer]", "momentum")
    assert visible("momentum") and not visible("beta1")
    p.page.select_option("[name=optimizer]", "adam")
    assert visible("beta1") and visible("beta2") and not visible("momentum")
    assert all(visible(n) for n in ("points", "noise", "test_fraction"))
    p.page.select_option("[name=data]", "digits")  # image data: its own test set, no noise
    p.wait("App.info() !== null && App.info().kind === 'image'")
    assert not any(visible(n) for n in ("points", "noise", "test_fraction"))
    assert not p.page.is_visible("#plane-box") and p.page.is_visible("#images-box")
    p.page.select_option("[name=data]", "upload")  # the explorer cuts a test set from it
    assert not visible("points") and not visible("noise") and visible("test_fraction")
    p.errors.clear()  # the upload asked for is missing: said on the page, logged by the browser
    p.wait("document.querySelector('#status').innerText.includes('upload')")  # once answered


def test_every_colour_has_one_meaning_and_a_legend(page, tmp_path):
    p = page("data=gaussian&hidden=6&seed=2")
    p.page.click("#start")
    p.wait("App.snapshot().plane && App.snapshot().batches > 50")
    p.page.click("#pause")
    p.wait_state("paused")
    # the sign scale: each legend bar reads −top … top, its top the one the drawing uses
    tops = p.js("App.scales()")
    for scale in ("neurons", "edges"):
        low = float(
            p.page.get_attribute(f"#legend [data-q=scale_low][data-scale={scale}]", "data-v")
        )
        top = float(
            p.page.get_attribute(f"#legend [data-q=scale_top][data-scale={scale}]", "data-v")
        )
        assert low == -top and top == tops[scale] and top > 0
    # the classes: three named swatches, in colours none of which is on the sign scale
    names = p.js("[...document.querySelectorAll('#plane-legend .class')].map((e) => e.innerText)")
    assert [n.strip() for n in names] == ["0", "1", "2"]
    train = p.js(
        "[...document.querySelectorAll('#plane .train')].map((e) => e.getAttribute('fill'))"
    )
    test = p.js("[...document.querySelectorAll('#plane .test')].map((e) => e.getAttribute('fill'))")
    assert len(set(train)) == 3 and set(test) == set(train)  # test points in their class colour
    assert p.js("document.querySelector('#plane .test').tagName") == "path"  # ◆, not ●
    sign = p.js("['#2166ac', '#b2182b', '#f7f7f7', '#053061', '#67001f']")
    assert not set(train) & set(sign)
    # the toggles: test points hidden, the surface discretized
    p.page.uncheck("#show-test")
    assert p.js("document.querySelectorAll('#plane .test').length") == 0
    p.page.check("#show-test")
    p.page.check("#discretize")
    assert "discrete=1" in p.page.url
    # a heat map, enlarged on hover
    p.page.hover("#net .neuron[data-layer='2'][data-neuron='0']")
    size = p.js("document.querySelector('#tip canvas.big-map').getBoundingClientRect().width")
    assert size >= 120
    p.screenshot("explore-paused.png", tmp_path)
    assert p.errors == []


def test_the_default_pace_lets_the_spiral_form_and_the_speed_changes_the_run(page):
    p = page("data=spiral")
    assert p.page.input_value("[name=pace]") == "100"  # mini-batches a second
    run = p.js("App.info().id")
    p.page.click("#start")
    time.sleep(3.0)
    batches = int(p.page.get_attribute("#status", "data-batches"))
    assert 0 < batches <= 3 * 100 * 1.2  # at most 100 a second: about 30 s for the spiral
    last = [c for c in p.js("App.curves()") if c.get("train_accuracy") is not None][-1]
    assert last["train_accuracy"] < 0.9  # not learned in three seconds
    p.page.select_option("[name=pace]", "max")
    time.sleep(0.5)
    before = int(p.page.get_attribute("#status", "data-batches"))
    time.sleep(2.0)
    after = int(p.page.get_attribute("#status", "data-batches"))
    assert after - before > 2 * 100 * 1.5  # flat out: faster than the pace
    assert p.js("App.info().id") == run and "pace=max" in p.page.url  # the same run
    assert p.errors == []


def test_every_run_draws_curves_on_log_axes_with_plain_ticks(page):
    p = page("data=circle&hidden=4&pace=max")
    p.page.click("#start")
    p.wait("App.snapshot().batches > 3000", 20_000)
    p.page.click("#pause")
    p.wait_state("paused")
    curves, snap = p.js("App.curves()"), p.js("App.snapshot()")
    assert 20 <= len(curves) <= 300  # bounded by decimation, however long the run
    batches = [c["batch"] for c in curves]
    assert batches == sorted(batches) and batches[0] == 0
    # on a schedule of mini-batches: powers of two apart, spaced out as the run goes on (the
    # paused mini-batch's point aside) and never further apart than the latest spacing
    gaps = [b - a for a, b in zip(batches[:-2], batches[1:-1])]
    assert all(g & (g - 1) == 0 for g in gaps) and gaps == sorted(gaps), gaps
    assert gaps[-1] <= snap["every"]
    for plot in ("cost", "speed"):  # log axes: the ticks are powers of ten, in plain numbers
        ticks = p.js(
            f"[...document.querySelectorAll('#{plot} [data-axis=y]')]"
            ".map((e) => [e.textContent, +e.dataset.v])"
        )
        assert len(ticks) >= 2
        for text, value in ticks:
            assert PLAIN.match(text), text
            assert abs(round(math.log10(value)) - math.log10(value)) < 1e-9
        path = p.page.get_attribute(f"#{plot} path.series", "d")
        assert path.count("L") >= 15  # a curve, not two straight segments
    for text in p.js("[...document.querySelectorAll('[data-axis=x]')].map((e) => e.textContent)"):
        assert PLAIN.match(text), text
    assert re.match(r"\d+ points: one every \d+ mini-batches", p.page.inner_text("#schedule"))
    assert p.errors == []


def test_a_report_asked_for_before_one_epoch_says_why_on_the_page(page):
    p = page("data=spiral&pace=1")
    p.page.click("#start")
    p.wait_state("running")
    p.page.click("#save-report")
    p.wait("document.querySelector('#status').dataset.refused === 'save-report'")
    text = p.page.inner_text("#status")
    assert "Save report" in text and "train for at least one epoch first" in text
    p.errors.clear()  # the browser logs the refused fetch itself


@pytest.mark.parametrize("width", (390, 1280))
def test_the_genies_result_opens_beside_the_neuron_clicked(page, width):
    p = page("data=circle&hidden=4&pace=max", width=width)
    p.page.click("#start")
    p.wait("document.querySelector('#status').dataset.batches > 20")
    p.page.click("#pause")
    p.wait_state("paused")
    neuron = "#net .neuron[data-layer='2'][data-neuron='1']"
    p.page.click(neuron)
    p.page.wait_for_selector("#genie-change")
    at, box = p.page.locator(neuron).bounding_box(), p.page.locator("#genie").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width  # on the screen
    if width == 1280:  # beside it: level with it, just right or left of it
        assert box["y"] <= at["y"] + at["height"] and box["y"] + box["height"] >= at["y"]
        gap = max(box["x"] - (at["x"] + at["width"]), at["x"] - (box["x"] + box["width"]))
        assert 0 <= gap <= 40, (at, box)
    else:  # a phone: under the drawing, where the network is
        assert box["y"] >= at["y"] and box["y"] - (at["y"] + at["height"]) <= 400
    assert p.errors == []


def test_two_runs_side_by_side_draw_the_second_plane_and_shared_curves(page):
    p = page("data=circle&hidden=4&pace=max&compare=eta&versus=0.5")
    p.page.click("#start")
    p.wait("document.querySelector('#twin-status').dataset.batches > 500", 20_000)
    p.page.click("#pause")
    p.wait_state("paused")
    p.wait("document.querySelectorAll('#twin-speed path.series').length === 4")  # 2 layers × 2
    assert p.js("document.querySelectorAll('#plane-twin .train').length") == 320
    box, surface = (
        p.page.locator(s).bounding_box() for s in ("#plane-twin", "#plane-twin-surface")
    )
    inside = box["x"] <= surface["x"] and surface["x"] + surface["width"] <= box["x"] + box["width"]
    assert inside and surface["y"] < box["y"] + box["height"]  # the surface under the axes
    assert p.js("document.querySelectorAll('#twin-cost path.series').length") == 4
    assert p.errors == []


def test_the_paused_stages_and_the_genie_fit_a_phone(page):
    p = page("data=spiral&optimizer=adam&l2=0.1&dropout=0.2&pace=max", width=360)
    p.page.click("#start")
    p.wait("document.querySelector('#status').dataset.batches > 30")
    p.page.click("#pause")
    p.wait("App.snapshot().record !== null")
    for stage in ("forward", "backward", "update"):  # the wide tables scroll in their own box
        p.js(f"App.setStage('{stage}')")
        assert p.js("document.documentElement.scrollWidth <= innerWidth"), stage
    p.page.click("#net .neuron[data-layer='2'][data-neuron='0']")
    p.page.wait_for_selector("#genie-change")
    assert p.js("document.documentElement.scrollWidth <= innerWidth")
    assert p.errors == []
