"""The reference experiments of docs/notation.md, run in full: accuracy and seconds per epoch.

    python benchmarks/accuracy.py                       # all experiments below
    python benchmarks/accuracy.py --only classic-float32 --epochs 5

Prints, for each experiment, the test accuracy after every epoch, the best epoch, and the mean
seconds per epoch (training only; evaluation of the 10,000 test images is timed apart).
MNIST is read from --data-dir, $DELTAPROP_DATA or the user cache (see ``load_mnist``).
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

import deltaprop
from deltaprop.io.mnist import load_mnist

EXPERIMENTS = {
    # name: (Network keywords, fit keywords)
    "classic-float32": (
        dict(sizes=[784, 30, 10], activation="sigmoid", cost="quadratic", dtype="float32"),
        dict(batch_size=10, eta=3.0),
    ),
    "classic-float64": (
        dict(sizes=[784, 30, 10], activation="sigmoid", cost="quadratic", dtype="float64"),
        dict(batch_size=10, eta=3.0),
    ),
    "ce-100-scaled": (
        dict(sizes=[784, 100, 10], cost="cross-entropy", init="scaled", dtype="float32"),
        dict(batch_size=10, eta=0.5),
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", nargs="*", choices=list(EXPERIMENTS))
    args = parser.parse_args()

    print(
        f"deltaprop {deltaprop.__version__}, NumPy {np.__version__}, "
        f"Python {platform.python_version()} on {platform.machine()}"
    )
    for name in args.only or EXPERIMENTS:
        net_kw, fit_kw = EXPERIMENTS[name]
        data = load_mnist(args.data_dir, dtype=net_kw["dtype"])
        net = deltaprop.Network(seed=args.seed, **net_kw)
        t0 = time.perf_counter()
        history = net.fit(
            data.X_train,
            data.y_train,
            epochs=args.epochs,
            seed=args.seed,
            validation_data=(data.X_test, data.y_test),
            **fit_kw,
        )
        wall = time.perf_counter() - t0
        accs = " ".join(f"{a:.4f}" for a in history["val_accuracy"])
        best = history.best("val_accuracy")
        print(f"\n{name}: {net!r}, {fit_kw}, seed {args.seed}")
        print(f"  test accuracy per epoch: {accs}")
        print(
            f"  best {best['val_accuracy']:.2%} (epoch {best['epoch']}); "
            f"{np.mean(history['seconds']):.3f} s per epoch training, "
            f"{np.mean(history['eval_seconds']) * 1e3:.1f} ms per test evaluation, "
            f"{wall:.1f} s in all"
        )


if __name__ == "__main__":
    main()
