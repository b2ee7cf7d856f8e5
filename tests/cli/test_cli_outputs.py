"""``deltaprop train``'s destinations are checked before the data are loaded, and a network
that cannot be written where asked is written elsewhere, saying where."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
from cli_errors import check_error

import deltaprop
from deltaprop.cli import main

DIGITS = ["train", "--dataset", "digits", "--epochs", "2", "--seed", "1", "--quiet"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--save", "no/such/dir/m.npz"],
            "--save no/such/dir/m.npz: directory no/such/dir does not exist",
        ),
        (["--save", "."], "--save: cannot write .: it is a directory"),
        (["--save", ""], "--save: cannot write to an empty path"),
        (["--save", "m" * 300 + ".npz"], "is 304 bytes long, more than the 255"),
        (["--report", "."], "--report: cannot write .: it is a directory"),
        (["--report", "no/such/r.html"], "directory no/such does not exist"),
        (["--save", "x.npz", "--checkpoint", "x.npz"], "--save and --checkpoint name the same"),
        (["--save", "m.npz/inner.npz"], "m.npz is a file, not a directory"),
    ],
)
def test_bad_destinations_are_refused_before_loading_data(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
    options: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.npz").write_bytes(b"")

    def no_data(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the data were loaded before the destinations were checked")

    monkeypatch.setattr("deltaprop.io.digits.load_digits", no_data)
    check_error([*DIGITS, *options], 1, message, capsys)
    assert capsys.readouterr().out == ""


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_directory_is_refused_before_training(tmp_path: Path, capsys: Any) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        check_error([*DIGITS, "--save", str(locked / "m.npz")], 1, "cannot write in", capsys)
    finally:
        locked.chmod(0o755)


def test_plots_and_a_report_inside_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    assert main([*DIGITS, "--plots", "run1", "--report", "run1/report.html"]) == 0
    assert (tmp_path / "run1" / "run.json").is_file()
    assert (tmp_path / "run1" / "report.html").is_file()


def test_a_long_name_is_saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    name = "m" * 247 + ".npz"  # 251 characters: its temporary name is shortened
    assert main([*DIGITS, "--save", name]) == 0
    assert deltaprop.load(tmp_path / name).sizes == (64, 30, 10)


def test_a_network_that_cannot_be_saved_goes_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    target = tmp_path / "m.npz"
    real_save = deltaprop.Network.save

    def full_disk(self: deltaprop.Network, path: Any) -> None:
        if Path(path) == target:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_save(self, path)

    monkeypatch.setattr(deltaprop.Network, "save", full_disk)
    assert main([*DIGITS, "--save", str(target)]) == 1
    fallback = tmp_path / f"m.{os.getpid()}.npz"
    err = capsys.readouterr().err
    assert (
        f"could not write the network to {target} (No space left on device); it was "
        f"written to {fallback} instead" in err
    )
    assert deltaprop.load(fallback).sizes == (64, 30, 10)


def test_plot_checks_its_outputs_before_drawing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    assert main([*DIGITS, "--epochs", "1", "--plots", "run1"]) == 0
    capsys.readouterr()
    check_error(["plot", "run1", "--report", "."], 1, "--report: cannot write .: it is a", capsys)
    check_error(["plot", "run1", "--report", "no/such/r.html"], 1, "does not exist", capsys)
    assert main(["plot", "run1", "--out", "figures", "--report", "figures/r.html"]) == 0
    assert (tmp_path / "figures" / "r.html").is_file()
