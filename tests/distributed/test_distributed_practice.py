"""``deltaprop train --distributed`` refuses the options a distributed run does not apply
(optimisers, regularisation, schedules, validation, early stopping) instead of ignoring them."""

from __future__ import annotations

from typing import Any

import pytest

import deltaprop.cli.distributed as cli_distributed
from conftest import blobs
from deltaprop.cli.main import main

pytestmark = pytest.mark.mpi


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (["--optimizer", "adam"], "--optimizer"),
        (["--l2", "5", "--dropout", "0.2"], "--l2, --dropout"),
        (["--validation", "20", "--patience", "3"], "--validation, --patience"),
        (["--schedule", "cosine"], "--schedule"),
    ],
)
def test_practice_options_are_refused(comm: Any, monkeypatch: Any, capsys: Any, options, named):
    X, y = blobs(60, n_in=12, n_classes=4)
    data = {"X_train": X[:40], "y_train": y[:40], "X_test": X[40:], "y_test": y[40:]}
    monkeypatch.setattr(cli_distributed, "_load", lambda args, comm: data)
    argv = ["train", "--distributed", "--epochs", "1", "--seed", "1", *options]
    assert main(argv) == 1
    err = capsys.readouterr().err
    expected = f"{named} cannot be used with --distributed yet"
    assert (expected in err) if comm.rank == 0 else err == ""
