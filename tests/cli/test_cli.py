"""The command line, called as ``main([...])``: output, exit codes, one-line errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from cli_errors import check_error

import deltaprop
from deltaprop.cli import main


def test_train_digits_prints_epochs_saves_and_evaluates(tmp_path: Path, capsys) -> None:
    model = tmp_path / "digits.npz"
    status = main(
        ["train", "--dataset", "digits", "--epochs", "3", "--seed", "1", "--save", str(model)]
    )
    out = capsys.readouterr().out
    assert status == 0, out
    assert "[64, 30, 10] sigmoid/sigmoid, quadratic cost, init normal, float32, seed 1" in out
    lines = [line for line in out.splitlines() if line.startswith("Epoch ")]
    assert [line.split(":")[0] for line in lines] == ["Epoch 1", "Epoch 2", "Epoch 3"]
    assert " / 297 " in lines[0] and "train cost" in lines[0] and lines[0].endswith(" s")
    assert "Best test accuracy: epoch" in out and f"Saved the network to {model}" in out

    net = deltaprop.load(model)
    assert net.sizes == (64, 30, 10)
    assert main(["evaluate", str(model), "--dataset", "digits"]) == 0
    assert "accuracy" in capsys.readouterr().out


def test_train_mnist_subset(mnist_dir: Path, capsys) -> None:
    status = main(
        ["train", "--data-dir", str(mnist_dir), "--train-samples", "3000", "--epochs", "1",
         "--sizes", "784,30,10", "--seed", "0"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert status == 0
    assert "3000 training and 10000 test samples" in out
    assert "Epoch 1: " in out
    assert "/ 10000 (" in out


def test_gradcheck_command_passes(capsys) -> None:
    assert main(["gradcheck", "--sizes", "6,5,4", "--activation", "tanh",
                 "--output-activation", "softmax", "--cost", "cross-entropy"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "max relative error" in out and out.rstrip().endswith("OK")


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["train", "--sizes", "784"], 2, "need at least two positive layer widths"),
        (["train", "--sizes", "784,x,10"], 2, "comma-separated layer widths"),
        (["train", "--dtype", "int8"], 2, "invalid choice"),
        (["train", "--activation", "sigmod"], 1, "unknown activation 'sigmod'"),
        (["train", "--cost", "cross-entropy", "--output-activation", "tanh"], 1,
         "needs output activation"),
        (["train", "--eta", "-1", "--dataset", "digits"], 1, "eta must be a positive"),
        (["train", "--batch-size", "0", "--dataset", "digits"], 1, "batch_size must be"),
        (["train", "--dataset", "digits", "--sizes", "784,30,10"], 1,
         "input layer needs 64 neurons"),
        (["nonsense"], 2, "invalid choice"),
    ],
)  # fmt: skip
def test_bad_arguments_give_one_line_and_exit_status(argv, status, message, capsys) -> None:
    check_error(argv, status, message, capsys)


def test_missing_data_directory_is_one_clear_line(tmp_path: Path, capsys) -> None:
    assert main(["train", "--data-dir", str(tmp_path / "nowhere"), "--epochs", "1"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(tmp_path / "nowhere") in err


def test_evaluate_rejects_a_file_that_is_not_a_model(tmp_path: Path, capsys) -> None:
    bogus = tmp_path / "bogus.npz"
    np.savez(bogus, x=np.zeros(3))
    assert main(["evaluate", str(bogus), "--dataset", "digits"]) == 1
    err = capsys.readouterr().err
    assert "bogus.npz" in err and len(err.strip().splitlines()) == 1
    assert main(["evaluate", str(tmp_path / "missing.npz")]) == 1
    assert "missing.npz" in capsys.readouterr().err


def test_help_explains_every_option(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    for option in ["--sizes", "--activation", "--output-activation", "--cost", "--init",
                   "--dtype", "--seed", "--dataset", "--data-dir", "--epochs", "--batch-size",
                   "--eta", "--no-shuffle", "--save"]:  # fmt: skip
        assert option in out
