"""deltaprop's training speed beside its peers, measured in one run on the same data.

    python benchmarks/compare.py                         # every configuration and contender
    python benchmarks/compare.py --configs classic --skip sklearn loop
    python benchmarks/compare.py --configs classic big --baseline ../old/src --repeat 3

For each configuration, every contender trains one epoch of MNIST (60,000 images; or the first
``fraction`` of its mini-batches, scaled up to an epoch) from the same initial weights in the
same batch order, each in a fresh process so that peak memory is its own:

- ``deltaprop``: ``Network.fit`` for one epoch (the time is the training loop's own);
- ``loop``: the per-sample algorithm of docs/notation.md, written plainly in NumPy (``peers.py``);
- ``torch-hand`` / ``torch-autograd``: PyTorch on the CPU, BP1–BP4 by hand, or ``nn.Linear`` +
  autograd + ``optim.SGD``; the faster of the two is "torch" in the ratios;
- ``sklearn``: ``MLPClassifier(solver="sgd", momentum=0, alpha=0)`` (softmax output);
- ``products``: the matrix products of the same steps alone, this machine's ceiling.
- ``numpy-inline``: deltaprop's arithmetic written inline in NumPy (``peers.py``), the floor
  for any code that calls NumPy once per operation;
- ``baseline`` (with ``--baseline SRC``): ``Network.fit`` of the deltaprop in another source
  tree (an earlier commit, say), for a before/after comparison in the same run.

``--repeat K`` times each contender K times, alternating between them, and keeps the fastest
(the least disturbed by the rest of the machine).

It prints seconds per epoch, GFLOP/s (6·N·Σ n_in·n_out per epoch), the peak RSS while
training against the data set and parameters it holds, the test accuracy after the epoch
(the same SGD gives nearly the same), and each contender's time over deltaprop's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

CONFIGS = {
    # name: sizes, cost, batch size m, η, init, dtypes, fraction of the epoch timed
    "classic": ([784, 30, 10], "quadratic", 10, 3.0, "normal", ("float32", "float64"), 1.0),
    "ce-m10": ([784, 100, 10], "cross-entropy", 10, 0.5, "scaled", ("float32", "float64"), 1.0),
    "ce-m100": ([784, 100, 10], "cross-entropy", 100, 0.5, "scaled", ("float32", "float64"), 1.0),
    "big": ([784, 1024, 1024, 10], "quadratic", 256, 0.5, "scaled", ("float32",), 1.0),
    "wide": ([784, 4096, 4096, 10], "quadratic", 1024, 0.5, "scaled", ("float32",), 0.15),
}
CONTENDERS = (
    "deltaprop",
    "products",
    "numpy-inline",
    "torch-hand",
    "torch-autograd",
    "sklearn",
    "loop",
)
LOOP_FRACTION = 0.05  # the per-sample loop is timed on this part of the epoch, then scaled
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


def worker(config: str, contender: str, dtype: str, data_dir: str | None) -> dict:
    import deltaprop
    from deltaprop.io.mnist import load_mnist

    sizes, cost, m, eta, init, _, fraction = CONFIGS[config]
    if contender == "loop":
        fraction = min(fraction, LOOP_FRACTION)
    data = load_mnist(data_dir, dtype=dtype)
    net = deltaprop.Network(sizes, cost=cost, init=init, dtype=dtype, seed=SEED)
    n = data.X_train.shape[0]
    n_batches = max(1, round(fraction * -(-n // m)))
    rows = min(n, n_batches * m)
    order = np.random.default_rng(SEED).permutation(n)  # deltaprop's order for seed SEED
    X, y = data.X_train, data.y_train
    data_bytes = sum(a.nbytes for a in (data.X_train, data.X_test)) + n * sizes[-1] * X.itemsize
    param_bytes = net.n_parameters * X.itemsize
    out = {"rows": rows}
    _reset_hwm()
    if contender == "deltaprop":
        if rows < n:  # the same rows in the same order: pre-ordered, trained unshuffled
            X, y = X[order[:rows]], y[order[:rows]]
            _reset_hwm()
        history = net.fit(X, y, epochs=1, batch_size=m, eta=eta, seed=SEED, shuffle=rows == n)
        seconds = history["seconds"][0]
        trained = net
    else:
        from peers import (
            bare_products,
            numpy_inline,
            per_sample_loop,
            sklearn_mlp,
            torch_autograd,
            torch_by_hand,
        )

        run = {"loop": per_sample_loop, "torch-hand": torch_by_hand, "sklearn": sklearn_mlp,
               "torch-autograd": torch_autograd, "products": bare_products,
               "numpy-inline": numpy_inline}[contender]  # fmt: skip
        Y = np.eye(sizes[-1], dtype=dtype)[y]
        w0 = [net.to_numpy(w).copy() for w in net.weights]
        b0 = [net.to_numpy(b).copy() for b in net.biases]
        t0 = time.perf_counter()
        weights, biases = run(X, Y, w0, b0, order, m, eta, cost, n_batches)
        seconds = time.perf_counter() - t0
        trained = deltaprop.Network.from_parameters(net.config, weights, biases)
    out["peak_rss_mb"] = _hwm_mb()
    out["data_mb"] = (data_bytes + param_bytes) / 2**20
    out["seconds"] = seconds * (n / rows)
    if contender != "products":
        out["accuracy"] = trained.accuracy(data.X_test, data.y_test)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="*", choices=list(CONFIGS), default=list(CONFIGS))
    parser.add_argument("--skip", nargs="*", choices=CONTENDERS, default=[])
    parser.add_argument("--data-dir")
    parser.add_argument(
        "--torch-threads", type=int, help="torch.set_num_threads for the PyTorch contenders "
        "(default: PyTorch's own choice; 1 can be far faster on a machine whose cores are busy)",
    )  # fmt: skip
    parser.add_argument("--worker", nargs=3, metavar=("CONFIG", "CONTENDER", "DTYPE"))
    parser.add_argument("--baseline", metavar="SRC", help="also time the deltaprop in SRC")
    parser.add_argument("--repeat", type=int, default=1, metavar="K", help="keep the best of K")
    args = parser.parse_args()
    if args.worker:
        if args.torch_threads and args.worker[1].startswith("torch"):
            import torch

            torch.set_num_threads(args.torch_threads)
        print(json.dumps(worker(*args.worker, args.data_dir)))
        return
    _header()
    for name in args.configs:
        sizes, cost, m, eta, init, dtypes, fraction = CONFIGS[name]
        flops = 6 * 60000 * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
        print(f"\n{name}: {sizes}, sigmoid, {cost}, m={m}, eta={eta}, init {init}"
              + (f", timed on {fraction:.0%} of the epoch" if fraction < 1 else ""))  # fmt: skip
        print(f"  {'contender':<22}{'s/epoch':>9}{'GFLOP/s':>9}{'peak RSS':>10}"
              f"{'(data)':>9}{'test acc.':>10}{'ratio':>8}")  # fmt: skip
        contenders = [c for c in CONTENDERS if c not in args.skip]
        if args.baseline:
            contenders.insert(1, "baseline")
        for dtype in dtypes:
            results: dict[str, dict] = {}
            for _ in range(args.repeat):  # alternating, so that a busy spell hits all alike
                for contender in contenders:
                    r = _run(name, contender, dtype, args)
                    best = results.get(contender)
                    if best is None or r.get("seconds", 1e9) < best.get("seconds", 1e9):
                        results[contender] = r
            for contender in contenders:
                r = results[contender]
                if "error" in r:
                    print(f"  {contender + ' ' + dtype:<22}  failed: {r['error']}")
                    continue
                base = results["deltaprop"].get("seconds", float("nan"))
                acc = f"{r['accuracy']:.2%}" if "accuracy" in r else "-"
                print(f"  {contender + ' ' + dtype:<22}{r['seconds']:9.3f}"
                      f"{flops / r['seconds'] / 1e9:9.1f}{r['peak_rss_mb']:8.0f}MB"
                      f"{r['data_mb']:7.0f}MB{acc:>10}{r['seconds'] / base:8.2f}")  # fmt: skip
            torch_s = [results[c]["seconds"] for c in ("torch-hand", "torch-autograd")
                       if "seconds" in results.get(c, {})]  # fmt: skip
            dp = results["deltaprop"]["seconds"]
            summary = [f"deltaprop {dtype}: {dp:.3f} s"]
            if "seconds" in results.get("products", {}):
                summary.append(f"{dp / results['products']['seconds']:.2f}x the products alone")
            if torch_s:
                summary.append(f"{dp / min(torch_s):.2f}x torch ({min(torch_s) / dp:.1f}x faster)")
            if "seconds" in results.get("loop", {}):
                summary.append(f"{results['loop']['seconds'] / dp:.1f}x faster than the loop")
            print("  => " + "; ".join(summary))
        if "loop" not in args.skip:
            print(f"  (the loop is timed on {LOOP_FRACTION:.0%} of the epoch: its accuracy is "
                  f"after that part only)")  # fmt: skip
    print(f"\nload average after the run: {os.getloadavg()}")


def _run(config: str, contender: str, dtype: str, args: argparse.Namespace) -> dict:
    env = dict(os.environ)
    if contender == "baseline":  # the same worker, importing the deltaprop in SRC
        env["PYTHONPATH"] = os.path.abspath(args.baseline)
        contender = "deltaprop"
    cmd = [sys.executable, __file__, "--worker", config, contender, dtype]
    if args.data_dir:
        cmd += ["--data-dir", args.data_dir]
    if args.torch_threads:
        cmd += ["--torch-threads", str(args.torch_threads)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=os.path.dirname(__file__),
                          env=env)  # fmt: skip
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines() or ["no output"]
        return {"error": lines[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _header() -> None:
    import platform

    import deltaprop

    print(f"deltaprop {deltaprop.__version__}, NumPy {np.__version__}, Python "
          f"{platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()}")  # fmt: skip
    try:
        from threadpoolctl import threadpool_info

        for lib in threadpool_info():
            print(f"  {lib['internal_api']} {lib.get('version')} ({lib['user_api']}), "
                  f"{lib['num_threads']} threads, {lib.get('architecture')}")  # fmt: skip
    except ImportError:
        print("  (pip install threadpoolctl to show the BLAS library and its threads)")
    try:
        import torch

        print(f"  PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
    except ImportError:
        print("  PyTorch not installed: pip install torch==2.13.0 (the CPU build)")


if __name__ == "__main__":
    main()
