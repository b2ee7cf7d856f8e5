"""``deltaprop train --distributed`` in every process of the job: the single-process
network, output from rank 0 only, checkpoints and resuming, MNIST mapped from ``.npy`` files."""

from __future__ import annotations

from collections import namedtuple
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mpi_data import blobs, max_abs_diff

import deltaprop
import deltaprop.cli.distributed as cli_distributed
import deltaprop.cli.train as cli_train
from deltaprop.cli.main import main
from deltaprop.scale.data import shared_arrays

pytestmark = pytest.mark.mpi
Data = namedtuple("Data", "X_train y_train X_test y_test")
TRAIN = ["train", "--dtype", "float64", "--seed", "1", "--batch-size", "8", "--eta", "1"]


@pytest.fixture
def data(monkeypatch: Any) -> Data:
    """Small synthetic data in place of the data sets, for the command in either mode."""
    X, y = blobs(130, n_in=12, n_classes=4)
    data = Data(X[:100], y[:100], X[100:], y[100:])
    monkeypatch.setattr(cli_distributed, "_load", lambda args, comm: data._asdict())
    monkeypatch.setattr(cli_train, "load_data", lambda args: data)
    return data


def test_the_distributed_command_trains_the_single_process_network(
    comm: Any, shared_dir: Path, data: Data, capsys: Any
):
    ours, single = shared_dir / "distributed.npz", shared_dir / "single.npz"
    assert main([*TRAIN, "--epochs", "2", "--distributed", "--save", str(ours)]) == 0
    out = capsys.readouterr().out
    if comm.rank == 0:
        assert f"distributed over {comm.size} processes" in out and "Communication:" in out
        assert (
            out.count("Epoch 2:") == 1
            and main([*TRAIN, "--epochs", "2", "--save", str(single)]) == 0
        )
    else:
        assert out == ""  # only rank 0 prints
    comm.allgather_object(None, "test: saved")
    assert max_abs_diff(deltaprop.load(ours), deltaprop.load(single)) <= 1e-10


def test_checkpoint_and_resume_from_the_command_line(
    comm: Any, shared_dir: Path, data: Data, capsys: Any
):
    ck, final, single = shared_dir / "run.npz", shared_dir / "b.npz", shared_dir / "c.npz"
    options = [*TRAIN, "--distributed", "--checkpoint", str(ck)]
    assert main([*options, "--epochs", "1"]) == 0
    assert main([*options, "--epochs", "3"]) == 1  # the file exists and --resume is missing
    err = capsys.readouterr().err
    assert err.count("already exists") == (1 if comm.rank == 0 else 0)
    assert main([*options, "--epochs", "3", "--resume", "--save", str(final)]) == 0
    if comm.rank == 0:
        assert main([*TRAIN, "--epochs", "3", "--save", str(single)]) == 0
    comm.allgather_object(None, "test: saved")
    assert max_abs_diff(deltaprop.load(final), deltaprop.load(single)) <= 1e-10


def test_shared_arrays_are_written_by_rank_zero_and_mapped_everywhere(comm: Any, shared_dir: Path):
    loads = []

    def load() -> Data:
        loads.append(1)
        X, y = blobs(20)
        return Data(X, y, X[:5], y[:5])

    arrays = shared_arrays(comm, load, shared_dir)
    assert len(loads) == (1 if comm.rank == 0 else 0)
    assert isinstance(arrays["X_train"], np.memmap) and not arrays["X_train"].flags.writeable
    assert np.array_equal(arrays["X_train"], blobs(20)[0])
    written = sorted(p.name for p in shared_dir.glob("*.npy"))
    assert len(written) == 4 and shared_arrays(comm, load, shared_dir).keys() == arrays.keys()
    assert sorted(p.name for p in shared_dir.glob("*.npy")) == written  # found, not rewritten


def test_an_error_on_rank_zero_while_preparing_data_reaches_every_process(comm: Any):
    def load() -> Data:
        raise FileNotFoundError("MNIST file(s) missing from /nowhere")

    with pytest.raises(FileNotFoundError, match="missing from /nowhere"):
        shared_arrays(comm, load, Path("/nonexistent"))


@pytest.mark.slow
def test_real_mnist_from_the_command_line(
    comm: Any, shared_dir: Path, mnist_dir: Path, monkeypatch: Any
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared_dir / "cache"))
    ours, single = shared_dir / "a.npz", shared_dir / "b.npz"
    options = [
        "train",
        "--dtype",
        "float64",
        "--seed",
        "1",
        "--epochs",
        "1",
        "--train-samples",
        "3000",
        "--data-dir",
        str(mnist_dir),
    ]
    assert main([*options, "--distributed", "--save", str(ours)]) == 0
    if comm.rank == 0:
        assert main([*options, "--save", str(single)]) == 0
    comm.allgather_object(None, "test: saved")
    assert max_abs_diff(deltaprop.load(ours), deltaprop.load(single)) <= 1e-10
