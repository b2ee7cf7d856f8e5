"""The training loop: mini-batch SGD as docs/notation.md states it, determinism, callbacks,
faults."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from deltaprop import Callback, DivergenceError, Network, Step


def _blobs(n: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three well-separated Gaussian blobs in 4 dimensions."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centres = np.array([[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 0]], dtype=float)
    return centres[y] + 0.3 * rng.standard_normal((n, 4)), y


class Recorder(Callback):
    def __init__(self) -> None:
        self.batch_sizes: list[int] = []
        self.epochs: list[int] = []
        self.begun = self.ended = 0

    def on_train_begin(self, trainer: Any) -> None:
        assert trainer.state.epoch == 0 and trainer.config.batch_size == 3
        self.begun += 1

    def on_batch_end(self, step: Step) -> None:
        self.batch_sizes.append(step.x.shape[0])
        assert len(step.deltas) == len(step.zs) == len(step.activations) - 1

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        self.epochs.append(epoch)

    def on_train_end(self, history: Any) -> None:
        self.ended += 1


def test_one_full_batch_step_is_w_minus_eta_gradient() -> None:
    X, y = _blobs(12)
    net = Network([4, 5, 3], dtype="float64", seed=1)
    before = net.copy()
    grad_w, grad_b = before.backprop(X, y)
    net.fit(X, y, epochs=1, batch_size=12, eta=0.5, shuffle=False)
    for p, p0, g in zip(net.weights + net.biases, before.weights + before.biases, grad_w + grad_b):
        np.testing.assert_allclose(p, p0 - 0.5 * g, rtol=1e-13, atol=1e-15)


def test_minibatches_cover_the_data_and_keep_the_short_last_batch() -> None:
    X, y = _blobs(7)
    rec = Recorder()
    net = Network([4, 3, 3], seed=0)
    net.fit(X, y, epochs=2, batch_size=3, eta=1.0, seed=0, callbacks=[rec])
    assert rec.batch_sizes == [3, 3, 1, 3, 3, 1]
    assert rec.epochs == [1, 2] and rec.begun == rec.ended == 1


def test_shuffled_batches_cover_every_sample_once_per_epoch() -> None:
    X, y = _blobs(10)
    X[:, 3] = np.arange(10)  # tag each row
    seen: list[float] = []

    class Tags(Callback):
        def on_batch_end(self, step: Step) -> None:
            seen.extend(step.x[:, 3].tolist())

    Network([4, 3], dtype="float64", seed=0).fit(
        X, y, epochs=1, batch_size=4, seed=3, callbacks=[Tags()]
    )
    assert sorted(seen) == list(range(10)) and seen != list(range(10))


def test_same_seed_is_bitwise_identical() -> None:
    X, y = _blobs(50)
    runs = []
    for _ in range(2):
        net = Network([4, 6, 3], seed=5)
        history = net.fit(X, y, epochs=3, batch_size=7, eta=1.0, seed=9, validation_data=(X, y))
        runs.append((net, history))
    (a, ha), (b, hb) = runs
    for p, q in zip(a.weights + a.biases, b.weights + b.biases):
        assert p.tobytes() == q.tobytes()
    assert ha["train_cost"] == hb["train_cost"] and ha["val_cost"] == hb["val_cost"]
    c = Network([4, 6, 3], seed=5)
    c.fit(X, y, epochs=3, batch_size=7, eta=1.0, seed=10)
    assert c.weights[0].tobytes() != a.weights[0].tobytes()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtype_is_kept_end_to_end(dtype: str) -> None:
    X, y = _blobs(20)
    net = Network([4, 5, 3], dtype=dtype, seed=0)
    dtypes: set[str] = set()

    class Dtypes(Callback):
        def on_batch_end(self, step: Step) -> None:
            for arr in [*step.zs, *step.activations, *step.deltas, *step.grad_w, *step.grad_b]:
                dtypes.add(arr.dtype.name)

    net.fit(X.astype(np.float64), y, epochs=1, batch_size=5, callbacks=[Dtypes()])
    assert dtypes == {dtype}
    assert {p.dtype.name for p in net.weights + net.biases} == {dtype}
    assert net.feedforward(X).dtype.name == dtype


def test_learns_a_simple_problem_and_records_history() -> None:
    X, y = _blobs(300)
    net = Network([4, 8, 3], "sigmoid", "softmax", "cross-entropy", init="scaled", seed=0)
    history = net.fit(X, y, epochs=10, batch_size=10, eta=0.5, seed=0, validation_data=(X, y))
    assert len(history) == 10
    assert history["epoch"] == list(range(1, 11))
    assert history["val_accuracy"][-1] > 0.95
    assert history["train_cost"][-1] < history["train_cost"][0]
    assert set(history.keys()) >= {"train_cost", "val_cost", "val_correct", "val_n", "seconds"}
    assert history.best("val_accuracy")["val_accuracy"] == max(history["val_accuracy"])


def test_regression_with_one_output_and_1d_targets() -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (200, 2))
    y = X[:, 0] - 0.5 * X[:, 1]
    net = Network([2, 8, 1], "tanh", "identity", init="scaled", dtype="float64", seed=0)
    history = net.fit(X, y, epochs=40, batch_size=10, eta=0.05, seed=0, validation_data=(X, y))
    assert "val_accuracy" not in history
    assert history["val_cost"][-1] < 0.01


def test_callback_can_stop_training() -> None:
    class StopAfterTwo(Callback):
        def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> bool:
            return epoch == 2

    X, y = _blobs(20)
    history = Network([4, 3], seed=0).fit(X, y, epochs=10, callbacks=[StopAfterTwo()])
    assert len(history) == 2


def test_divergence_stops_with_a_clear_error_and_keeps_last_good_weights() -> None:
    X, y = _blobs(40)
    X *= 1e3
    net = Network([4, 30, 3], "relu", "identity", "quadratic", dtype="float32", seed=0)
    net.fit(X[:10], y[:10], epochs=1, batch_size=10, eta=1e-9)  # one harmless epoch
    with pytest.raises(
        DivergenceError, match=r"mini-batch \d+ of epoch 1 .*eta = 1e\+10.*smaller"
    ) as info:
        net.fit(X, y, epochs=3, batch_size=5, eta=1e10)
    assert info.value.epoch == 1 and info.value.batch >= 1 and info.value.eta == 1e10
    assert all(np.isfinite(p).all() for p in net.weights + net.biases)


def test_an_update_that_overflows_the_weights_is_caught_at_the_end_of_the_epoch() -> None:
    # One mini-batch per epoch: its cost is finite (computed before the update), the update
    # overflows float32, and no later cost would show it.
    X, y = _blobs(20)
    X *= 1e3
    net = Network([4, 3], "identity", "identity", "quadratic", dtype="float32", seed=0)
    before = [p.copy() for p in net.weights + net.biases]
    with pytest.raises(DivergenceError, match=r"update of mini-batch 1 of epoch 1 made the weig"):
        net.fit(X, y, epochs=1, batch_size=20, eta=1e38)
    assert all(np.array_equal(p, q) for p, q in zip(net.weights + net.biases, before))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"batch_size": 0}, "batch_size must be a positive integer, got 0"),
        ({"batch_size": -5}, "batch_size must be a positive integer"),
        ({"batch_size": 2.5}, "batch_size must be a positive integer"),
        ({"epochs": 0}, "epochs must be a positive integer"),
        ({"eta": 0.0}, "eta must be a positive finite number"),
        ({"eta": -1.0}, "eta must be a positive finite number"),
        ({"eta": float("nan")}, "eta must be a positive finite number"),
        ({"eta": float("inf")}, "eta must be a positive finite number"),
        ({"eta": "fast"}, "eta must be a positive number"),
        ({"seed": -2}, "seed must be None or a non-negative integer"),
        ({"shuffle": "yes"}, "shuffle must be True or False"),
        ({"validation_data": np.zeros((3, 4))}, "validation_data must be a pair"),
        ({"validation_data": (np.zeros((3, 5)), np.zeros(3, int))}, "validation X has 5 columns"),
    ],
)
def test_bad_training_options_are_rejected_clearly(kwargs: dict, message: str) -> None:
    X, y = _blobs(10)
    with pytest.raises(ValueError, match=message):
        Network([4, 3], seed=0).fit(X, y, **kwargs)
