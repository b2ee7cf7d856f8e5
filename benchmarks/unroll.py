"""The compiled epoch (``backend="jax"``) at several unrolls of its loop, side by side.

    python benchmarks/unroll.py classic 1,4,8 5      # configuration, unrolls, rounds

In one process: each unroll's program is compiled once (``training.compiled.UNROLL``), then
the unrolls take turns round after round, each round a fresh network from the same seed
trained for two epochs; the second epoch's seconds are kept. Prints, per unroll, the median
and the fastest second epoch, and the first epoch's extra time (the compilation). Pin the
threads as ``compare.py`` does, e.g. ``OPENBLAS_NUM_THREADS=1
XLA_FLAGS=--xla_cpu_multi_thread_eigen=false``.
"""

from __future__ import annotations

import sys

import numpy as np

import deltaprop
from deltaprop.io.mnist import load_mnist
from deltaprop.training import compiled

CONFIGS = {  # sizes, cost, m, η, init
    "classic": ([784, 30, 10], "quadratic", 10, 3.0, "normal"),
    "m10": ([784, 100, 10], "cross-entropy", 10, 0.5, "scaled"),
    "m32": ([784, 100, 10], "cross-entropy", 32, 0.5, "scaled"),
    "m100": ([784, 100, 10], "cross-entropy", 100, 0.5, "scaled"),
    "m1000": ([784, 100, 10], "cross-entropy", 1000, 0.5, "scaled"),
}


def main() -> None:
    config, unrolls, rounds = (
        sys.argv[1],
        [int(u) for u in sys.argv[2].split(",")],
        int(sys.argv[3]),
    )
    sizes, cost, m, eta, init = CONFIGS[config]
    data = load_mnist(None, dtype="float32")
    programs: dict[int, dict] = {}
    seconds: dict[int, list[float]] = {u: [] for u in unrolls}
    compile_s: dict[int, float] = {}
    for _ in range(rounds):
        for u in unrolls:
            compiled.UNROLL = u
            compiled._PROGRAMS.clear()
            compiled._PROGRAMS.update(programs.get(u, {}))
            net = deltaprop.Network(sizes, cost=cost, init=init, dtype="float32", seed=1)
            history = net.to("jax").fit(
                data.X_train, data.y_train, epochs=2, batch_size=m, eta=eta, seed=1
            )
            if u not in programs:
                compile_s[u] = history["seconds"][0] - history["seconds"][1]
            programs[u] = dict(compiled._PROGRAMS)
            seconds[u].append(history["seconds"][1])
    for u in unrolls:
        t = seconds[u]
        print(
            f"{config} unroll {u}: median {np.median(t):.4f} s, fastest {min(t):.4f} s, "
            f"compiling ~{compile_s[u]:.2f} s  ({' '.join(f'{x:.3f}' for x in t)})"
        )


if __name__ == "__main__":
    main()
