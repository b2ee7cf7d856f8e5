"""``backend="jax"``: each epoch one compiled program, the same training run as on NumPy.

Every option of the NumPy loop, trained for an epoch (or until the run stops itself) on both
backends in float64 from the same weights and seed, ends with the same parameters and the same
History to 1e-10; a per-batch callback (which runs the compiled step once per mini-batch) sees
the same steps; a checkpoint written on one backend resumes on the other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import deltaprop
from deltaprop import Network
from deltaprop.backends import BackendUnavailable, get_backend
from deltaprop.errors import DivergenceError

jax = pytest.importorskip("jax", reason="pip install 'deltaprop[jax]' for the jax backend")

TOLERANCE = 1e-10


def _data(n: int = 240, n_in: int = 12, classes: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, n_in))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int) + 2 * (X[:, 2] > 0.5)


def _jax_gpu() -> bool:
    try:
        return bool(jax.devices("gpu"))
    except RuntimeError:  # this JAX build has no GPU platform
        return False


def _pair(
    net_options: dict[str, Any], fit_options: dict[str, Any], callbacks: Any = (), device=None
) -> list[tuple[Network, deltaprop.History]]:
    X, y = _data()
    runs = []
    for backend, dev in (("numpy", None), ("jax", device)):
        net = Network(
            [12, 9, 7, 4], dtype="float64", seed=1, backend=backend, device=dev, **net_options
        )
        cbs = callbacks() if callable(callbacks) else callbacks
        options = {"epochs": 1, "batch_size": 16, "eta": 0.5, "seed": 3, **fit_options}
        history = net.fit(X, y, verbose=0, callbacks=cbs, **options)
        runs.append((net, history))
    return runs


def _assert_same(runs: list[tuple[Network, deltaprop.History]]) -> None:
    (a, ha), (b, hb) = runs
    for p, q in zip(a.weights + a.biases, b.weights + b.biases):
        np.testing.assert_allclose(q, p, rtol=0, atol=TOLERANCE)
    columns = ha.keys()  # a History iterates over its rows
    assert columns == hb.keys() and len(ha) == len(hb)
    for key in columns:
        if key in ("seconds", "eval_seconds"):
            continue
        for u, v in zip(ha[key], hb[key]):
            if isinstance(u, float):
                assert v == pytest.approx(u, rel=0, abs=TOLERANCE), key
            else:
                assert u == v, key


OPTIONS = {
    "sgd": ({}, {}),
    "momentum": ({}, {"optimizer": "momentum", "momentum": 0.5}),
    "nesterov": ({}, {"optimizer": "nesterov", "momentum": 0.7}),
    "adam": ({}, {"optimizer": "adam", "eta": 0.01}),
    "l2": ({}, {"l2": 5.0}),
    "l1": ({}, {"l1": 1.0}),
    "dropout": ({}, {"dropout": 0.2}),
    "cosine": ({}, {"schedule": "cosine", "epochs": 3}),
    "plateau": (
        {},
        {"schedule": "plateau", "plateau_patience": 1, "validation_split": 40, "epochs": 5},
    ),
    "validation": ({}, {"validation_split": 0.25}),
    "early-stopping": ({}, {"patience": 1, "validation_split": 40, "epochs": 8}),
    "no-shuffle": ({}, {"shuffle": False}),
    "short-last-batch": ({}, {"batch_size": 7}),
    "whole-batch": ({}, {"batch_size": 240}),
    "tanh": ({"activation": "tanh"}, {}),
    "relu": ({"activation": "relu", "init": "scaled"}, {}),
    "identity": ({"activation": "identity", "output_activation": "sigmoid"}, {"eta": 0.1}),
    "cross-entropy": ({"cost": "cross-entropy"}, {}),
    "softmax": ({"output_activation": "softmax", "cost": "cross-entropy"}, {}),
    "softmax-quadratic": ({"output_activation": "softmax"}, {}),
    "identity-output": ({"output_activation": "identity"}, {"eta": 0.05}),
    "all-at-once": (
        {"activation": "tanh", "output_activation": "softmax", "cost": "cross-entropy"},
        {
            "optimizer": "adam",
            "eta": 0.01,
            "l2": 1.0,
            "l1": 0.5,
            "dropout": 0.3,
            "schedule": "cosine",
            "validation_split": 40,
            "patience": 2,
            "epochs": 4,
        },
    ),
}


@pytest.mark.parametrize("option", list(OPTIONS))
def test_every_option_gives_the_numpy_run(option: str) -> None:
    net_options, fit_options = OPTIONS[option]
    _assert_same(_pair(net_options, fit_options))


@pytest.mark.gpu
@pytest.mark.skipif(not _jax_gpu(), reason="needs JAX on a GPU (pip install 'jax[cuda12]')")
@pytest.mark.parametrize("option", ["sgd", "adam", "dropout", "softmax", "all-at-once"])
def test_on_a_gpu_every_option_gives_the_numpy_run(option: str) -> None:
    net_options, fit_options = OPTIONS[option]
    _assert_same(_pair(net_options, fit_options, device="gpu"))


def test_an_epoch_scanned_in_segments_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    # with dropout the epoch is scanned in segments whose masks fit MASK_BYTES: here 3
    # mini-batches of 17 rows (17 × (9 + 7) kept-or-not flags each), so the 14 full ones make
    # segments of 3, 3, 3, 3 and 2, and the short 15th comes alone
    from deltaprop.training import compiled

    monkeypatch.setattr(compiled, "MASK_BYTES", 3 * 17 * (9 + 7))
    _assert_same(_pair({}, {"dropout": 0.3, "optimizer": "adam", "eta": 0.01, "batch_size": 17}))


def test_the_test_data_figures_are_the_numpy_runs() -> None:
    X, y = _data(60)
    runs = _pair({}, {"test_data": (X, y), "epochs": 2})
    _assert_same(runs)
    assert "test_accuracy" in runs[1][1]


class _Record(deltaprop.Callback):
    """Every step's cost, ∂C/∂w^2, δ^L and the weights the callback sees after the update."""

    def __init__(self) -> None:
        self.steps: list[tuple[float, np.ndarray, np.ndarray, np.ndarray]] = []
        self._trainer: Any = None

    def on_train_begin(self, trainer: Any) -> None:
        self._trainer = trainer

    def on_batch_end(self, step: Any) -> None:
        w = self._trainer.model.weights[0]
        self.steps.append(
            (step.cost, np.copy(step.grad_w[0]), np.copy(step.deltas[-1]), np.copy(w))
        )


def test_a_per_batch_callback_sees_the_same_steps() -> None:
    recorders: list[_Record] = []

    def make() -> list[_Record]:
        recorders.append(_Record())
        return [recorders[-1]]

    _assert_same(_pair({}, {"optimizer": "adam", "eta": 0.01, "dropout": 0.2}, make))
    on_numpy, on_jax = recorders
    assert len(on_numpy.steps) == len(on_jax.steps) == 15
    for got, expected in zip(on_jax.steps, on_numpy.steps):
        assert got[0] == pytest.approx(expected[0], abs=TOLERANCE)
        for g, e in zip(got[1:], expected[1:]):
            np.testing.assert_allclose(g, e, rtol=0, atol=TOLERANCE)


def test_the_monitors_figures_are_the_numpy_runs() -> None:
    from deltaprop.insight import Monitor

    _assert_same(_pair({}, {"epochs": 2}, lambda: [Monitor(every=3)]))


def test_a_seeded_run_with_dropout_is_reproducible() -> None:
    X, y = _data()
    weights = []
    for _ in range(2):
        net = Network([12, 9, 7, 4], seed=1, backend="jax")  # float32
        net.fit(X, y, epochs=2, batch_size=16, eta=0.5, dropout=0.3, seed=5, verbose=0)
        weights.append(np.concatenate([p.ravel() for p in net.weights + net.biases]))
    np.testing.assert_array_equal(weights[0], weights[1])


@pytest.mark.parametrize(("first", "then"), [("numpy", "jax"), ("jax", "numpy")])
def test_a_checkpoint_resumes_on_the_other_backend(first: str, then: str, tmp_path: Path) -> None:
    X, y = _data()
    options = dict(batch_size=16, eta=0.01, optimizer="adam", dropout=0.2, seed=3, verbose=0)
    whole = Network([12, 9, 7, 4], dtype="float64", seed=1)
    whole.fit(X, y, epochs=3, **options)
    path = tmp_path / "run.npz"
    net = Network([12, 9, 7, 4], dtype="float64", seed=1, backend=first)
    net.fit(X, y, epochs=1, checkpoint=path, **options)
    resumed = Network([12, 9, 7, 4], dtype="float64", seed=1, backend=then)
    history = resumed.fit(X, y, epochs=3, checkpoint=path, resume=True, **options)
    assert history["epoch"] == [1, 2, 3]
    for p, q in zip(whole.weights + whole.biases, resumed.weights + resumed.biases):
        np.testing.assert_allclose(q, p, rtol=0, atol=TOLERANCE)


def test_divergence_is_reported_as_on_numpy() -> None:
    X, y = _data()
    errors, weights = [], []
    for backend in ("numpy", "jax"):
        net = Network([12, 9, 4], seed=1, backend=backend, output_activation="identity")
        start = [np.copy(w) for w in net.weights]
        with pytest.raises(DivergenceError) as info:
            net.fit(X, 1e3 * np.eye(4)[y], epochs=1, batch_size=16, eta=1e3, seed=3, verbose=0)
        errors.append((info.value.epoch, info.value.batch))
        weights.append(all(np.array_equal(w, s) for w, s in zip(net.weights, start)))
    assert errors[0] == errors[1] and weights == [True, True]


def test_the_command_line_trains_and_resumes_across_backends(tmp_path: Path, capsys) -> None:
    from deltaprop.cli import main

    ckpt = str(tmp_path / "c.npz")
    base = [
        "train",
        "--dataset",
        "digits",
        "--sizes",
        "64,10,10",
        "--train-samples",
        "300",
        "--seed",
        "1",
        "--eta",
        "0.5",
        "--checkpoint",
        ckpt,
    ]
    assert main([*base, "--epochs", "1", "--backend", "jax"]) == 0
    assert main([*base, "--epochs", "2", "--resume", "--backend", "numpy"]) == 0
    out = capsys.readouterr().out
    assert "Resuming from" in out and "Epoch 2" in out


def test_without_jax_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_jax(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "jax" or name.startswith("jax."):
            raise ImportError("No module named 'jax'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_jax)
    monkeypatch.setattr("importlib.import_module", lambda name: no_jax(name))
    with pytest.raises(BackendUnavailable, match=r"pip install 'deltaprop\[jax\]'"):
        get_backend("jax")
    with pytest.raises(ValueError, match="backend 'jax' takes device None, 'cpu', 'gpu'"):
        get_backend("jax", "tpu")


def test_mnist_is_read_in_place(mnist_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # load_mnist's X starts on a cache line, so on the CPU the device's X is the host's
    # memory, not a second copy of the training set
    from deltaprop.io import load_mnist
    from deltaprop.training.compiled import CompiledEpochs

    X = load_mnist(mnist_dir).X_train[:500]
    moved = []
    on_device = CompiledEpochs._on_device

    def recorded(self: CompiledEpochs, X: Any, Y: Any) -> tuple[Any, Any]:
        moved.append(on_device(self, X, Y))
        return moved[-1]

    monkeypatch.setattr(CompiledEpochs, "_on_device", recorded)
    net = Network([784, 8, 10], seed=1, backend="jax")
    net.fit(X, np.arange(500) % 10, epochs=1, batch_size=50, eta=0.5, verbose=0)
    assert moved and moved[0][0].unsafe_buffer_pointer() == X.ctypes.data


@pytest.mark.slow
def test_a_whole_mnist_epoch_is_the_numpy_epoch(mnist_dir: Path) -> None:
    # 6,000 steps of [784, 30, 10] on all of MNIST in float64, η = 0.5 and N(0, 1/n_in)
    # weights: measured 4.7e-15 apart. (The classic η = 3 with N(0, 1) weights is chaotic: the
    # two orders of rounding drift apart to 0.36 in a weight after the epoch, as two runs of
    # NumPy with its additions in another order would.)
    from deltaprop.io import load_mnist

    data = load_mnist(mnist_dir, dtype="float64")
    nets = []
    for backend in ("numpy", "jax"):
        net = Network([784, 30, 10], dtype="float64", init="scaled", seed=1, backend=backend)
        net.fit(data.X_train, data.y_train, epochs=1, batch_size=10, eta=0.5, seed=1, verbose=0)
        nets.append(net)
    for p, q in zip(nets[0].weights + nets[0].biases, nets[1].weights + nets[1].biases):
        np.testing.assert_allclose(q, p, rtol=0, atol=TOLERANCE)
