"""What the report and the figures call each data set, the counts and options they show, and
the report a run leaves when it is interrupted."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from deltaprop.cli import main
from deltaprop.insight.monitor import Monitor
from deltaprop.insight.run import load_run

pytest.importorskip("matplotlib")


def _text(path: Path) -> str:
    """The report's text, tags and embedded images left out."""
    page = re.sub(r"data:image/png;base64,[^\"]+", "", path.read_text(encoding="utf-8"))
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _setting(text: str, name: str) -> str:
    match = re.search(rf"  {re.escape(name)}  +(\S[^ ]*)", text)
    assert match, f"no setting {name!r} in the report"
    return match.group(1)


def test_a_validation_run_reports_its_counts_test_result_and_options(tmp_path, capsys):
    report = tmp_path / "r.html"
    status = main(
        [
            "train",
            "--dataset",
            "digits",
            "--validation",
            "300",
            "--report",
            str(report),
            "--epochs",
            "4",
            "--seed",
            "2",
            "--patience",
            "3",
            "--optimizer",
            "adam",
            "--eta",
            "0.01",
            "--beta1",
            "0.8",
        ]
    )
    out = capsys.readouterr().out
    assert status == 0, out
    text = _text(report)
    assert _setting(text, "training samples") == "1200"
    assert _setting(text, "validation samples") == "300"
    assert _setting(text, "test samples") == "297"
    for name, value in (
        ("patience", "3"),
        ("optimizer", "adam"),
        ("beta1", "0.8"),
        ("validation split", "300"),
        ("eta", "0.01"),
    ):
        assert _setting(text, name) == value, name
    # the test result the command printed, in the report's summary
    printed = re.search(r"Test \(.*\): cost [\d.]+, (\d+ / 297 \([\d.]+%\))", out).group(1)
    assert f"test data after training: {printed}" in text
    assert "best validation accuracy" in text and "validation accuracy" in text
    assert "Confusion matrix on the test data" in text  # counted on the test set


def test_without_validation_the_test_set_is_called_the_test_set(tmp_path, capsys):
    report, plots = tmp_path / "r.html", tmp_path / "run"
    status = main(
        [
            "train",
            "--dataset",
            "digits",
            "--epochs",
            "2",
            "--seed",
            "2",
            "--quiet",
            "--report",
            str(report),
            "--plots",
            str(plots),
        ]
    )
    assert status == 0
    text = _text(report)
    summary, rest = text.split("Configuration", 1)
    shown = summary + rest.split("Per epoch", 1)[1]  # all but the settings table
    assert "validation" not in shown
    assert "best test accuracy" in text and "test cost" in text
    run, _ = load_run(plots)
    assert "test_accuracy" in run.history and "val_accuracy" not in run.history
    assert run.confusion_data == "test"
    assert run.trace is not None and len(run.trace) > 2 * len(run.history)  # per mini-batch


def test_ctrl_c_leaves_a_complete_report_of_the_epochs_done(tmp_path, monkeypatch, capsys):
    report = tmp_path / "r.html"
    seen = {}
    record = Monitor.on_batch_end

    def interrupt_in_epoch_3(self, step):
        record(self, step)
        if step.epoch == 3 and step.batch == 5:
            seen["during"] = report.read_text(encoding="utf-8")  # what a browser shows now
            raise KeyboardInterrupt

    monkeypatch.setattr(Monitor, "on_batch_end", interrupt_in_epoch_3)
    status = main(
        [
            "train",
            "--dataset",
            "digits",
            "--epochs",
            "5",
            "--seed",
            "2",
            "--quiet",
            "--report",
            str(report),
        ]
    )
    assert status == 130
    assert 'http-equiv="refresh"' in seen["during"] and "so far" in seen["during"]
    page = report.read_text(encoding="utf-8")
    assert 'http-equiv="refresh"' not in page  # finished: the page stops reloading
    text = _text(report)
    assert "2 epochs; interrupted after epoch 2" in text
    assert "No diagnosis" not in text and "true \\ predicted" in text  # complete


def test_the_speed_and_saturation_figures_draw_every_sampled_mini_batch(tmp_path, capsys):
    from deltaprop.insight.plots import learning_speed_figure, saturation_figure

    assert (
        main(
            [
                "train",
                "--dataset",
                "digits",
                "--epochs",
                "3",
                "--seed",
                "2",
                "--quiet",
                "--plots",
                str(tmp_path),
            ]
        )
        == 0
    )
    run, _ = load_run(tmp_path)
    steps = len(run.trace)
    assert steps == 3 * 75  # 150 steps an epoch, every 2nd sampled (about 64 an epoch)
    for figure in (learning_speed_figure, saturation_figure):
        lines = figure(run.history, run.trace).axes[0].lines
        faint = [ln for ln in lines if ln.get_alpha() is not None]  # one per layer, raw
        assert [len(ln.get_xdata()) for ln in faint] == [steps, steps]
        assert max(faint[0].get_xdata()) == 3.0  # x in epochs: the last step ends epoch 3
