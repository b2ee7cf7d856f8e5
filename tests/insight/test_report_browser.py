"""The HTML training report, opened in a real headless Chromium."""

from __future__ import annotations

import struct
import time
from pathlib import Path

import pytest

import deltaprop
from deltaprop.cli import main
from deltaprop.insight import Run
from deltaprop.insight.report import write_report

pytest.importorskip("matplotlib")


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_report_loads_offline_without_errors_and_its_images_decode(
    tmp_path: Path, browser, capsys
) -> None:
    report = tmp_path / "report.html"
    status = main(
        [
            "train",
            "--dataset",
            "digits",
            "--epochs",
            "3",
            "--seed",
            "1",
            "--quiet",
            "--report",
            str(report),
        ]
    )
    assert status == 0, capsys.readouterr().err
    browser.open_page(report.as_uri())

    # Every image decodes, with a non-zero size.
    images = browser.evaluate(
        "Promise.all(Array.from(document.images).map(img => img.decode().then("
        "() => [img.alt, img.naturalWidth, img.naturalHeight], e => [img.alt, 0, String(e)])))"
    )
    assert [alt for alt, _, _ in images] == ["training", "learning_speed", "saturation", "weights"]
    for alt, width, height in images:
        assert width > 100 and isinstance(height, int) and height > 100, (alt, width, height)

    # The page holds the configuration, the per-epoch table and the diagnosis.
    text = browser.evaluate("document.body.innerText")
    for expected in ("Configuration", "Per epoch", "Diagnosis", "‖∂C/∂b^2‖", "true \\ predicted"):
        assert expected in text
    assert browser.evaluate("document.querySelectorAll('h2 + div table tr').length") > 3

    # No console errors, no exceptions, no request to the network.
    assert browser.problems() == []

    shot = browser.screenshot(tmp_path / "report.png")
    width, height = _png_size(shot)
    assert width > 1000 and height > 1500


def _poll(browser, expression: str, timeout: float = 15.0):
    """Evaluate ``expression`` until it is truthy (the page may be reloading meanwhile)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = browser.evaluate(expression)
        except RuntimeError:  # the page was being replaced: its context is gone
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"not true within {timeout} s: {expression}")


def test_a_live_report_reloads_itself_until_the_run_ends(tmp_path: Path, browser) -> None:
    report = tmp_path / "live.html"

    def run(epochs: int) -> Run:
        rows = [
            {"epoch": e, "train_cost": 0.5 / e, "test_accuracy": 0.8 + e / 100}
            for e in range(1, epochs + 1)
        ]
        return Run({"sizes": [4, 3, 2]}, deltaprop.History(rows))

    # What a running 'deltaprop train --report' writes after its first epoch: a live page.
    write_report(report, run(1), live=True, refresh=1)
    browser.open_page(report.as_uri())
    assert "1 epoch so far" in browser.evaluate("document.body.innerText")
    browser.evaluate("window.firstLoad = true")

    # The run goes on: the file is replaced, and the open page shows it by itself.
    write_report(report, run(2), live=True, refresh=1)
    _poll(browser, "!window.firstLoad && document.body.innerText.includes('2 epochs so far')")

    # The run ends: the last version has no refresh, so the page stops reloading.
    write_report(report, run(3))
    _poll(browser, "document.body.innerText.includes('3 epochs; best test accuracy 83.00%')")
    assert browser.evaluate("document.querySelector('meta[http-equiv=refresh]') === null")
    browser.evaluate("window.finalLoad = true")
    time.sleep(2.5)  # more than two periods of the live page's refresh
    assert browser.evaluate("window.finalLoad === true")  # the same page: not reloaded
    assert browser.problems() == []
