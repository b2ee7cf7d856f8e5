"""Whether a change to the training loop left its results exactly as they were, bit for bit.

    PYTHONPATH=../old/src python benchmarks/same_results.py --save old.npz   # the tree before
    python benchmarks/same_results.py --against old.npz                      # this tree

Trains a set of option sets (each cost and activation, every optimiser, L2, L1, dropout, the
schedules, validation and early stopping, a short last mini-batch, no shuffling, m = 1, a
per-batch callback, a deeper network, a network large enough that updates go in pieces), in
float32 and float64, for three epochs on the first 2,000 MNIST training images
($DELTAPROP_DATA, or ``--data-dir``), and keeps the final weights and biases, every figure of
the History but the timings, and the per-batch costs the callback saw. ``--save`` writes them
to a file; ``--against`` compares them with a saved file and prints, per run, whether they are
equal bit for bit (exit status 1 if any is not). Bit-for-bit equality holds between two trees
run with the same NumPy and BLAS on the same processor and the same number of BLAS threads
(a product's sums are split by thread): the script pins one thread unless the environment
says otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # before NumPy loads its BLAS

import numpy as np  # noqa: E402

import deltaprop  # noqa: E402
from deltaprop.io.mnist import load_mnist  # noqa: E402

CLASSIC = {"sizes": [784, 30, 10], "batch_size": 10, "eta": 3.0}
RUNS: dict[str, dict[str, Any]] = {
    "classic": {},
    "cross-entropy": {"cost": "cross-entropy", "init": "scaled", "eta": 0.5},
    "softmax": {"output_activation": "softmax", "cost": "cross-entropy", "eta": 0.5},
    "tanh": {"activation": "tanh", "eta": 0.1},
    "relu": {
        "activation": "relu",
        "output_activation": "softmax",
        "cost": "cross-entropy",
        "init": "scaled",
        "eta": 0.1,
    },
    "momentum": {"optimizer": "momentum", "momentum": 0.5, "eta": 0.5},
    "nesterov": {"optimizer": "nesterov", "momentum": 0.7, "eta": 0.5},
    "adam": {"optimizer": "adam", "eta": 0.01},
    "l2": {"l2": 5.0},
    "l1": {"l1": 1.0},
    "dropout": {"dropout": 0.2},
    "cosine": {"schedule": "cosine"},
    "plateau": {"schedule": "plateau", "plateau_patience": 1, "validation_split": 300},
    "early-stopping": {"patience": 1, "validation_split": 300},
    "short-last-batch": {"rows": 1995},
    "unshuffled": {"shuffle": False},
    "m1": {"batch_size": 1, "rows": 300, "eta": 0.5},
    "per-batch-callback": {"callback": True},
    "deeper": {"sizes": [784, 20, 15, 10], "cost": "cross-entropy", "eta": 0.5},
    "pieces": {"sizes": [784, 100, 10], "batch_size": 32, "cost": "cross-entropy", "eta": 0.5},
}
NETWORK = ("sizes", "activation", "output_activation", "cost", "init")


class _BatchCosts(deltaprop.Callback):
    """Keeps every mini-batch's cost (the loop's per-batch path)."""

    def __init__(self) -> None:
        self.costs: list[float] = []

    def on_batch_end(self, step: Any) -> None:
        self.costs.append(step.cost)


def run(name: str, dtype: str, X: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """The arrays one run leaves: parameters, History columns, per-batch costs."""
    options = {**CLASSIC, **RUNS[name]}
    rows, callback = options.pop("rows", 2000), options.pop("callback", False)
    net_options = {k: options.pop(k) for k in NETWORK if k in options}
    net = deltaprop.Network(dtype=dtype, seed=1, **net_options)
    batch_costs = _BatchCosts()
    history = net.fit(
        X[:rows],
        y[:rows],
        epochs=3,
        seed=2,
        verbose=0,
        callbacks=[batch_costs] if callback else [],
        **options,
    )
    out = {f"w{i}": w for i, w in enumerate(net.weights)}
    out.update({f"b{i}": b for i, b in enumerate(net.biases)})
    columns = history.keys()  # (iterating a History gives its rows)
    for key in columns:
        if "seconds" not in key:
            out[f"history.{key}"] = np.asarray(
                [np.nan if v is None else v for v in history[key]], dtype=object
            ).astype(str)
    if callback:
        out["batch_costs"] = np.asarray(batch_costs.costs)
    return out


def all_runs(data_dir: str | None) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {}
    for dtype in ("float32", "float64"):
        data = load_mnist(data_dir, dtype=dtype)
        X, y = data.X_train[:2000], data.y_train[:2000]
        for name in RUNS:
            for key, value in run(name, dtype, X, y).items():
                arrays[f"{name}/{dtype}/{key}"] = value
    return arrays


def compare(arrays: dict[str, np.ndarray], saved: Any) -> bool:
    """Print each run's verdict; True if every array is equal bit for bit."""
    same = True
    for run_name in sorted({k.rsplit("/", 1)[0] for k in arrays}):
        keys = [k for k in arrays if k.startswith(run_name + "/")]
        differ = [
            k.rsplit("/", 1)[1]
            for k in keys
            if k not in saved.files
            or arrays[k].shape != saved[k].shape
            or arrays[k].tobytes() != saved[k].tobytes()
        ]
        same = same and not differ
        verdict = "equal bit for bit" if not differ else "DIFFERS: " + ", ".join(differ)
        print(f"{run_name:<32} {verdict}")
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", metavar="FILE")
    group.add_argument("--against", metavar="FILE")
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    arrays = all_runs(args.data_dir)
    if args.save:
        np.savez(args.save, **arrays)
        print(f"{len(arrays)} arrays of {len(RUNS) * 2} runs written to {args.save}")
        return
    with np.load(args.against) as saved:
        sys.exit(0 if compare(arrays, saved) else 1)


if __name__ == "__main__":
    main()
