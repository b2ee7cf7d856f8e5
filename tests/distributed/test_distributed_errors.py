"""Errors in a data-parallel run reach every process at the same point, so none is left
waiting: bad data, divergence, disagreeing processes, a callback stopping on one process."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from mpi_data import blobs

from deltaprop import Callback, DivergenceError, Network
from deltaprop.errors import DistributedError
from deltaprop.scale import Communicator, fit_distributed
from deltaprop.scale.comm import raised_everywhere

pytestmark = pytest.mark.mpi


def test_non_finite_row_is_reported_by_its_row_on_every_process(comm: Any):
    X, y = blobs(40)
    X[29, 2] = np.nan
    net = Network([6, 4, 3], seed=1)
    with pytest.raises(ValueError, match=r"non-finite values .* in row 29") as caught:
        fit_distributed(net, X, y, epochs=1, batch_size=4, eta=0.5, seed=1, comm=comm)
    assert raised_everywhere(caught.value)


def test_bad_labels_and_shapes_are_refused_before_training(comm: Any):
    X, y = blobs(40)
    net = Network([6, 4, 3], seed=1)
    y_bad = y.copy()
    y_bad[7] = 3
    with pytest.raises(ValueError, match=r"y\[7\] = 3 is outside"):
        fit_distributed(net, X, y_bad, epochs=1, comm=comm)
    with pytest.raises(ValueError, match=r"shape \(n_samples, 6\)"):
        fit_distributed(net, X[:, :5], y, epochs=1, comm=comm)
    with pytest.raises(ValueError, match="one label or target row per sample"):
        fit_distributed(net, X, y[:39], epochs=1, comm=comm)
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        fit_distributed(net, X, y, epochs=1, timeout=0)


def test_divergence_stops_every_process_with_the_same_weights(comm: Any):
    X, y = blobs(60)
    X *= 1e3
    net = Network([6, 30, 3], activation="relu", output_activation="identity", seed=1)
    start = [w.copy() for w in net.weights]
    with pytest.raises(DivergenceError, match="training diverged"):
        fit_distributed(net, X, y, epochs=3, batch_size=6, eta=1e6, seed=1, comm=comm)
    assert all(np.array_equal(w, s) for w, s in zip(net.weights, start))  # epoch 1's start


def test_processes_that_disagree_are_told_which(comm: Any):
    if comm.size == 1:
        pytest.skip("needs several processes")
    X, y = blobs(40)
    net = Network([6, 4, 3], seed=1)
    with pytest.raises(DistributedError, match="process 1 runs"):
        fit_distributed(net, X, y, epochs=1, eta=0.5 if comm.rank == 0 else 0.25, comm=comm)


class StopOnRankZero(Callback):
    def __init__(self, rank: int) -> None:
        self.rank = rank

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> bool:
        return self.rank == 0 and epoch == 2


def test_a_callback_stopping_on_one_process_stops_all(comm: Any):
    X, y = blobs(30)
    net = Network([6, 4, 3], seed=1)
    history = fit_distributed(
        net,
        X,
        y,
        epochs=5,
        batch_size=5,
        seed=1,
        callbacks=[StopOnRankZero(comm.rank)],
        comm=comm,
    )
    assert len(history) == 2


def test_a_silent_process_raises_after_the_timeout():
    """With one process there is no one to wait for; the deadline logic is exercised on a
    request that never completes."""
    quick = Communicator(timeout=0.2)

    class Never:
        def Test(self) -> bool:
            return False

    with pytest.raises(DistributedError, match=r"no answer from the other processes within 0\.2 s"):
        quick._wait(Never(), "testing")


def test_a_process_started_with_other_options_is_refused_by_name(comm: Any, capsys: Any):
    if comm.size < 2:
        pytest.skip("needs several processes")
    import deltaprop.cli.distributed as cli_distributed
    from deltaprop.cli.main import main

    X, y = blobs(60, n_in=12, n_classes=4)
    data = {"X_train": X[:40], "y_train": y[:40], "X_test": X[40:], "y_test": y[40:]}
    cli_distributed._load, saved = (lambda args, comm: data), cli_distributed._load
    try:
        extra = ["--eta", "0.5", "--save", "net.npz"] if comm.rank == 1 else []
        status = main(["train", "--distributed", "--epochs", "1", "--seed", "1", *extra])
    finally:
        cli_distributed._load = saved
    assert status == 1
    err = capsys.readouterr().err
    if comm.rank == 0:
        assert "process 1 was started with --eta 0.5 (process 0: None)" in err
        assert "--save 'net.npz' (process 0: None)" in err
    else:
        assert err == ""
