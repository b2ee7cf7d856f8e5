"""``deltaprop diagnose``, ``genie``, ``plot`` and ``train --monitor/--plots/--report``."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from cli_errors import check_error

import deltaprop
from deltaprop.cli import main

DIGITS = ["--dataset", "digits"]


def test_diagnose_a_fresh_network_and_a_saved_one(tmp_path: Path, capsys) -> None:
    assert main(["diagnose", *DIGITS, "--samples", "300", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "on 300 samples" in out and "eta 3" in out
    assert out.count("sigmoid") >= 2 and ("Findings" in out or "No findings" in out)

    model = tmp_path / "net.npz"
    net = deltaprop.Network([64, 30, 10], cost="quadratic", init="scaled", seed=1)
    net.biases[1][:] = 8.0  # a saturated output layer
    net.save(model)
    assert main(["diagnose", str(model), *DIGITS, "--split", "test"]) == 0
    out = capsys.readouterr().out
    assert "on 297 samples" in out and ", eta" not in out.splitlines()[0]
    assert "[BP1] output layer (layer 3)" in out and "--cost cross-entropy" in out


def test_genie_command(capsys) -> None:
    assert main(["genie", *DIGITS, "--neurons", "3:1,2:5", "--samples", "3", "--dz", "1e-4"]) == 0
    out = capsys.readouterr().out
    assert "Δz = 0.0001" in out and "each of 3 samples" in out
    rows = [r for r in map(str.split, out.splitlines()) if len(r) == 7 and r[0] in ("2", "3")]
    assert [r[:2] for r in rows] == [["3", "1"], ["2", "5"]]
    for r in rows:  # ΔC beside δ·Δz, agreeing to first order
        assert float(r[5]) < 1e-2
    assert "Far from optimal" in out


def test_train_with_monitor_plots_and_report(tmp_path: Path, capsys) -> None:
    pytest.importorskip("matplotlib")
    run_dir, report = tmp_path / "run", tmp_path / "report.html"
    status = main(
        [
            "train",
            *DIGITS,
            "--epochs",
            "2",
            "--seed",
            "1",
            "--monitor",
            "--monitor-every",
            "5",
            "--plots",
            str(run_dir),
            "--report",
            str(report),
        ]
    )
    out = capsys.readouterr().out
    assert status == 0, out
    lines = out.splitlines()
    layer_lines = [line for line in lines if line.startswith("  layer ")]
    assert len(layer_lines) == 4 and "speed " in layer_lines[0]
    assert "speed = ‖∂C/∂b^l‖" in out  # the legend, once
    assert "saturated" in layer_lines[0] and "update/w" in layer_lines[0]
    assert f"Wrote the report to {report}" in out
    record = json.loads((run_dir / "run.json").read_text())
    assert record["history"]["monitor_samples"] == [30.0, 30.0]  # 150 batches, every 5th
    assert record["config"]["eta"] == 3.0 and record["diagnosis"]["n_samples"] == 1500
    pngs = sorted(p.name for p in run_dir.glob("*.png"))
    assert pngs == [
        "confusion.png",
        "learning_speed.png",
        "saturation.png",
        "training.png",
        "weights.png",
    ]
    assert report.read_text().startswith("<!DOCTYPE html>")

    # deltaprop plot redraws them elsewhere, and can write the report again.
    again = tmp_path / "again"
    assert (
        main(["plot", str(run_dir), "--out", str(again), "--report", str(tmp_path / "b.html")]) == 0
    )
    out = capsys.readouterr().out
    assert out.count("Wrote ") == 6
    assert sorted(p.name for p in again.glob("*.png")) == pngs


NEEDS_PLOT = pytest.mark.skipif(
    importlib.util.find_spec("matplotlib") is None, reason="the plot extra (matplotlib)"
)


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["genie", "--neurons", "3-1"], 2, "expected layer:neuron pairs"),
        (["genie", *DIGITS, "--neurons", "4:0"], 1, "choose a layer from 2 to 3"),
        (["diagnose", *DIGITS, "--samples", "0"], 2, "argument --samples: expected a whole"),
        (["train", *DIGITS, "--monitor-every", "0"], 2, "argument --monitor-every: expected"),
        (["train", *DIGITS, "--report", "/nonexistent/dir/r.html"], 1, "does not exist"),
        pytest.param(["plot", "/nonexistent/run"], 1, "deltaprop train --plots", marks=NEEDS_PLOT),
        (["diagnose", "/nonexistent/model.npz"], 1, "model.npz"),
        (["diagnose", "m.npz", "--sizes", "64,5,10"], 2, "give one or the other"),
    ],
)
def test_bad_arguments_give_one_line(argv, status, message, capsys) -> None:
    check_error(argv, status, message, capsys)


def test_report_option_fails_before_training_without_matplotlib(monkeypatch, tmp_path, capsys):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    argv = ["train", *DIGITS, "--epochs", "1", "--report", str(tmp_path / "r.html")]
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert "pip install 'deltaprop[plot]'" in captured.err
    assert "Epoch 1" not in captured.out and not (tmp_path / "r.html").exists()
