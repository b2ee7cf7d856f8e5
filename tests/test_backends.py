"""One code on every array library: each backend available here (NumPy, the strict Array API
reference namespace, PyTorch on the CPU, JAX's compiled epochs, and CuPy / CUDA / JAX on a GPU
where one is) gives the gradient of finite differences, the per-sample gradient of NumPy, and
the same training run."""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
import pytest

import deltaprop
from deltaprop import Network
from deltaprop.backends import BackendUnavailable, get_backend, to_numpy


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _cuda() -> bool:
    if not _has("torch"):
        return False
    import torch

    return bool(torch.cuda.is_available())


def _cupy_gpu() -> bool:
    if not _has("cupy"):
        return False
    try:
        import cupy

        return bool(cupy.cuda.runtime.getDeviceCount() > 0)
    except Exception:
        return False


def _jax_gpu() -> bool:
    if not _has("jax"):
        return False
    import jax

    try:
        return bool(jax.devices("gpu"))
    except RuntimeError:  # this JAX build has no GPU platform
        return False


# (backend, device) pairs: the strict namespace is passed as a module object.
BACKENDS = [
    pytest.param(("numpy", None), id="numpy"),
    pytest.param(
        ("array_api_strict", None),
        id="array-api-strict",
        marks=pytest.mark.skipif(not _has("array_api_strict"), reason="needs array-api-strict"),
    ),
    pytest.param(
        ("torch", "cpu"),
        id="torch-cpu",
        marks=pytest.mark.skipif(
            not _has("torch") or not _has("array_api_compat"),
            reason="pip install torch array-api-compat",
        ),
    ),
    pytest.param(
        ("torch", "cuda"),
        id="torch-cuda",
        marks=[pytest.mark.gpu, pytest.mark.skipif(not _cuda(), reason="needs a CUDA GPU")],
    ),
    pytest.param(
        ("jax", "cpu"),
        id="jax-cpu",
        marks=pytest.mark.skipif(not _has("jax"), reason="pip install 'deltaprop[jax]'"),
    ),
    pytest.param(
        ("jax", "gpu"),
        id="jax-gpu",
        marks=[pytest.mark.gpu, pytest.mark.skipif(not _jax_gpu(), reason="needs JAX on a GPU")],
    ),
    pytest.param(
        ("cupy", None),
        id="cupy",
        marks=[pytest.mark.gpu, pytest.mark.skipif(not _cupy_gpu(), reason="needs CuPy and a GPU")],
    ),
]


def _resolve(name: str) -> Any:
    if name == "array_api_strict":
        import array_api_strict

        return array_api_strict
    return name


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> tuple[Any, Any]:
    name, device = request.param
    return _resolve(name), device


def _data(n: int, n_in: int, n_out: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, n_in)), rng.uniform(0.05, 0.95, (n, n_out))


@pytest.mark.parametrize(
    ("hidden", "output", "cost"),
    [
        ("sigmoid", "sigmoid", "quadratic"),
        ("tanh", "softmax", "cross-entropy"),
        ("relu", "sigmoid", "cross-entropy"),
        ("sigmoid", "identity", "quadratic"),
    ],
)
def test_gradcheck_on_every_backend(backend: tuple[Any, Any], hidden, output, cost) -> None:
    xp_or_name, device = backend
    net = Network(
        [4, 5, 3], hidden, output, cost, dtype="float64", seed=3, backend=xp_or_name, device=device
    )
    X, Y = _data(6, 4, 3, 4)
    if output == "softmax":
        Y = Y / Y.sum(axis=1, keepdims=True)
    result = deltaprop.gradcheck(net, X, Y)
    assert result.max_error < 1e-7, str(result)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def test_batched_gradient_equals_per_sample_definition_on_every_backend(backend) -> None:
    # the algorithm of docs/notation.md written literally in NumPy, one sample at a time as a
    # column vector (sigmoid, quadratic cost), against the batched gradient computed on the backend.
    xp_or_name, device = backend
    X, Y = _data(7, 5, 3, 0)
    net = Network([5, 6, 4, 3], dtype="float64", seed=1, backend=xp_or_name, device=device)
    ws = [to_numpy(w) for w in net.weights]
    bs = [to_numpy(b).reshape(-1, 1) for b in net.biases]
    sums = [np.zeros(w.shape) for w in ws] + [np.zeros(b.shape[0]) for b in bs]
    for x, y in zip(X, Y):
        a, acts, zs = x.reshape(-1, 1), [x.reshape(-1, 1)], []
        for w, b in zip(ws, bs):
            zs.append(w @ a + b)
            a = _sigmoid(zs[-1])
            acts.append(a)
        delta = (a - y.reshape(-1, 1)) * a * (1 - a)  # BP1
        for i in range(len(ws) - 1, -1, -1):
            sums[i] += delta @ acts[i].T  # BP4
            sums[len(ws) + i] += delta[:, 0]  # BP3
            if i:
                delta = (ws[i].T @ delta) * acts[i] * (1 - acts[i])  # BP2
    grad_w, grad_b = net.backprop(X, Y)
    for g, s in zip([*grad_w, *grad_b], sums):
        np.testing.assert_allclose(to_numpy(g), s / len(X), rtol=1e-10, atol=1e-14)


def test_training_matches_numpy_on_every_backend(backend) -> None:
    xp_or_name, device = backend
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((53, 6)), rng.integers(0, 3, 53)
    runs = []
    for b, d in [("numpy", None), (xp_or_name, device)]:
        net = Network([6, 8, 3], dtype="float64", seed=2, backend=b, device=d)
        history = net.fit(X, y, epochs=3, batch_size=5, eta=1.0, seed=7, validation_data=(X, y))
        runs.append((net, history))
    (a, ha), (b, hb) = runs
    for p, q in zip(a.weights + a.biases, b.weights + b.biases):
        np.testing.assert_allclose(to_numpy(q), to_numpy(p), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(hb["train_cost"], ha["train_cost"], rtol=1e-10)
    assert hb["val_correct"] == ha["val_correct"]


def test_float32_stays_float32_on_every_backend(backend) -> None:
    xp_or_name, device = backend
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((20, 4)), rng.integers(0, 3, 20)
    net = Network([4, 5, 3], seed=0, backend=xp_or_name, device=device)
    xp = net.xp
    net.fit(X, y, epochs=1, batch_size=6)
    for p in net.weights + net.biases:
        assert p.dtype == xp.float32
    assert net.feedforward(X).dtype == xp.float32


def test_arrays_of_the_backend_are_accepted_and_results_stay_there(backend) -> None:
    xp_or_name, device = backend
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((30, 4)), rng.integers(0, 3, 30)
    net = Network([4, 5, 3], seed=0, backend=xp_or_name, device=device)
    Xb = net.backend.asarray(X, "float32")
    yb = net.backend.asarray(y)
    history = net.fit(Xb, yb, epochs=2, batch_size=5, validation_data=(Xb, yb))
    assert len(history) == 2
    predicted = net.predict(Xb)
    assert net.backend.owns(predicted)
    np.testing.assert_array_equal(to_numpy(predicted), to_numpy(net.predict(X)))


def test_saved_models_are_backend_neutral(backend, tmp_path) -> None:
    xp_or_name, device = backend
    net = Network([4, 5, 3], seed=0, backend=xp_or_name, device=device)
    net.save(tmp_path / "net.npz")
    with np.load(tmp_path / "net.npz") as data:
        assert all(isinstance(data[k], np.ndarray) for k in ("w_2", "b_2", "w_3", "b_3"))
    loaded = deltaprop.load(tmp_path / "net.npz")
    assert loaded.backend.name == "numpy"
    moved = loaded.to(xp_or_name, device)
    X = np.random.default_rng(3).standard_normal((5, 4))
    np.testing.assert_allclose(to_numpy(moved.feedforward(X)), to_numpy(net.feedforward(X)))


def test_parameters_are_views_of_one_flat_buffer() -> None:
    net = Network([4, 5, 3], seed=0)
    flat = net.parameters().flat
    assert flat is not None and flat.size == net.n_parameters
    assert all(np.shares_memory(p, flat) for p in net.weights + net.biases)
    net.weights[0] = np.zeros((5, 4), dtype=np.float32)  # rebinding: repacked on demand
    params = net.parameters()
    assert np.shares_memory(net.weights[0], params.flat) and not params[0].any()


@pytest.mark.parametrize(
    ("name", "device", "error", "message"),
    [
        ("mlx", None, ValueError, "unknown backend 'mlx'; choose one of: numpy, cupy, torch, jax"),
        ("jax", "tpu", ValueError, "backend 'jax' takes device None, 'cpu', 'gpu' or 'gpu:N'"),
        ("numpy", "cuda", ValueError, "backend 'numpy' runs on the CPU only"),
        (42, None, ValueError, "backend must be one of"),
    ],
)
def test_bad_backends_are_rejected_clearly(name, device, error, message) -> None:
    with pytest.raises(error, match=message):
        Network([2, 2], backend=name, device=device)


@pytest.mark.skipif(_cupy_gpu(), reason="CuPy and a GPU are available here")
def test_missing_cupy_says_what_to_install() -> None:
    with pytest.raises(
        BackendUnavailable,
        match=r"backend 'cupy' needs CuPy and an NVIDIA GPU: "
        r"pip install cupy-cuda12x",
    ):
        get_backend("cupy")


@pytest.mark.skipif(not _has("torch") or _cuda(), reason="needs a PyTorch without CUDA")
def test_torch_without_cuda_says_so() -> None:
    with pytest.raises(BackendUnavailable, match=r"needs a CUDA build of PyTorch and an NVIDIA"):
        get_backend("torch", "cuda")


@pytest.fixture
def one_torch_thread():
    """PyTorch's own thread pool fights NumPy's BLAS threads for 2 cores: one thread keeps the
    torch-CPU tests fast and their timing irrelevant to the result."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.skipif(not _has("torch") or not _has("array_api_compat"), reason="needs torch")
def test_numpy_and_torch_float64_give_the_same_accuracy_curve(mnist_dir, one_torch_thread):
    # The classic experiment on 3,000 MNIST images for 3 epochs, same seeds: the test
    # accuracy after every epoch agrees to 1e-6 (the same images right), and so does the cost.
    from deltaprop.io import load_mnist

    data = load_mnist(mnist_dir, dtype="float64")
    X, y = data.X_train[:3000], data.y_train[:3000]
    validation = (data.X_test[:2000], data.y_test[:2000])
    histories = []
    for backend in ("numpy", "torch"):
        net = Network([784, 30, 10], dtype="float64", seed=1, backend=backend)
        histories.append(net.fit(X, y, epochs=3, seed=1, validation_data=validation))
    (a, b) = histories
    np.testing.assert_allclose(b["val_accuracy"], a["val_accuracy"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(b["val_cost"], a["val_cost"], rtol=1e-6)
    np.testing.assert_allclose(b["train_cost"], a["train_cost"], rtol=1e-6)
    assert a["val_accuracy"][-1] > 0.6  # it learned (measured: 72% on this small run)
