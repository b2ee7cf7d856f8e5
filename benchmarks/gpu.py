"""deltaprop on a GPU (CuPy, PyTorch tensors on CUDA, JAX's compiled epochs) beside its peers.

    python benchmarks/gpu.py --data-dir DIR          # MNIST from DIR (or $DELTAPROP_DATA)
    python benchmarks/gpu.py --synthetic             # random data of MNIST's shape

Each contender trains the same epochs (float32, the same initial weights and batch order) with
the whole data set on the device: deltaprop moves it there once in ``fit``; the PyTorch and
JAX code does the same before its loop. The first epoch includes start-up work (CUDA context,
kernel compilation, JAX's compilation of the epoch), so the script times ``--epochs`` epochs
and reports the last one. The contenders: deltaprop on CuPy, on PyTorch tensors on CUDA and on
``backend="jax", device="gpu"`` (each epoch one compiled program); PyTorch eager by hand and
with autograd; JAX with ``jax.grad``, the whole epoch one jitted ``lax.scan``
(``peers.jax_scan``). Needs an NVIDIA GPU and any of: CuPy (``pip install cupy-cuda12x``), a
CUDA build of PyTorch, JAX for CUDA (``pip install "jax[cuda12]"``); and array-api-compat.
A missing one is reported and skipped.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
# JAX would otherwise take 75% of the GPU's memory up front, leaving PyTorch and CuPy little
os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")

CONFIGS = {
    # name: sizes, cost, m, η, init
    "classic-m10": ([784, 30, 10], "quadratic", 10, 3.0, "normal"),
    "classic-m100": ([784, 30, 10], "quadratic", 100, 3.0, "normal"),
    "big-m256": ([784, 1024, 1024, 10], "quadratic", 256, 0.5, "scaled"),
}


def _data(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray]:
    if args.synthetic:
        rng = np.random.default_rng(0)
        return rng.random((60000, 784), dtype=np.float32), rng.integers(0, 10, 60000)
    from deltaprop.io.mnist import load_mnist

    data = load_mnist(args.data_dir)
    return data.X_train, data.y_train


def _deltaprop(backend: str, device, X, y, sizes, cost, m, eta, init, epochs) -> float:
    import deltaprop

    net = deltaprop.Network(sizes, cost=cost, init=init, seed=1, backend=backend, device=device)
    history = net.fit(X, y, epochs=epochs, batch_size=m, eta=eta, seed=1)
    return float(history["seconds"][-1])


def _jax_scan(X, y, sizes, cost, m, eta, init, epochs) -> float:
    import deltaprop
    from peers import jax_scan

    net = deltaprop.Network(sizes, cost=cost, init=init, seed=1)
    w, b = [np.asarray(p) for p in net.weights], [np.asarray(p) for p in net.biases]
    Y = np.eye(sizes[-1], dtype=np.float32)[y]
    order = np.random.default_rng(1).permutation(X.shape[0])
    times: list[float] = []
    jax_scan(X, Y, w, b, order, m, eta, cost, X.shape[0] // m, epochs, times, device="gpu")
    return times[-1]


def _torch(style: str, X, y, sizes, cost, m, eta, init, epochs) -> float:
    import torch

    import deltaprop
    from peers import torch_autograd, torch_by_hand

    net = deltaprop.Network(sizes, cost=cost, init=init, seed=1)
    w, b = [np.asarray(p) for p in net.weights], [np.asarray(p) for p in net.biases]
    Y = np.eye(sizes[-1], dtype=np.float32)[y]
    run = torch_by_hand if style == "hand" else torch_autograd
    seconds = 0.0
    for _ in range(epochs):
        order = np.random.default_rng(1).permutation(X.shape[0])
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        w, b = run(X, Y, w, b, order, m, eta, cost, -(-X.shape[0] // m), device="cuda")
        torch.cuda.synchronize()  # (the returned NumPy arrays already waited for the GPU)
        seconds = time.perf_counter() - t0
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=os.environ.get("DELTAPROP_DATA"))
    parser.add_argument("--synthetic", action="store_true")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--configs", nargs="*", choices=list(CONFIGS), default=list(CONFIGS))
    args = parser.parse_args()
    X, y = _data(args)
    contenders = {
        "deltaprop cupy": lambda *a: _deltaprop("cupy", None, *a),
        "deltaprop torch-cuda": lambda *a: _deltaprop("torch", "cuda", *a),
        "deltaprop jax-gpu": lambda *a: _deltaprop("jax", "gpu", *a),
        "torch eager by hand": lambda *a: _torch("hand", *a),
        "torch eager autograd": lambda *a: _torch("autograd", *a),
        "jax scan (jax.grad)": _jax_scan,
    }
    try:
        import torch

        print(f"GPU: {torch.cuda.get_device_name(0)}; PyTorch {torch.__version__}")
    except Exception as exc:  # no torch, or no CUDA: say so and go on with CuPy alone
        print(f"PyTorch on CUDA unavailable: {exc}")
    print(f"load average {os.getloadavg()}; seconds of epoch {args.epochs} (float32)")
    for name in args.configs:
        sizes, cost, m, eta, init = CONFIGS[name]
        print(f"\n{name}: {sizes}, {cost}, m={m}, eta={eta}")
        times = {}
        for label, run in contenders.items():
            try:
                times[label] = run(X, y, sizes, cost, m, eta, init, args.epochs)
            except Exception as exc:  # a missing library or device: report it, go on
                print(f"  {label:<24} unavailable: {type(exc).__name__}: {exc}")
                continue
            print(f"  {label:<24} {times[label]:8.3f} s")
        peers = {k: t for k, t in times.items() if not k.startswith("deltaprop")}
        if not peers:
            continue
        fastest = min(peers, key=peers.get)
        for label in ("deltaprop cupy", "deltaprop torch-cuda", "deltaprop jax-gpu"):
            if label in times:
                print(
                    f"  => {label}: {times[label] / peers[fastest]:.2f}x the fastest peer's "
                    f"time ({fastest})"
                )


if __name__ == "__main__":
    main()
