"""The training monitor: its figures against the steps' own arrays, recomputed with NumPy."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import deltaprop
from deltaprop.insight.monitor import STATS, Monitor, column


class Recorder(deltaprop.Callback):
    """Keeps copies of every step's arrays and of the weights before each update."""

    def __init__(self) -> None:
        self.steps: list[dict[str, Any]] = []
        self.before: list[list[np.ndarray]] = []

    def on_train_begin(self, trainer) -> None:
        self.net = trainer.model

    def on_epoch_begin(self, epoch: int, n_batches: int) -> None:
        self.before.append([w.copy() for w in self.net.weights])

    def on_batch_end(self, step) -> None:
        self.steps.append(
            {
                "zs": [z.copy() for z in step.zs],
                "a": [a.copy() for a in step.activations],
                "deltas": [d.copy() for d in step.deltas],
                "grad_w": [g.copy() for g in step.grad_w],
                "grad_b": [g.copy() for g in step.grad_b],
                "w_before": self.before[-1],
                "w_after": [w.copy() for w in self.net.weights],
            }
        )
        self.before[-1] = self.steps[-1]["w_after"]


def _data(n: int = 64, n_in: int = 6, n_out: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, n_in)), rng.integers(0, n_out, n)


def test_every_figure_matches_the_step_it_came_from() -> None:
    X, y = _data()
    net = deltaprop.Network([6, 5, 4, 3], dtype="float64", seed=2)
    net.weights[0] *= 3.0  # some saturation to count
    monitor, recorder = Monitor(every=1), Recorder()
    net.fit(X, y, epochs=2, batch_size=8, eta=1.5, seed=0, callbacks=[recorder, monitor])
    assert monitor.trace.shape == (16, 3, len(STATS))
    assert list(monitor.trace_steps) == list(range(1, 17))
    for row, s in zip(monitor.trace, recorder.steps):
        for i in range(3):
            z, a, delta = s["zs"][i], s["a"][i + 1], s["deltas"][i]
            expected = {
                "delta": np.mean(np.abs(delta)),
                "grad_w_norm": np.linalg.norm(s["grad_w"][i]),
                "grad_b_norm": np.linalg.norm(s["grad_b"][i]),
                "saturated": np.mean(a * (1 - a) < 0.01),
                "activation_mean": np.mean(a),
                # SGD: Δw = η ∂C/∂w, so the ratio is η ‖∂C/∂w‖ / ‖w‖ by a second route too.
                "update_ratio": 1.5
                * np.linalg.norm(s["grad_w"][i])
                / np.linalg.norm(s["w_before"][i]),
            }
            assert np.linalg.norm(s["w_after"][i] - s["w_before"][i]) / np.linalg.norm(
                s["w_before"][i]
            ) == pytest.approx(expected["update_ratio"])
            for stat, value in expected.items():
                assert row[i, STATS.index(stat)] == pytest.approx(value, rel=1e-9, abs=1e-15)
            assert np.isnan(row[i, STATS.index("dead")])  # sigmoid layers have no dead units
            assert np.all(np.isfinite(z))


def test_epoch_means_go_into_the_history() -> None:
    X, y = _data(n=80)
    net = deltaprop.Network([6, 5, 3], dtype="float64", seed=2)
    monitor = Monitor(every=2)
    history = net.fit(X, y, epochs=3, batch_size=10, eta=1.0, seed=0, callbacks=[monitor])
    assert history["monitor_samples"] == [4.0, 4.0, 4.0]  # batches 2, 4, 6, 8 of 8
    assert list(monitor.trace_steps[:5]) == [2, 4, 6, 8, 10]
    for epoch in range(3):
        rows = monitor.trace[4 * epoch : 4 * epoch + 4]
        for i, layer in enumerate((2, 3)):
            for s, stat in enumerate(STATS):
                key = column(stat, layer)
                if stat == "dead":
                    assert key not in history
                    continue
                assert history[key][epoch] == pytest.approx(rows[:, i, s].mean())
    assert monitor.epochs[-1] == {k: history.rows[-1][k] for k in monitor.epochs[-1]}


def test_default_sampling_takes_about_64_batches_per_epoch() -> None:
    X, y = _data(n=1000)
    net = deltaprop.Network([6, 5, 3], seed=2)
    monitor = Monitor()
    history = net.fit(X, y, epochs=1, batch_size=5, eta=1.0, seed=0, callbacks=[monitor])
    assert history["monitor_samples"] == [66.0]  # 200 batches, every 200 // 64 = 3rd
    small = Monitor()
    history = net.fit(X[:50], y[:50], epochs=1, batch_size=5, callbacks=[small])
    assert history["monitor_samples"] == [10.0]  # fewer than 64 batches: every one


def test_dead_relu_units_over_the_epoch() -> None:
    X, y = _data(n=60)
    net = deltaprop.Network(
        [6, 8, 3],
        activation="relu",
        output_activation="softmax",
        cost="cross-entropy",
        dtype="float64",
        seed=2,
    )
    net.biases[0][:] = 1.0
    net.biases[0][:2] = -100.0  # 2 of 8 units never active
    monitor = Monitor(every=1)
    history = net.fit(X, y, epochs=1, batch_size=10, eta=0.01, seed=0, callbacks=[monitor])
    assert history["dead_l2"] == [pytest.approx(2 / 8)]
    assert "saturated_l2" not in history and "dead_l3" not in history
    assert history["saturated_l3"][0] >= 0.0  # softmax: its Jacobian's diagonal a(1 − a)


def test_monitoring_does_not_change_training() -> None:
    X, y = _data()
    plain = deltaprop.Network([6, 5, 3], seed=4)
    watched = deltaprop.Network([6, 5, 3], seed=4)
    h1 = plain.fit(X, y, epochs=2, batch_size=7, seed=1)
    h2 = watched.fit(X, y, epochs=2, batch_size=7, seed=1, callbacks=[Monitor(every=1)])
    for w1, w2 in zip(plain.weights + plain.biases, watched.weights + watched.biases):
        np.testing.assert_array_equal(w1, w2)
    assert h1["train_cost"] == h2["train_cost"]


@pytest.mark.parametrize("kwargs", [{"every": 0}, {"every": 1.5}, {"samples_per_epoch": -1}])
def test_bad_arguments(kwargs) -> None:
    with pytest.raises(ValueError, match="must be a positive integer"):
        Monitor(**kwargs)


def test_monitor_with_a_checkpointed_and_resumed_run(tmp_path) -> None:
    X, y = _data()
    path = tmp_path / "run.ckpt.npz"
    net = deltaprop.Network([6, 5, 3], seed=4)
    net.fit(X, y, epochs=2, batch_size=8, seed=1, callbacks=[Monitor()], checkpoint=path)
    again = deltaprop.Network([6, 5, 3], seed=4)
    history = again.fit(
        X, y, epochs=4, batch_size=8, seed=1, callbacks=[Monitor()], checkpoint=path, resume=True
    )
    assert history["epoch"] == [1, 2, 3, 4]
    # Epoch 1's figures reached the checkpoint (it is saved after every epoch, and the row
    # is the History's own); the resumed monitor adds epochs 3 and 4.
    assert history["grad_b_norm_l2"][0] is not None
    assert all(v is not None and v > 0 for v in history["grad_b_norm_l2"][2:])
