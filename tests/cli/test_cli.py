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
        [
            "train",
            "--data-dir",
            str(mnist_dir),
            "--train-samples",
            "3000",
            "--epochs",
            "1",
            "--sizes",
            "784,30,10",
            "--seed",
            "0",
        ]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert "3000 training and 10000 test samples" in out
    assert "Epoch 1: " in out
    assert "/ 10000 (" in out


def test_gradcheck_command_passes(capsys) -> None:
    assert (
        main(
            [
                "gradcheck",
                "--sizes",
                "6,5,4",
                "--activation",
                "tanh",
                "--output-activation",
                "softmax",
                "--cost",
                "cross-entropy",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "max relative error" in out and out.rstrip().endswith("OK")


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["train", "--sizes", "784"], 2, "need at least two positive layer widths"),
        (["train", "--sizes", "784,x,10"], 2, "comma-separated layer widths"),
        (["train", "--dtype", "int8"], 2, "invalid choice"),
        (["train", "--activation", "sigmod"], 2, "argument --activation: invalid choice: 'sigmod'"),
        (
            ["train", "--cost", "cross-entropy", "--output-activation", "tanh"],
            2,
            "needs output activation",
        ),
        (
            ["train", "--eta", "-1", "--dataset", "digits"],
            2,
            "argument --eta: must be a positive finite number, got -1.0",
        ),
        (
            ["train", "--batch-size", "0", "--dataset", "digits"],
            2,
            "argument --batch-size: must be a positive integer, got 0",
        ),
        (["train", "--batch-size", "ten"], 2, "argument --batch-size: expected a whole number"),
        (["train", "--eta", "nan"], 2, "argument --eta: expected a finite number, got 'nan'"),
        (
            ["train", "--dataset", "digits", "--sizes", "784,30,10"],
            2,
            "input layer needs 64 neurons",
        ),
        (
            ["train", "--dataset", "digits", "--validation", "70000"],
            2,
            "--validation 70000 would hold out 70000 of the 1500 training rows",
        ),
        (
            ["train", "--epoch", "1"],
            2,
            "unrecognized arguments: --epoch 1 (did you mean --epochs?)",
        ),
        (["train", "--epocs", "1"], 2, "(did you mean --epochs?)"),
        (["evaluate", "m.npz", "--datset", "digits"], 2, "(did you mean --dataset?)"),
        (["train", "--test", "t.csv"], 2, "--test goes with --data FILE"),
        (["train", "--data", "t.csv", "--dataset", "digits"], 2, "--data FILE replaces --dataset"),
        (["nonsense"], 2, "invalid choice"),
    ],
)
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
    for option in [
        "--sizes",
        "--activation",
        "--output-activation",
        "--cost",
        "--init",
        "--dtype",
        "--seed",
        "--dataset",
        "--data-dir",
        "--epochs",
        "--batch-size",
        "--eta",
        "--no-shuffle",
        "--save",
    ]:
        assert option in out


def test_a_usage_error_shows_the_subcommands_usage(capsys) -> None:
    """Exit status 2, the usage of the subcommand given (not the top-level one), the flag."""
    with pytest.raises(SystemExit) as info:
        main(["train", "--epocs", "3"])
    assert info.value.code == 2
    usage, error = capsys.readouterr().err.splitlines()
    assert usage == "usage: deltaprop train [options]  (see deltaprop train --help)"
    assert error.startswith("deltaprop train: error:")
    with pytest.raises(SystemExit):
        main(["gradcheck", "--sample", "3"])  # no abbreviations
    err = capsys.readouterr().err
    assert err.startswith("usage: deltaprop gradcheck") and "(did you mean --samples?)" in err


def test_help_states_the_mnist_lookup_order(capsys) -> None:
    from deltaprop.cli.data import LOOKUP

    for argv in (["train", "--help"], ["--help"], ["download", "--help"]):
        with pytest.raises(SystemExit):
            main(argv)
        assert " ".join(LOOKUP.split()) in " ".join(capsys.readouterr().out.split())
    with pytest.raises(SystemExit):
        main(["gradcheck", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--seed N seeds the initial weights and the shuffling (default: a fresh" in out
    assert (
        "--samples N rows of random inputs (and targets) the gradient is taken over (default: 8)"
        in out
    )


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_is_generated_from_the_parser(shell, capsys) -> None:
    argcomplete = pytest.importorskip("argcomplete", reason="the completion extra")
    assert main(["completion", shell]) == 0
    assert capsys.readouterr().out == argcomplete.shellcode(["deltaprop"], shell=shell)


def test_completion_answers_from_the_parser() -> None:
    """What the shell's hook asks: ``deltaprop train --epo<TAB>`` (the answer on fd 8)."""
    pytest.importorskip("argcomplete", reason="the completion extra")
    import os
    import subprocess
    import sys

    line = "deltaprop train --epo"
    env = {
        **os.environ,
        "_ARGCOMPLETE": "1",
        "COMP_LINE": line,
        "COMP_POINT": str(len(line)),
        "_ARGCOMPLETE_IFS": " ",
    }
    done = subprocess.run(
        ["bash", "-c", f"'{sys.executable}' -m deltaprop 8>&1 9>/dev/null"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout.split() == ["--epochs"], done
