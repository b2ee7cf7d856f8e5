"""Checkpoints of a data-parallel run: rank 0 writes them atomically, and a run resumes on
any number of processes with the result of an uninterrupted single-process run."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from mpi_data import blobs, max_abs_diff

import deltaprop.training.checkpoint as checkpoint_module
from deltaprop import Callback, Network
from deltaprop.scale import Communicator, fit_distributed
from deltaprop.scale.comm import raised_everywhere

pytestmark = pytest.mark.mpi

OPTIONS = dict(batch_size=7, eta=0.5, seed=11)


def _alone(comm: Any) -> Communicator | None:
    """Rank 0 alone, as a communicator of one process (None on the other processes)."""
    sub = comm.comm.Split(0 if comm.rank == 0 else 1, comm.rank)
    return Communicator(sub, timeout=60) if comm.rank == 0 else None


@pytest.fixture
def reference() -> Network:
    """Three epochs on one process, uninterrupted."""
    X, y = blobs(80)
    net = Network([6, 5, 3], dtype="float64", seed=3)
    net.fit(X, y, epochs=3, **OPTIONS)
    return net


def test_resume_on_all_processes_and_on_one(comm: Any, shared_dir: Path, reference: Network):
    X, y = blobs(80)
    path = shared_dir / "run.npz"
    net = Network([6, 5, 3], dtype="float64", seed=3)
    fit_distributed(net, X, y, epochs=1, checkpoint=path, comm=comm, **OPTIONS)
    assert path.is_file() and not list(shared_dir.glob(".*.tmp"))
    # epoch 2 on rank 0 alone, from the checkpoint all the processes wrote
    alone = _alone(comm)
    if alone is not None:
        single = Network([6, 5, 3], dtype="float64", seed=99)  # parameters come from the file
        history = fit_distributed(
            single, X, y, epochs=2, checkpoint=path, resume=True, comm=alone, **OPTIONS
        )
        assert [row["epoch"] for row in history] == [1, 2]
    comm.allgather_object(None, "test: epoch 2 written")
    # epoch 3 on every process again
    resumed = Network([6, 5, 3], dtype="float64", seed=98)
    history = fit_distributed(
        resumed, X, y, epochs=3, checkpoint=path, resume=True, comm=comm, **OPTIONS
    )
    assert [row["epoch"] for row in history] == [1, 2, 3]
    assert max_abs_diff(resumed, reference) <= 1e-10


def test_an_existing_checkpoint_is_not_overwritten(comm: Any, shared_dir: Path):
    X, y = blobs(30)
    path = shared_dir / "run.npz"
    fit_distributed(Network([6, 5, 3], seed=3), X, y, epochs=1, checkpoint=path, comm=comm)
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match=r"pass resume=True \(--resume\)") as caught:
        fit_distributed(Network([6, 5, 3], seed=3), X, y, epochs=2, checkpoint=path, comm=comm)
    assert raised_everywhere(caught.value)
    with pytest.raises(ValueError, match=r"batch_size=10 \(this run: 5\)"):
        fit_distributed(
            Network([6, 5, 3], seed=3),
            X,
            y,
            epochs=2,
            batch_size=5,
            checkpoint=path,
            resume=True,
            comm=comm,
        )
    assert path.read_bytes() == before


@pytest.mark.parametrize(("epochs", "every"), [(3, 1), (1, 5)])  # after an epoch; at the end
def test_a_failed_write_on_rank_zero_stops_every_process(
    comm: Any, shared_dir: Path, monkeypatch: Any, epochs: int, every: int
):
    def disk_full(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(checkpoint_module, "write_npz", disk_full)
    X, y = blobs(30)
    path = shared_dir / "run.npz"
    with pytest.raises(OSError, match=r"could not write the checkpoint .*No space left") as caught:
        fit_distributed(
            Network([6, 5, 3], seed=3),
            X,
            y,
            epochs=epochs,
            checkpoint=path,
            checkpoint_every=every,
            comm=comm,
        )
    assert raised_everywhere(caught.value)
    assert not path.exists()


def test_network_fit_resumes_a_distributed_checkpoint(
    comm: Any, shared_dir: Path, tmp_path: Path, reference: Network
):
    X, y = blobs(80)
    path = shared_dir / "run.npz"
    fit_distributed(
        Network([6, 5, 3], dtype="float64", seed=3),
        X,
        y,
        epochs=2,
        checkpoint=path,
        comm=comm,
        **OPTIONS,
    )
    mine = tmp_path / "mine.npz"  # each process resumes alone, from its own copy
    shutil.copy(path, mine)
    comm.allgather_object(None, "test: copied")
    single = Network([6, 5, 3], dtype="float64", seed=3)
    single.fit(X, y, epochs=3, checkpoint=mine, resume=True, **OPTIONS)
    assert max_abs_diff(single, reference) <= 1e-10


class Interrupt(Callback):
    def on_epoch_begin(self, epoch: int, n_batches: int) -> None:
        if epoch == 3:
            raise KeyboardInterrupt


def test_an_interrupted_run_keeps_its_last_epoch(comm: Any, shared_dir: Path, reference: Network):
    X, y = blobs(80)
    path = shared_dir / "run.npz"
    net = Network([6, 5, 3], dtype="float64", seed=3)
    with pytest.raises(KeyboardInterrupt):
        fit_distributed(
            net,
            X,
            y,
            epochs=3,
            checkpoint=path,
            checkpoint_every=5,
            callbacks=[Interrupt()],
            comm=comm,
            **OPTIONS,
        )
    again = Network([6, 5, 3], dtype="float64", seed=50)
    history = fit_distributed(
        again, X, y, epochs=3, checkpoint=path, resume=True, comm=comm, **OPTIONS
    )
    assert [row["epoch"] for row in history] == [1, 2, 3]
    assert max_abs_diff(again, reference) <= 1e-10


def test_a_resume_with_other_data_is_refused(comm: Any, shared_dir: Path):
    X, y = blobs(40)
    path = shared_dir / "run.npz"
    fit_distributed(Network([6, 5, 3], seed=3), X, y, epochs=1, seed=1, checkpoint=path, comm=comm)
    with pytest.raises(ValueError, match="other training data"):
        fit_distributed(
            Network([6, 5, 3], seed=3),
            X[::-1].copy(),
            y[::-1].copy(),
            epochs=2,
            seed=1,
            checkpoint=path,
            resume=True,
            comm=comm,
        )
