"""``deltaprop train`` with optimisers, regularisation, schedules, validation and early
stopping: every TrainConfig field has its option."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from cli_errors import check_error

from deltaprop import TrainConfig
from deltaprop.cli import build_parser, main
from deltaprop.cli.options import TRAINING_OPTIONS, fill_defaults, given


def test_every_train_config_field_has_an_option_of_the_same_name() -> None:
    parser = build_parser()
    args = parser.parse_args(["train"])
    assert all(getattr(args, name) is None for name in TRAINING_OPTIONS)  # not given
    fill_defaults(args)
    train = parser._subparsers._group_actions[0].choices["train"]  # type: ignore[union-attr]
    helps = {a.dest: a.help or "" for a in train._actions}
    for f in dataclasses.fields(TrainConfig):
        if f.name != "seed":  # --seed also seeds the network, and defaults to a fresh one
            assert getattr(args, f.name) == f.default, f.name
            # the help text is TrainConfig's own
            assert (
                f.metadata["help"] in helps[f.name] or f.metadata["flag_help"] == helps[f.name]
            ), f.name


def test_an_option_given_is_told_from_one_left_out() -> None:
    args = build_parser().parse_args(["train", "--eta", "3.0", "--batch-size", "10"])
    assert given(args) == {"eta": 3.0, "batch_size": 10}  # given at the defaults, still given


def test_validation_patience_and_plateau_on_digits(capsys) -> None:
    status = main(
        [
            "train",
            "--dataset",
            "digits",
            "--sizes",
            "64,30,10",
            "--cost",
            "cross-entropy",
            "--init",
            "scaled",
            "--eta",
            "0.5",
            "--epochs",
            "40",
            "--seed",
            "1",
            "--optimizer",
            "nesterov",
            "--momentum",
            "0.5",
            "--l2",
            "1",
            "--dropout",
            "0.1",
            "--schedule",
            "plateau",
            "--plateau-patience",
            "2",
            "--validation",
            "300",
            "--patience",
            "5",
        ]
    )
    out = capsys.readouterr().out
    assert status == 0, out
    assert "digits: 1200 training, 300 validation and 297 test samples" in out
    assert "optimizer nesterov (μ 0.5), l2 1, dropout 0.1, plateau schedule, patience 5" in out
    epochs = [line for line in out.splitlines() if line.startswith("Epoch ")]
    assert " / 300 " in epochs[0]  # the per-epoch figures are on the validation rows
    assert any("eta 0.25" in line for line in epochs)  # the plateau schedule halved η
    assert "Stopped after epoch" in out and "Best validation accuracy: epoch" in out
    assert "Test (epoch " in out and " / 297 (" in out


def test_cosine_with_adam_and_a_validation_fraction(capsys) -> None:
    status = main(
        [
            "train",
            "--dataset",
            "digits",
            "--epochs",
            "3",
            "--seed",
            "0",
            "--optimizer",
            "adam",
            "--eta",
            "0.01",
            "--schedule",
            "cosine",
            "--validation",
            "0.25",
        ]
    )
    out = capsys.readouterr().out
    assert status == 0, out
    assert "digits: 1125 training, 375 validation and 297 test samples" in out
    assert "Test (the last epoch's weights)" in out


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["--schedule", "plateau"], 2, "add --validation N to hold out the last N training"),
        (["--patience", "3"], 2, "add --validation N"),
        (["--validation", "ten"], 2, "expected a number of rows such as 10000"),
        (["--validation", "5000"], 2, "hold out 5000 of the 1500 training rows"),
        (["--optimizer", "lbfgs"], 2, "invalid choice"),
        (["--dropout", "1"], 2, "argument --dropout: must be at least 0 and below 1"),
        (["--l2", "-5"], 2, "argument --l2: must be a finite number ≥ 0"),
    ],
)
def test_bad_options_are_one_line_errors(argv: list, status: int, message: str, capsys) -> None:
    argv = ["train", "--dataset", "digits", "--epochs", "1", *argv]
    check_error(argv, status, message, capsys)


def test_mnist_classic_split(mnist_dir: Path, capsys) -> None:
    status = main(
        [
            "train",
            "--data-dir",
            str(mnist_dir),
            "--train-samples",
            "3000",
            "--epochs",
            "1",
            "--validation",
            "1000",
            "--sizes",
            "784,30,10",
            "--seed",
            "0",
        ]
    )
    out = capsys.readouterr().out
    assert status == 0, out
    assert "mnist: 2000 training, 1000 validation and 10000 test samples" in out
    assert " / 10000 (" in out
