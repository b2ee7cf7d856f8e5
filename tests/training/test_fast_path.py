"""The training loop's fast path: reused memory, flat gradient buffers, exact divergence
reports from the per-chunk check, and the public step."""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest
from tqdm import tqdm

from deltaprop import DivergenceError, Network, TrainConfig
from deltaprop._validation import one_hot
from deltaprop.training.loop import Trainer


def _data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random((n, 20), dtype=np.float32), one_hot(rng.integers(0, 3, n), 3, "float32")


def _epoch_peak(trainer: Trainer, X: np.ndarray, Y: np.ndarray, epoch: int) -> int:
    # tracemalloc counts every thread's allocations: tqdm's monitor thread, started by any
    # earlier progress bar in this process, wakes every 10 s and would count here.
    if tqdm.monitor is not None:
        tqdm.monitor.exit()
        tqdm.monitor = None
    tracemalloc.start()
    try:
        trainer.run_epoch(epoch, X, Y)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_batches_or_epochs() -> None:
    peaks = {}
    for n in (1000, 8000):
        X, Y = _data(n)
        trainer = Trainer(Network([20, 16, 3], seed=0), TrainConfig(batch_size=4, eta=0.5))
        peaks[n] = [_epoch_peak(trainer, X, Y, epoch) for epoch in (1, 2, 3)]
    # The first epoch allocates the workspaces and the chunk array once. After it, 8x the
    # mini-batches may only grow the epoch's permutation (8 bytes a row, int64), and later
    # epochs allocate no more than the second, but for a few hundred bytes of the
    # interpreter's own (a dict grown, a cache filled; seen: +596 bytes once) — far below one
    # byte a mini-batch, which a leak would be.
    assert peaks[8000][1] - peaks[1000][1] <= 8 * 7000 + 1024, peaks
    assert peaks[8000][2] <= peaks[8000][1] + 1024, peaks
    assert peaks[1000][2] <= peaks[1000][1] + 1024, peaks


def test_gradients_are_per_layer_views_of_one_flat_buffer() -> None:
    X, Y = _data(30)
    net = Network([20, 16, 3], dtype="float64", seed=0)
    trainer = Trainer(net, TrainConfig(batch_size=30, eta=0.5, shuffle=False))
    expected_w, expected_b = net.copy().backprop(X, Y)
    step = trainer.step(X.astype(np.float64), Y.astype(np.float64))
    flat = trainer.grads.flat
    assert flat.size == net.n_parameters
    assert all(np.shares_memory(g, flat) for g in trainer.grads)
    assert step.grad_w[0] is trainer.grads[0]
    for got, want in zip(step.grad_w + step.grad_b, expected_w + expected_b):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    assert trainer.params.flat is not None
    assert all(np.shares_memory(p, trainer.params.flat) for p in net.weights + net.biases)


@pytest.mark.parametrize("bad_batch", [1, 5, 40])
def test_divergence_names_the_first_bad_batch_exactly(bad_batch: int) -> None:
    rng = np.random.default_rng(0)
    m, n = 4, 200
    X = rng.random((n, 20))
    X[(bad_batch - 1) * m : bad_batch * m] = 1e30  # finite input, but z overflows float32
    net = Network([20, 5, 3], "relu", "identity", "quadratic", seed=0)
    before = [p.copy() for p in net.weights + net.biases]
    with pytest.raises(DivergenceError) as info:
        net.fit(X, rng.random((n, 3)), epochs=1, batch_size=m, eta=1e-3, shuffle=False)
    assert info.value.batch == bad_batch
    for p, q in zip(net.weights + net.biases, before):
        np.testing.assert_array_equal(p, q)


def test_float32_cost_and_chunk_checks_match_float64_history() -> None:
    X, Y = _data(500)
    histories = []
    for dtype in ("float32", "float64"):
        net = Network([20, 16, 3], dtype=dtype, seed=0)
        histories.append(net.fit(X, Y, epochs=2, batch_size=7, eta=0.5, seed=3))
    np.testing.assert_allclose(histories[0]["train_cost"], histories[1]["train_cost"], rtol=1e-4)


@pytest.mark.parametrize("l2, l1", [(0.0, 0.0), (1.0, 0.0)])
def test_a_step_allocates_nothing_as_large_as_the_parameters(l2: float, l1: float) -> None:
    # A wide hidden layer and m = 2: the parameters (a 40,000-number buffer) dwarf every
    # per-row array, so a temporary of the update or of the penalty would show in the peak.
    rng = np.random.default_rng(0)
    X, Y = rng.random((40, 20), dtype=np.float32), one_hot(rng.integers(0, 3, 40), 3, "float32")
    net = Network([20, 1500, 3], seed=0)
    trainer = Trainer(net, TrainConfig(batch_size=2, eta=0.1, l2=l2, l1=l1, shuffle=False))
    trainer.n_samples = 40
    trainer.run_epoch(1, X, Y)  # the workspaces, the scratch arrays and the chunk, once
    parameters_bytes = net.n_parameters * 4
    tracemalloc.start()
    try:
        trainer.run_epoch(2, X, Y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # the epoch's start snapshot (a copy of the parameters, for a diverged epoch) is the one
    # parameter-sized array: no step adds another
    assert peak < 1.5 * parameters_bytes, (peak, parameters_bytes)


def test_the_loops_workspaces_bind_sigma_without_an_errstate_and_step_stays_quiet() -> None:
    from deltaprop.core.ops import ops_for

    net = Network([20, 16, 3], seed=0)
    trainer = Trainer(net, TrainConfig(batch_size=5, eta=0.5))
    X, Y = _data(5)
    for w in net.weights:
        w *= 1e4  # z far past the exponential's range: σ's overflow and division by zero
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the public step ignores the tails' flags itself
        step = trainer.step(X, Y)
    assert np.isfinite(step.cost)
    kernels = trainer._workspace(5).kernels(net.sigmas, np)
    assert kernels == [ops_for(np).sigmoid_and_prime_in_errstate] * 2
    assert kernels is trainer._workspace(5).kernels(net.sigmas, np)  # bound once
