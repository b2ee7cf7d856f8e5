"""The HTML training report, opened in a real headless Chromium."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from deltaprop.cli import main

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
        ["train", "--dataset", "digits", "--epochs", "3", "--seed", "1", "--quiet",
         "--report", str(report)]
    )  # fmt: skip
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
