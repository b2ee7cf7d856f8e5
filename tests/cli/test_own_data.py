"""Your own data on the command line: ``train --data``, ``predict`` and ``evaluate --data``."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from cli_errors import check_error

import deltaprop
from deltaprop.cli import main
from deltaprop.cli.resume import resume_command
from deltaprop.io.digits import load_digits


def _write(path: Path, X: np.ndarray, y: np.ndarray) -> Path:
    with path.open("w", newline="") as f:
        rows = csv.writer(f)
        rows.writerow(["digit", *(f"p{j}" for j in range(64))])
        rows.writerows([int(label), *map(float, x)] for x, label in zip(X, y))
    return path


@pytest.fixture
def digits_csv(tmp_path: Path) -> tuple[Path, Path]:
    """The shipped digits as a user would have them: train.csv and test.csv with a header,
    the class in a column named "digit" (not last); labelled.csv: the test rows with no
    header and the class last."""
    X_train, y_train, X_test, y_test = load_digits()
    train = _write(tmp_path / "train.csv", X_train, y_train)
    test = _write(tmp_path / "test.csv", X_test, y_test)
    labelled = tmp_path / "labelled.csv"
    np.savetxt(labelled, np.column_stack([X_test, y_test]), delimiter=",", fmt="%.8g")
    return train, test


def test_train_on_a_csv_then_predict_and_evaluate(digits_csv, tmp_path, capsys) -> None:
    train, test = digits_csv
    model = tmp_path / "net.npz"
    status = main(
        [
            "train",
            "--data",
            str(train),
            "--label",
            "digit",
            "--test",
            str(test),
            "--hidden",
            "40,20",
            "--epochs",
            "3",
            "--seed",
            "1",
            "--save",
            str(model),
        ]
    )
    out = capsys.readouterr().out
    assert status == 0, out
    assert "[64, 40, 20, 10] sigmoid/sigmoid" in out
    assert "train.csv: 1500 training and 297 test samples; batch 10" in out
    assert "Epoch 3: " in out and " / 297 " in out

    # predict: one row per input row; one more column than the inputs: labelled, class last
    predictions, labelled = tmp_path / "predictions.csv", tmp_path / "labelled.csv"
    assert main(["predict", str(model), str(labelled), "-o", str(predictions), "--proba"]) == 0
    out = capsys.readouterr().out
    net = deltaprop.load(model)
    X_test, y_test = load_digits().X_test, load_digits().y_test
    rows = list(csv.reader(predictions.read_text().splitlines()))
    assert rows[0] == ["class", *(f"a{j}" for j in range(10))] and len(rows) == 1 + 297
    np.testing.assert_array_equal([int(r[0]) for r in rows[1:]], net.predict(X_test))
    a = np.array([[float(v) for v in r[1:]] for r in rows[1:]])
    np.testing.assert_allclose(a, net.feedforward(X_test), rtol=1e-5)  # a^L, eq. 25
    correct = int((net.predict(X_test) == y_test).sum())
    assert f"accuracy {correct} / 297 ({correct / 297:.2%})" in out

    # printed, unlabelled: the CSV on stdout and nothing else
    unlabelled = tmp_path / "x.npy"
    np.save(unlabelled, X_test[:5])
    assert main(["predict", str(model), str(unlabelled)]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == ["class", *map(str, net.predict(X_test[:5]).tolist())]
    assert err == ""

    assert main(["evaluate", str(model), "--data", str(labelled)]) == 0
    assert f"{labelled}: cost " in capsys.readouterr().out
    assert main(["evaluate", str(model), "--data", str(test), "--label", "digit"]) == 0
    assert f"accuracy {correct} / 297" in capsys.readouterr().out


def test_without_test_a_fifth_is_held_out_and_said(digits_csv, capsys) -> None:
    train, _ = digits_csv
    status = main(
        [
            "train",
            "--data",
            str(train),
            "--label",
            "digit",
            "--epochs",
            "1",
            "--seed",
            "0",
            "--validation",
            "100",
        ]
    )
    out = capsys.readouterr().out
    assert status == 0, out
    assert (
        "train.csv: 1100 training, 100 validation and 300 test samples (300 of "
        "train.csv's 1500 rows held out at random as the test set; --test FILE gives your "
        "own)"
    ) in out


def test_regression_targets_with_an_identity_output(tmp_path, capsys) -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (400, 2))
    table = np.column_stack([X, X[:, 0] - 0.5 * X[:, 1]])  # a linear target
    path = tmp_path / "line.npy"
    np.save(path, table)
    model = tmp_path / "line.npz"
    status = main(
        [
            "train",
            "--data",
            str(path),
            "--activation",
            "tanh",
            "--output-activation",
            "identity",
            "--eta",
            "0.05",
            "--epochs",
            "20",
            "--seed",
            "0",
            "--save",
            str(model),
        ]
    )
    out = capsys.readouterr().out
    assert status == 0, out
    assert "[2, 30, 1] tanh/identity, quadratic cost" in out
    last = next(line for line in out.splitlines() if line.startswith("Epoch 20:"))
    assert float(last.split("test cost ")[1].split()[0]) < 0.01  # ½(a − y)², learned
    assert main(["predict", str(model), str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "value" and len(lines) == 401
    net = deltaprop.load(model)
    np.testing.assert_allclose(
        [float(v) for v in lines[1:4]], net.feedforward(X[:3])[:, 0], rtol=1e-5
    )


@pytest.mark.parametrize(
    ("content", "argv", "message"),
    [
        ("x,y,class\n1,2,0\n3,oops,1\n", [], "row 3, column 2 ('y'): 'oops' is not a number"),
        ("1,2,0\n3,4,1e20\n" * 3, [], "row 2, column 3: 1e+20 is not a class label"),
        ("x,y,class\n1,2,0\n3,4,1\n", ["--label", "kind"], "no column is named 'kind'"),
    ],
)
def test_bad_data_is_one_line(tmp_path, capsys, content, argv, message) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    check_error(["train", "--data", str(path), "--epochs", "1", *argv], 1, message, capsys)


def test_sizes_and_hidden(digits_csv, tmp_path, capsys) -> None:
    train, test = digits_csv
    base = ["train", "--data", str(train), "--label", "digit", "--test", str(test), "--epochs", "1"]
    check_error(
        [*base, "--sizes", "64,30,3"],
        2,
        "the output layer 10; give --hidden 30 and the data set the rest",
        capsys,
    )
    check_error([*base, "--hidden", "5", "--sizes", "64,30,10"], 2, "disagree", capsys)
    assert main([*base, "--sizes", "64,12,10", "--quiet"]) == 0
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("digit,a,b\n1,2,3\n")
    check_error([*base, "--test", str(wrong)], 1, "has 2 input columns but", capsys)


def test_predict_refuses_data_of_another_width(digits_csv, tmp_path, capsys) -> None:
    train, test = digits_csv
    model = tmp_path / "m.npz"
    assert (
        main(
            [
                "train",
                "--data",
                str(train),
                "--label",
                "digit",
                "--test",
                str(test),
                "--epochs",
                "1",
                "--save",
                str(model),
                "--quiet",
            ]
        )
        == 0
    )
    capsys.readouterr()
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("1,2,3\n")
    check_error(
        ["predict", str(model), str(wrong)],
        1,
        "3 columns, but the network takes 64 inputs; give 64 columns, or 65",
        capsys,
    )


def test_the_resume_hint_repeats_only_what_resuming_needs(tmp_path) -> None:
    from deltaprop.cli.main import build_parser

    args = build_parser().parse_args(
        [
            "train",
            "--data",
            "t.csv",
            "--test",
            "u.csv",
            "--checkpoint",
            "c.npz",
            "--epochs",
            "9",
            "--eta",
            "0.5",
            "--save",
            "m.npz",
            "--quiet",
            "--hidden",
            "5",
        ]
    )
    assert resume_command(args) == (
        "deltaprop train --checkpoint c.npz --resume --data t.csv --test u.csv --save m.npz"
    )
