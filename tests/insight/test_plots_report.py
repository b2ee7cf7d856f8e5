"""Figures, run records and the HTML report (its browser test is test_report_browser.py)."""

from __future__ import annotations

import json
import re
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

import deltaprop
from deltaprop.insight import Monitor, plots
from deltaprop.insight.report import render_report, write_report
from deltaprop.insight.run import confusion_matrix, load_run, record_run, save_run
from deltaprop.io.digits import load_digits

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def trained():
    data = load_digits()
    net = deltaprop.Network([64, 16, 10], seed=1)
    history = net.fit(
        data.X_train,
        data.y_train,
        epochs=3,
        eta=3.0,
        seed=1,
        validation_data=(data.X_test, data.y_test),
        callbacks=[Monitor()],
    )
    run = record_run(
        net,
        history,
        {"sizes": [64, 16, 10], "note": "<b>escaped</b>"},
        validation=(data.X_test, data.y_test),
        diagnosis_data=(data.X_train, data.y_train),
        eta=3.0,
    )
    return net, run, data


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_save_plots_writes_every_figure(tmp_path: Path, trained) -> None:
    net, run, _ = trained
    paths = plots.save_plots(
        tmp_path / "figs", run.history, weights=net.weights[0], confusion=run.confusion
    )
    names = [p.stem for p in paths]
    assert names == ["training", "learning_speed", "saturation", "weights", "confusion"]
    for path in paths:
        width, height = _png_size(path)
        assert width > 300 and height > 200
    assert plots.monitored_layers(run.history) == [2, 3]


def test_figures_without_monitor_or_square_inputs(tmp_path: Path) -> None:
    history = deltaprop.History([{"epoch": 1, "train_cost": 0.5}, {"epoch": 2, "train_cost": 0.4}])
    paths = plots.save_plots(tmp_path, history, weights=np.zeros((3, 10)))
    assert [p.stem for p in paths] == ["training", "learning_speed", "saturation"]
    assert plots.weights_figure(np.zeros((3, 10))) is None  # 10 inputs: not a square image


def test_confusion_matrix_counts() -> None:
    c = confusion_matrix([0, 1, 1, 2, 2, 2], [0, 1, 2, 2, 2, 0], 3)
    np.testing.assert_array_equal(c, [[1, 0, 0], [0, 1, 1], [1, 0, 2]])


def test_run_round_trip(tmp_path: Path, trained) -> None:
    net, run, data = trained
    save_run(tmp_path, run, net)
    again, net2 = load_run(tmp_path)
    assert again.config == run.config
    assert again.history.to_dict() == run.history.to_dict()
    np.testing.assert_array_equal(again.confusion, run.confusion)
    assert again.diagnosis == run.diagnosis
    assert net2 is not None and net2.accuracy(data.X_test, data.y_test) == net.accuracy(
        data.X_test, data.y_test
    )
    assert int(run.confusion.sum()) == data.X_test.shape[0]


def test_load_run_rejects_what_is_not_a_run(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="deltaprop train --plots"):
        load_run(tmp_path)
    (tmp_path / "run.json").write_text("{not json")
    with pytest.raises(deltaprop.FormatError, match=r"run\.json"):
        load_run(tmp_path)
    (tmp_path / "run.json").write_text(json.dumps({"format": "something else"}))
    with pytest.raises(deltaprop.FormatError, match="not a deltaprop run record"):
        load_run(tmp_path)
    record = {"format": "deltaprop-run", "version": 1, "config": {}, "history": {"a": [1], "b": []}}
    (tmp_path / "run.json").write_text(json.dumps(record))
    with pytest.raises(deltaprop.FormatError, match="columns of equal length"):
        load_run(tmp_path)


def test_report_is_self_contained_html(tmp_path: Path, trained) -> None:
    net, run, _ = trained
    path = write_report(tmp_path / "r.html", run, weights=net.weights[0])
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    # Nothing loads from elsewhere: every src/href is a data: URI.
    for ref in re.findall(r'(?:src|href)="([^"]*)"', text):
        assert ref.startswith("data:"), ref
    assert "<style>" in text and "http://" not in text and "https://" not in text
    assert text.count('<img src="data:image/png;base64,') == 4
    assert "&lt;b&gt;escaped&lt;/b&gt;" in text and "<b>escaped</b>" not in text
    for finding in run.diagnosis.findings:
        assert finding.message.split(":")[0] in text
    assert "Per epoch" in text and "true \\ predicted" in text


def test_report_without_diagnosis_or_validation() -> None:
    history = deltaprop.History([{"epoch": 1, "train_cost": 0.5}])
    text = render_report(deltaprop.insight.Run({"sizes": [2, 1]}, history))
    assert "No diagnosis was recorded" in text and "<p>1 epoch.</p>" in text


def test_missing_matplotlib_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install 'deltaprop\[plot\]'"):
        plots.require_matplotlib()
