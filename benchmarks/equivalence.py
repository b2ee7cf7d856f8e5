"""How far data-parallel training is from the single process: run under MPI and compare.

    mpiexec -n 4 python benchmarks/equivalence.py [--rows 5000] [--epochs 1] [--each-option]

Every process trains [784, 30, 10] (sigmoid, quadratic cost, float64, batch 10, eta 3.0,
seed 1) on the first ``rows`` MNIST training images ($DELTAPROP_DATA) with
``fit_distributed``, twice, and alone with ``Network.fit``; rank 0 prints the largest
difference of any weight or bias from the single process, and whether the two distributed
runs agree bit for bit. With ``--each-option`` it does the same for every training option
(optimisers, regularisation, dropout, schedules, validation split, early stopping), one at
a time and all together, in one line each.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from deltaprop import Network
from deltaprop.io.mnist import load_mnist
from deltaprop.scale import Communicator, fit_distributed


def _flat(net: Network) -> np.ndarray:
    return np.concatenate([p.ravel() for p in [*net.weights, *net.biases]])


OPTIONS: dict[str, dict] = {
    "sgd": {},
    "momentum": {"optimizer": "momentum", "momentum": 0.5, "eta": 0.5},
    "nesterov": {"optimizer": "nesterov", "momentum": 0.7, "eta": 0.5},
    "adam": {"optimizer": "adam", "eta": 0.01},
    "l2": {"l2": 5.0},
    "l1": {"l1": 1.0},
    "dropout": {"dropout": 0.2},
    "cosine schedule": {"schedule": "cosine"},
    "plateau schedule": {"schedule": "plateau", "plateau_patience": 1, "validation_split": 500},
    "validation split": {"validation_split": 500},
    "early stopping": {"validation_split": 500, "patience": 1},
    "all at once": {
        "optimizer": "adam",
        "eta": 0.01,
        "l2": 5.0,
        "dropout": 0.2,
        "schedule": "cosine",
        "validation_split": 500,
        "patience": 2,
    },
}


def each_option(X: np.ndarray, y: np.ndarray, epochs: int, comm: Communicator) -> None:
    for name, extra in OPTIONS.items():
        options = {"epochs": epochs, "batch_size": 10, "eta": 3.0, "seed": 1, **extra}
        net = Network([784, 30, 10], dtype="float64", seed=1)
        fit_distributed(net, X, y, comm=comm, **options)
        single = Network([784, 30, 10], dtype="float64", seed=1)
        single.fit(X, y, verbose=0, **options)
        diff = float(np.max(np.abs(_flat(net) - _flat(single))))
        worst = max(comm.allgather_object(diff, "gathering the results"))
        if comm.rank == 0:
            print(f"  {name:<18} max |distributed - single| = {worst:.3g}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--each-option", action="store_true")
    args = parser.parse_args()
    data = load_mnist(dtype="float64")
    X, y = data.X_train[: args.rows], data.y_train[: args.rows]
    if args.each_option:
        comm = Communicator()
        if comm.rank == 0:
            print(
                f"{comm.size} processes, {args.rows} MNIST rows, {args.epochs} epoch(s), "
                "float64, [784, 30, 10], batch 10:"
            )
        each_option(X, y, args.epochs, comm)
        return
    options = dict(epochs=args.epochs, batch_size=10, eta=3.0, seed=1)
    comm = Communicator()
    runs = []
    t0 = time.perf_counter()
    for _ in range(2):
        net = Network([784, 30, 10], dtype="float64", seed=1)
        fit_distributed(net, X, y, comm=comm, **options)
        runs.append(_flat(net))
    seconds = (time.perf_counter() - t0) / 2
    single = Network([784, 30, 10], dtype="float64", seed=1)
    single.fit(X, y, **options)
    diff = float(np.max(np.abs(runs[0] - _flat(single))))
    same = bool(np.array_equal(runs[0], runs[1]))
    everyone = comm.allgather_object((diff, same), "gathering the results")
    if comm.rank == 0:
        print(
            f"{comm.size} processes, {args.rows} MNIST rows, {args.epochs} epoch(s), float64: "
            f"max |distributed - single| = {max(d for d, _ in everyone):.3g}; two distributed "
            f"runs bitwise identical on every process: {all(s for _, s in everyone)}; "
            f"{seconds:.2f} s per distributed run"
        )


if __name__ == "__main__":
    main()
