"""Every training option on N processes gives the single process's result: the same loop,
with only the rows each process computes and the reduction of the gradient replaced.

For each option, max |distributed − single| ≤ 1e-10 over the parameters (float64) after
several epochs, and the same figures in every epoch's row. Run by ``pytest`` (one process)
and under ``mpiexec -n 2`` / ``-n 3`` (uneven parts) in CI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mpi_data import blobs, max_abs_diff

import deltaprop
from deltaprop import Network
from deltaprop.cli.main import main
from deltaprop.scale import fit_distributed
from deltaprop.training.optimizers import Momentum

pytestmark = pytest.mark.mpi

OPTIONS: dict[str, dict[str, Any]] = {
    "momentum": {"optimizer": "momentum", "momentum": 0.5},
    "nesterov": {"optimizer": "nesterov", "momentum": 0.7},
    "adam": {"optimizer": "adam", "eta": 0.01, "beta1": 0.8},
    "an optimiser object": {"optimizer": Momentum(0.3)},
    "l2": {"l2": 2.0},
    "l1": {"l1": 1.0},
    "dropout": {"dropout": 0.3},
    "cosine schedule": {"schedule": "cosine"},
    "plateau schedule": {"schedule": "plateau", "plateau_patience": 1, "validation_split": 20},
    "validation split": {"validation_split": 0.2},
    "early stopping": {"validation_split": 30, "patience": 1, "eta": 4.0},
    "everything": {
        "optimizer": "adam",
        "eta": 0.02,
        "l2": 1.0,
        "l1": 0.5,
        "dropout": 0.2,
        "schedule": "cosine",
        "validation_split": 30,
        "patience": 2,
    },
}
FIGURES = ("train_cost", "val_cost", "val_correct", "eta")


@pytest.mark.parametrize("name", OPTIONS)
def test_each_option_gives_the_single_process_result(comm: Any, name: str) -> None:
    X, y = blobs(151)
    options = {"epochs": 4, "batch_size": 7, "eta": 0.5, "seed": 3, **OPTIONS[name]}
    net = Network([6, 5, 4, 3], dtype="float64", seed=2)
    history = fit_distributed(net, X, y, comm=comm, **options)
    single = Network([6, 5, 4, 3], dtype="float64", seed=2)
    expected = single.fit(X, y, **options)
    assert max_abs_diff(net, single) <= 1e-10
    assert max_abs_diff(net, Network([6, 5, 4, 3], dtype="float64", seed=2)) > 1e-3  # it learnt
    assert len(history) == len(expected)
    for row, ref in zip(history, expected):
        for key in FIGURES:
            if key in ref:
                assert row[key] == pytest.approx(ref[key], rel=1e-9, abs=1e-12), key
        assert row.get("stopped") == ref.get("stopped")


def test_checkpoint_and_resume_with_options(comm: Any, shared_dir: Path) -> None:
    X, y = blobs(120)
    options = {
        "batch_size": 8,
        "eta": 0.02,
        "seed": 5,
        "optimizer": "adam",
        "dropout": 0.2,
        "l2": 1.0,
    }
    path = shared_dir / "run.npz"
    net = Network([6, 5, 3], dtype="float64", seed=1)
    fit_distributed(net, X, y, comm=comm, epochs=2, checkpoint=path, **options)
    resumed = Network([6, 5, 3], dtype="float64", seed=9)  # other weights: the file's win
    fit_distributed(resumed, X, y, comm=comm, epochs=4, checkpoint=path, resume=True, **options)
    single = Network([6, 5, 3], dtype="float64", seed=1)
    single.fit(X, y, epochs=4, **options)
    assert max_abs_diff(resumed, single) <= 1e-10


def test_the_monitor_sees_every_step_and_changes_nothing(comm: Any) -> None:
    X, y = blobs(90)
    monitor = deltaprop.Monitor(every=1)
    net = Network([6, 5, 3], dtype="float64", seed=1)
    history = fit_distributed(
        net, X, y, comm=comm, epochs=2, batch_size=9, eta=0.5, seed=2, callbacks=[monitor]
    )
    single = Network([6, 5, 3], dtype="float64", seed=1)
    single.fit(X, y, epochs=2, batch_size=9, eta=0.5, seed=2)
    assert max_abs_diff(net, single) <= 1e-10
    assert "grad_b_norm_l3" in history.rows[-1]  # the per-layer figures of the sampled steps


def test_the_command_takes_every_option(comm: Any, shared_dir: Path, monkeypatch: Any) -> None:
    import deltaprop.cli.distributed as cli_distributed

    X, y = blobs(160, n_in=12, n_classes=4)
    data = {"X_train": X[:120], "y_train": y[:120], "X_test": X[120:], "y_test": y[120:]}
    monkeypatch.setattr(cli_distributed, "_load", lambda args, comm: data)
    ours = shared_dir / "ours.npz"
    argv = [
        "train",
        "--dtype",
        "float64",
        "--seed",
        "1",
        "--epochs",
        "3",
        "--batch-size",
        "6",
        "--optimizer",
        "nesterov",
        "--momentum",
        "0.5",
        "--eta",
        "0.5",
        "--l2",
        "1",
        "--dropout",
        "0.2",
        "--schedule",
        "plateau",
        "--validation",
        "20",
        "--patience",
        "2",
        "--save",
        str(ours),
    ]
    report = shared_dir / "report.html"
    assert main([*argv, "--distributed", "--monitor", "--report", str(report)]) == 0
    if comm.rank == 0:
        assert report.is_file()
        single = Network([12, 30, 4], dtype="float64", seed=1)
        single.fit(
            X[:120],
            y[:120],
            epochs=3,
            batch_size=6,
            optimizer="nesterov",
            momentum=0.5,
            eta=0.5,
            l2=1.0,
            dropout=0.2,
            schedule="plateau",
            validation_split=20,
            patience=2,
            seed=1,
        )
        assert max_abs_diff(deltaprop.load(ours), single) <= 1e-10
    comm.allgather_object(None, "test: compared")
