"""Data-parallel training gives the single process's result: same weights to within
rounding after an epoch (float64), bit for bit between runs on the same number of processes,
the same on every process, with one all-reduce per step."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from mpi_data import blobs, max_abs_diff

from deltaprop import Network
from deltaprop.io.mnist import load_mnist
from deltaprop.scale import fit_distributed

pytestmark = pytest.mark.mpi

# (rows, batch size, shuffle, network keywords): uneven parts, a shorter final batch, and
# mini-batches smaller than the number of processes (some processes get no rows).
CASES = [
    (203, 10, True, {}),
    (57, 7, False, {"activation": "tanh", "output_activation": "softmax", "cost": "cross-entropy"}),
    (50, 3, True, {"activation": "relu", "output_activation": "sigmoid", "cost": "cross-entropy"}),
    (9, 1, True, {}),
]


@pytest.mark.parametrize(("n", "m", "shuffle", "kwargs"), CASES)
def test_one_epoch_matches_one_process(comm: Any, n: int, m: int, shuffle: bool, kwargs: Any):
    X, y = blobs(n)
    Xv, yv = blobs(31, seed=1)
    options = dict(epochs=1, batch_size=m, eta=0.5, shuffle=shuffle, seed=4)
    net = Network([6, 5, 3], dtype="float64", seed=2, **kwargs)
    history = fit_distributed(net, X, y, validation_data=(Xv, yv), comm=comm, **options)
    single = Network([6, 5, 3], dtype="float64", seed=2, **kwargs)
    expected = single.fit(X, y, validation_data=(Xv, yv), **options)
    assert max_abs_diff(net, single) <= 1e-10
    assert max_abs_diff(net, Network([6, 5, 3], dtype="float64", seed=2)) > 1e-3  # it learnt
    row, ref = history.rows[0], expected.rows[0]
    assert row["train_cost"] == pytest.approx(ref["train_cost"], rel=1e-12)
    assert row["val_cost"] == pytest.approx(ref["val_cost"], rel=1e-12)
    assert (row["val_correct"], row["val_n"]) == (ref["val_correct"], ref["val_n"])


def test_real_mnist_subset_matches_one_process(comm: Any, mnist_dir: Any):
    data = load_mnist(mnist_dir, dtype="float64")
    X, y = data.X_train[:2000], data.y_train[:2000]
    options = dict(epochs=1, batch_size=10, eta=3.0, seed=1)
    net = Network([784, 30, 10], dtype="float64", seed=1)
    fit_distributed(net, X, y, comm=comm, **options)
    single = Network([784, 30, 10], dtype="float64", seed=1)
    single.fit(X, y, **options)
    assert max_abs_diff(net, single) <= 1e-10


def test_runs_on_the_same_processes_agree_bit_for_bit(comm: Any):
    X, y = blobs(120)
    nets = []
    for _ in range(2):
        net = Network([6, 8, 3], dtype="float32", seed=5)
        fit_distributed(net, X, y, epochs=2, batch_size=8, eta=1.0, seed=7, comm=comm)
        nets.append(net)
    for p, q in zip([*nets[0].weights, *nets[0].biases], [*nets[1].weights, *nets[1].biases]):
        assert np.array_equal(p, q)
    # and every process holds the same parameters (the trainer checks this after each epoch)
    mine = np.concatenate([p.ravel() for p in [*nets[0].weights, *nets[0].biases]])
    everyone = comm.allgather_object(mine.tobytes(), "test")
    assert all(b == everyone[0] for b in everyone)


def test_unseeded_network_takes_rank_zeros_parameters(comm: Any):
    X, y = blobs(40)
    net = Network([6, 4, 3], dtype="float64")  # different random parameters on each process
    history = fit_distributed(net, X, y, epochs=1, batch_size=5, eta=0.1, comm=comm)
    everyone = comm.allgather_object([p.tobytes() for p in net.weights], "test")
    assert all(w == everyone[0] for w in everyone)
    assert len(history) == 1


def test_one_allreduce_of_one_flat_buffer_per_step(comm: Any, monkeypatch: Any):
    X, y = blobs(95)
    net = Network([6, 7, 4, 3], seed=1)
    calls: list[tuple[int, str]] = []
    original = comm.allreduce_sum

    def spy(buffer: np.ndarray, what: str) -> None:
        calls.append((buffer.size, what))
        original(buffer, what)

    monkeypatch.setattr(comm, "allreduce_sum", spy)
    fit_distributed(net, X, y, epochs=2, batch_size=10, eta=0.5, seed=1, comm=comm)
    n_params = net.n_parameters
    assert calls == [(n_params + 2, "combining the gradients")] * (2 * 10)  # 10 steps an epoch


class Rows:
    """An array that records which rows were read."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array
        self.shape = array.shape
        self.read: list[int] = []

    def __getitem__(self, index: Any) -> np.ndarray:
        rows = np.arange(self.shape[0])[index]
        self.read.extend(np.atleast_1d(rows).tolist())
        return self.array[index]


def test_each_process_reads_only_its_rows(comm: Any):
    X, y = blobs(101)
    source = Rows(X)
    net = Network([6, 5, 3], seed=1)
    fit_distributed(net, source, y, epochs=2, batch_size=10, eta=0.5, seed=3, comm=comm)
    fingerprint = 101  # data_fingerprint reads up to 1024 evenly spaced rows, once
    per_epoch = (len(source.read) - fingerprint) // 2
    assert abs(per_epoch - 101 / comm.size) <= 11  # about n/N rows an epoch, no more
    first = source.read[fingerprint : fingerprint + per_epoch]
    assert len(set(first)) == len(first)
    everyone = comm.allgather_object(first, "test")
    together = sorted(row for rows in everyone for row in rows)
    assert together == list(range(101))  # the processes' rows: disjoint, all of them


def test_memory_mapped_data(comm: Any, shared_dir: Any):
    X, y = blobs(64)
    if comm.rank == 0:
        np.save(shared_dir / "X.npy", X)
    comm.allgather_object(None, "test: file written")
    mapped = np.load(shared_dir / "X.npy", mmap_mode="r")
    a, b = Network([6, 5, 3], seed=1), Network([6, 5, 3], seed=1)
    fit_distributed(a, mapped, y, epochs=1, batch_size=6, eta=0.5, seed=1, comm=comm)
    fit_distributed(b, X, y, epochs=1, batch_size=6, eta=0.5, seed=1, comm=comm)
    assert max_abs_diff(a, b) == 0.0
