"""Classes that are names on the command line: ``train --data`` maps them to 0 … k − 1 in
sorted order and says so, the model file keeps them, ``predict`` prints them (and names its
``--proba`` columns by them), ``evaluate --data`` reads a file with names."""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path

import numpy as np
import pytest
from cli_errors import check_error

import deltaprop
from deltaprop.cli import main
from deltaprop.io.digits import load_digits
from deltaprop.io.model import read_classes

#: the digits' classes by their English names: sorted, they are not in the digits' order
WORDS = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])
SORTED = [str(w) for w in sorted(WORDS)]  # eight, five, four, nine, one, …, zero


def _write(path: Path, X: np.ndarray, names: np.ndarray | None, header: bool = True) -> Path:
    with path.open("w", newline="") as f:
        rows = csv.writer(f)
        if header:
            rows.writerow([*(f"p{j}" for j in range(X.shape[1])), "digit"])
        for i, x in enumerate(X):
            rows.writerow([*(f"{v:g}" for v in x), *([] if names is None else [names[i]])])
    return path


@pytest.fixture(scope="module")
def named(tmp_path_factory) -> dict[str, Path]:
    """The shipped digits with their classes as words, and a network trained on them with
    --save (the run's output in ``out``)."""
    d = tmp_path_factory.mktemp("named")
    X_train, y_train, X_test, y_test = load_digits()
    files = {
        "train": _write(d / "train.csv", X_train, WORDS[y_train]),
        "test": _write(d / "test.csv", X_test, WORDS[y_test]),
        "inputs": _write(d / "inputs.csv", X_test, None, header=False),
        "model": d / "net.npz",
    }
    argv = ["train", "--data", str(files["train"]), "--test", str(files["test"])]
    argv += ["--cost", "cross-entropy", "--output-activation", "softmax", "--eta", "0.5"]
    argv += ["--epochs", "3", "--seed", "0", "--save", str(files["model"])]
    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert main(argv) == 0
    return files | {"out": out.getvalue()}  # type: ignore[dict-item]


def test_train_says_how_names_became_classes_and_keeps_them(named) -> None:
    out = named["out"]
    assert "[64, 30, 10] sigmoid/softmax" in out
    assert (
        "Classes: the names in the class column, sorted: 0 eight, 1 five, 2 four, 3 nine, "
        "4 one, 5 seven, 6 six, 7 three, 8 two, 9 zero"
    ) in out
    assert read_classes(named["model"]) == tuple(SORTED)
    # the test accuracy printed is the network's on the names mapped as the header says
    net = deltaprop.load(named["model"])
    X_test, y_test = load_digits().X_test, load_digits().y_test
    labels = np.searchsorted(SORTED, WORDS[y_test])  # name -> its place in sorted order
    correct = int((net.predict(X_test) == labels).sum())
    assert f"Epoch 3: {correct} / 297 " in out


def test_predict_prints_the_names_and_names_the_proba_columns(named, capsys) -> None:
    net, X_test = deltaprop.load(named["model"]), load_digits().X_test
    assert main(["predict", str(named["model"]), str(named["inputs"])]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "class" and len(lines) == 1 + 297
    assert lines[1:] == [SORTED[i] for i in net.predict(X_test)]

    assert main(["predict", str(named["model"]), str(named["inputs"]), "--proba"]) == 0
    rows = list(csv.reader(capsys.readouterr().out.splitlines()))
    assert rows[0] == ["class", *SORTED]
    a = np.array([[float(v) for v in row[1:]] for row in rows[1:]])
    np.testing.assert_allclose(a, net.feedforward(X_test), rtol=1e-5)  # a^L, eq. 25
    assert [row[0] for row in rows[1:]] == [SORTED[j] for j in a.argmax(axis=1)]


def test_predict_and_evaluate_on_a_file_with_names(named, tmp_path, capsys) -> None:
    net = deltaprop.load(named["model"])
    X_test, y_test = load_digits().X_test, load_digits().y_test
    right = int((np.array(SORTED)[net.predict(X_test)] == WORDS[y_test]).sum())  # by name
    labelled = _write(tmp_path / "labelled.csv", X_test, WORDS[y_test], header=False)
    out = tmp_path / "predictions.csv"
    assert main(["predict", str(named["model"]), str(labelled), "-o", str(out)]) == 0
    assert f"accuracy {right} / 297 ({right / 297:.2%})" in capsys.readouterr().out
    assert out.read_text().splitlines()[1:] == [SORTED[i] for i in net.predict(X_test)]
    assert main(["evaluate", str(named["model"]), "--data", str(named["test"])]) == 0
    assert f"accuracy {right} / 297 ({right / 297:.2%})" in capsys.readouterr().out


def test_a_held_out_split_keeps_every_name(tmp_path, capsys) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    names = np.where(X[:, 0] > 0, "right", "left")
    path = _write(tmp_path / "sides.csv", X, names, header=False)
    assert main(["train", "--data", str(path), "--epochs", "2", "--seed", "0"]) == 0
    out = capsys.readouterr().out
    assert "[2, 30, 2]" in out and "8 of sides.csv's 40 rows held out" in out
    assert "Classes: the names in the class column, sorted: 0 left, 1 right" in out


def test_names_and_numbers_do_not_mix(named, tmp_path, capsys) -> None:
    model = str(named["model"])
    numbered = tmp_path / "numbered.csv"
    numbered.write_text("1," * 64 + "3\n")
    message = "the class column holds numbers, but the classes have names ('eight', 'five',"
    check_error(["evaluate", model, "--data", str(numbered)], 1, message, capsys)
    check_error(["predict", model, str(numbered)], 1, message, capsys)
    typo = tmp_path / "typo.csv"
    typo.write_text("1," * 64 + "seven\n" + "1," * 64 + "sevn\n")
    message = "typo.csv, row 2, column 65: 'sevn' is not one of the classes 'eight', 'five',"
    check_error(["evaluate", model, "--data", str(typo)], 1, message, capsys)
    # a network that numbers its classes, and a --test file that names them
    plain = tmp_path / "plain.npz"
    deltaprop.Network([64, 10], seed=0).save(plain)
    message = f"its class column holds names, but the network in {plain} numbers its classes"
    check_error(["evaluate", str(plain), "--data", str(typo)], 1, message, capsys)
    argv = ["train", "--data", str(numbered), "--test", str(named["test"]), "--epochs", "1"]
    check_error(argv, 1, "test.csv: its class column holds names, but --data", capsys)


def test_a_saved_networks_commands_read_names_as_its_classes(named, tmp_path, capsys) -> None:
    """A file holding some of the names: its labels are their places in the network's
    classes (a file alone would number its own two names 0 and 1)."""
    from deltaprop.cli.data import load_data
    from deltaprop.cli.main import build_parser

    X = load_digits().X_test[:10]
    names = np.array(["two", "seven"] * 5)
    path = _write(tmp_path / "some.csv", X, names, header=False)
    args = build_parser().parse_args(["diagnose", str(named["model"]), "--data", str(path)])
    data = load_data(args, args.model)
    assert data.classes == tuple(SORTED)
    got = np.concatenate([data.y_train, data.y_test])
    assert sorted(got.tolist()) == sorted([SORTED.index(n) for n in names])  # 8s and 5s
    assert main(["diagnose", str(named["model"]), "--data", str(path)]) == 0
    assert "diagnosis of Network([64, 30, 10]" in capsys.readouterr().out
