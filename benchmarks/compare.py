"""deltaprop's training speed beside its peers, measured in one interleaved run per configuration.

    python benchmarks/compare.py                          # every configuration and contender
    python benchmarks/compare.py --quick                  # a short try: 5% of each epoch, once
    python benchmarks/compare.py --configs classic big --repeat 5
    python benchmarks/compare.py --configs classic --skip sklearn loop --baseline ../old/src

For each configuration every contender trains on MNIST (60,000 images; or the first
``fraction`` of an epoch's mini-batches, scaled up to an epoch) from the same initial weights
in the same batch order, each run in a fresh process (so that its peak memory is its own), the
contenders taking turns round after round (``--repeat``), so that a busy spell of the machine
hits them alike. The thread count of each configuration is pinned for every library (BLAS,
PyTorch, XLA) and printed. The contenders:

- ``deltaprop``, ``deltaprop-torch``, ``deltaprop-jax``: ``Network.fit`` on the NumPy,
  PyTorch (CPU) and JAX backends (the time is the training loop's own; for JAX, each epoch one
  compiled program, timed on its second epoch, after the compilation);
- ``products``: the matrix products of the same steps alone, the floor for the work;
- ``numpy-inline``: deltaprop's arithmetic written inline in NumPy (``peers.py``), the floor
  for any code that calls NumPy once per operation;
- ``torch-hand`` / ``torch-autograd`` / ``torch-compile``: PyTorch on the CPU, BP1–BP4 by
  hand, ``nn.Linear`` + autograd + ``optim.SGD``, and that training step compiled by
  ``torch.compile`` (timed on its second epoch);
- ``jax-step`` / ``jax-scan``: JAX with ``jax.grad``, the SGD step jitted and called per
  mini-batch, or the whole epoch in one jitted ``lax.scan`` (timed on its second epoch);
- ``sklearn``: ``MLPClassifier(solver="sgd", momentum=0, alpha=0)`` (softmax output);
- ``loop``: the per-sample algorithm of docs/notation.md in plain NumPy, on 5% of the epoch;
- ``baseline`` (with ``--baseline SRC``): ``Network.fit`` of the deltaprop in another tree.

It prints, per contender, the median seconds per epoch over the rounds (and the fastest), the
ratio to the products alone and to the fastest peer (every contender but deltaprop's and the
products), the peak resident memory while training against the data and parameters it holds,
and the test accuracy after training (two epochs for the compiled contenders, one for the
others). Peers that fail (a library not installed) say why.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

CONFIGS = {
    # name: sizes, cost, batch size m, η, init, dtypes, fraction of the epoch timed, threads
    "classic": ([784, 30, 10], "quadratic", 10, 3.0, "normal", ("float32", "float64"), 1.0, 1),
    "m32": ([784, 100, 10], "cross-entropy", 32, 0.5, "scaled", ("float32",), 1.0, 1),
    "big": ([784, 1024, 1024, 10], "quadratic", 256, 0.5, "scaled", ("float32",), 0.25, 2),
    "sweep-m1": ([784, 100, 10], "cross-entropy", 1, 0.05, "scaled", ("float32",), 0.1, 1),
    "sweep-m10": ([784, 100, 10], "cross-entropy", 10, 0.5, "scaled", ("float32",), 1.0, 1),
    "sweep-m100": ([784, 100, 10], "cross-entropy", 100, 0.5, "scaled", ("float32",), 1.0, 1),
    "sweep-m1000": ([784, 100, 10], "cross-entropy", 1000, 0.5, "scaled", ("float32",), 1.0, 1),
}
CONTENDERS = (
    "deltaprop",
    "deltaprop-torch",
    "deltaprop-jax",
    "products",
    "numpy-inline",
    "torch-hand",
    "torch-autograd",
    "torch-compile",
    "jax-step",
    "jax-scan",
    "sklearn",
    "loop",
)
OURS = ("deltaprop", "deltaprop-torch", "deltaprop-jax", "baseline")
COMPILED = ("deltaprop-jax", "torch-compile", "jax-step", "jax-scan")  # timed on epoch 2
LOOP_FRACTION = 0.05  # the per-sample loop is timed on this part of the epoch, then scaled
QUICK_FRACTION = 0.05
SEED = 1


def _hwm_mb() -> float:
    """Peak resident memory of this process since the last reset, in MB (Linux)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _reset_hwm() -> None:
    with open("/proc/self/clear_refs", "w") as f:  # "5" resets the peak RSS (Linux ≥ 4.0)
        f.write("5")


def _thread_env(threads: int) -> dict[str, str]:
    """The environment that pins every library of a worker to ``threads`` threads."""
    env = {k: str(threads) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    xla = os.environ.get("XLA_FLAGS", "")
    if threads == 1:  # XLA's CPU client otherwise runs its own thread pool over every core
        xla += " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    env["XLA_FLAGS"] = xla.strip()
    return env


def worker(config: str, contender: str, dtype: str, fraction: float, data_dir: str | None) -> dict:
    import deltaprop
    from deltaprop.io.mnist import load_mnist

    sizes, cost, m, eta, init, _, _, threads = CONFIGS[config]
    if contender.startswith(("torch", "deltaprop-torch")):
        import torch

        torch.set_num_threads(threads)
    if contender == "loop":
        fraction = min(fraction, LOOP_FRACTION)
    data = load_mnist(data_dir, dtype=dtype)
    net = deltaprop.Network(sizes, cost=cost, init=init, dtype=dtype, seed=SEED)
    n = data.X_train.shape[0]
    n_batches = max(1, round(fraction * -(-n // m)))
    rows = min(n, n_batches * m)
    order = np.random.default_rng(SEED).permutation(n)  # deltaprop's first order for SEED
    X, y = data.X_train, data.y_train
    data_bytes = sum(a.nbytes for a in (data.X_train, data.X_test)) + n * sizes[-1] * X.itemsize
    out = {"rows": rows, "data_mb": (data_bytes + net.n_parameters * X.itemsize) / 2**20}
    _reset_hwm()
    if contender.startswith("deltaprop"):
        seconds, trained = _deltaprop(contender, net, X, y, order, rows, m, eta)
        out.update(seconds)
    else:
        seconds, trained = _peer(contender, net, X, y, order, m, eta, cost, n_batches, sizes)
        out["seconds"] = seconds
    out["peak_rss_mb"] = _hwm_mb()
    out["seconds"] *= n / rows
    if contender != "products":
        out["accuracy"] = trained.accuracy(data.X_test, data.y_test)
    return out


def _deltaprop(contender, net, X, y, order, rows, m, eta) -> tuple[dict, object]:
    backend = {"deltaprop": "numpy", "deltaprop-torch": "torch", "deltaprop-jax": "jax"}[contender]
    net = net.to(backend) if backend != "numpy" else net
    n = X.shape[0]
    if rows < n:  # the same rows in the same order: pre-ordered, trained unshuffled
        X, y = X[order[:rows]], y[order[:rows]]
        _reset_hwm()
    epochs = 2 if contender in COMPILED else 1
    history = net.fit(X, y, epochs=epochs, batch_size=m, eta=eta, seed=SEED, shuffle=rows == n)
    seconds = history["seconds"]
    out = {"seconds": seconds[-1]}
    if epochs == 2:
        out["compile_seconds"] = seconds[0] - seconds[1]
    return out, net


def _peer(contender, net, X, y, order, m, eta, cost, n_batches, sizes) -> tuple[float, object]:
    import deltaprop
    import peers

    run = {
        "loop": peers.per_sample_loop,
        "torch-hand": peers.torch_by_hand,
        "sklearn": peers.sklearn_mlp,
        "torch-autograd": peers.torch_autograd,
        "products": peers.bare_products,
        "numpy-inline": peers.numpy_inline,
        "torch-compile": peers.torch_compiled,
        "jax-step": peers.jax_jit_step,
        "jax-scan": peers.jax_scan,
    }[contender]
    Y = np.eye(sizes[-1], dtype=X.dtype)[y]
    w0 = [net.to_numpy(w).copy() for w in net.weights]
    b0 = [net.to_numpy(b).copy() for b in net.biases]
    t0 = time.perf_counter()
    if contender in COMPILED:  # two epochs: the first compiles, the second is timed
        times: list[float] = []
        weights, biases = run(X, Y, w0, b0, order, m, eta, cost, n_batches, epochs=2, times=times)
        seconds = times[-1]
    else:
        weights, biases = run(X, Y, w0, b0, order, m, eta, cost, n_batches)
        seconds = time.perf_counter() - t0
    return seconds, deltaprop.Network.from_parameters(net.config, weights, biases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="*", choices=list(CONFIGS), default=list(CONFIGS))
    parser.add_argument("--skip", nargs="*", choices=CONTENDERS, default=[])
    parser.add_argument("--only", nargs="*", choices=CONTENDERS, help="these contenders alone")
    parser.add_argument("--data-dir")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_FRACTION:.0%} of each epoch, one round, no per-sample loop",
    )
    parser.add_argument("--worker", nargs=4, metavar=("CONFIG", "CONTENDER", "DTYPE", "FRACTION"))
    parser.add_argument("--baseline", metavar="SRC", help="also time the deltaprop in SRC")
    parser.add_argument("--repeat", type=int, default=3, metavar="K", help="rounds (medians)")
    args = parser.parse_args()
    if args.worker:
        config, contender, dtype, fraction = args.worker
        print(json.dumps(worker(config, contender, dtype, float(fraction), args.data_dir)))
        return
    if args.quick:
        args.repeat = 1
        args.skip = [*args.skip, "loop"]
    _header()
    contenders = [c for c in (args.only or CONTENDERS) if c not in args.skip]
    if args.baseline:
        contenders.insert(1, "baseline")
    for name in args.configs:
        _compare(name, contenders, args)
    print(f"\nload average after the run: {os.getloadavg()}")


def _compare(name: str, contenders: list[str], args: argparse.Namespace) -> None:
    sizes, cost, m, eta, init, dtypes, fraction, threads = CONFIGS[name]
    if args.quick:
        fraction = min(fraction, QUICK_FRACTION)
    flops = 6 * 60000 * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    print(
        f"\n{name}: {sizes}, sigmoid, {cost}, m={m}, eta={eta}, init {init}, {threads} "
        f"thread{'s' if threads > 1 else ''}"
        + (f", timed on {fraction:.0%} of the epoch" if fraction < 1 else "")
    )
    print(
        f"  {'contender':<24}{'s/epoch':>9}{'fastest':>9}{'GFLOP/s':>9}{'x prod.':>9}"
        f"{'x peer':>8}{'peak RSS':>10}{'(data)':>8}{'test acc.':>10}"
    )
    for dtype in dtypes:
        runs: dict[str, list[dict]] = {c: [] for c in contenders}
        for _ in range(args.repeat):  # alternating, so that a busy spell hits all alike
            for contender in contenders:
                runs[contender].append(_run(name, contender, dtype, fraction, threads, args))
        results = {c: _summary(r) for c, r in runs.items()}
        _print(results, dtype, flops)


def _summary(runs: list[dict]) -> dict:
    good = [r for r in runs if "error" not in r]
    if not good:
        return runs[-1]
    out = dict(good[-1])
    times = [r["seconds"] for r in good]
    out.update(
        seconds=statistics.median(times),
        fastest=min(times),
        peak_rss_mb=max(r["peak_rss_mb"] for r in good),
    )
    if "compile_seconds" in out:
        out["compile_seconds"] = statistics.median(r["compile_seconds"] for r in good)
    return out


def _print(results: dict[str, dict], dtype: str, flops: float) -> None:
    timed = {c: r["seconds"] for c, r in results.items() if "seconds" in r}
    products = timed.get("products", float("nan"))
    peers = {c: s for c, s in timed.items() if c not in OURS and c != "products"}
    fastest_peer = min(peers, key=peers.get) if peers else None
    peer_s = peers[fastest_peer] if fastest_peer else float("nan")
    for contender, r in results.items():
        label = f"{contender} {dtype}"
        if "error" in r:
            print(f"  {label:<24}  failed: {r['error'][:90]}")
            continue
        s, acc = r["seconds"], (f"{r['accuracy']:.2%}" if "accuracy" in r else "-")
        print(
            f"  {label:<24}{s:9.3f}{r['fastest']:9.3f}{flops / s / 1e9:9.1f}"
            f"{s / products:9.2f}{s / peer_s:8.2f}{r['peak_rss_mb']:8.0f}MB"
            f"{r['data_mb']:6.0f}MB{acc:>10}"
        )
    ours = {c: s for c, s in timed.items() if c in OURS and c != "baseline"}
    if ours and fastest_peer:
        best = min(ours, key=ours.get)
        compile_s = results[best].get("compile_seconds")
        print(
            f"  => fastest deltaprop: {best} {ours[best]:.3f} s, {ours[best] / products:.2f}x "
            f"the products, {ours[best] / peer_s:.2f}x the fastest peer ({fastest_peer} "
            f"{peer_s:.3f} s)" + (f"; compiling took {compile_s:.2f} s" if compile_s else "")
        )


def _run(
    config: str, contender: str, dtype: str, fraction: float, threads: int, args: argparse.Namespace
) -> dict:
    env = {**os.environ, **_thread_env(threads)}
    if contender == "baseline":  # the same worker, importing the deltaprop in SRC
        env["PYTHONPATH"] = os.path.abspath(args.baseline)
        contender = "deltaprop"
    cmd = [sys.executable, __file__, "--worker", config, contender, dtype, str(fraction)]
    if args.data_dir:
        cmd += ["--data-dir", args.data_dir]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, cwd=os.path.dirname(__file__), env=env
    )
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines() or ["no output"]
        return {"error": lines[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _header() -> None:
    import platform

    import deltaprop

    print(
        f"deltaprop {deltaprop.__version__}, NumPy {np.__version__}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()}"
    )
    print(
        "  threads pinned per configuration: OMP/OPENBLAS/MKL_NUM_THREADS, "
        "torch.set_num_threads, and for 1 thread XLA's --xla_cpu_multi_thread_eigen=false"
    )
    try:
        from threadpoolctl import threadpool_info

        for lib in threadpool_info():
            print(
                f"  {lib['internal_api']} {lib.get('version')} ({lib['user_api']}), "
                f"{lib.get('architecture')}"
            )
    except ImportError:
        print("  (pip install threadpoolctl to show the BLAS library)")
    for module in ("torch", "jax", "sklearn"):
        try:
            lib = __import__(module)
            print(f"  {module} {lib.__version__}")
        except ImportError:
            print(f"  {module} not installed: its contenders will say so")


if __name__ == "__main__":
    main()
