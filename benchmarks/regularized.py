"""The classic regularised experiment: [784, 100, 10], cross-entropy, scaled init, L2, and the
"halve η on a plateau, stop at η/128" schedule, on MNIST's 50,000/10,000 training/validation
split; the test set is measured once, at the end.

    python benchmarks/regularized.py                  # 60 epochs, η = 0.5, λ = 5, m = 10
    python benchmarks/regularized.py --epochs 5       # a quick look

Prints the validation accuracy and η of every epoch, why training stopped, and the test
accuracy of the final network (the network as trained: no epoch is picked by the test set).
The same run from the command line:

    deltaprop train --sizes 784,100,10 --cost cross-entropy --init scaled --eta 0.5 --l2 5 \\
        --epochs 60 --schedule plateau --validation 10000 --seed 1
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from typing import Any

import numpy as np

import deltaprop
from deltaprop.io.mnist import load_mnist


class EpochLine(deltaprop.Callback):
    """Prints each epoch's validation accuracy and η as it ends."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        print(
            f"  epoch {epoch:2d}: validation {logs['val_accuracy']:.4f}, eta {logs['eta']:g}, "
            f"{logs['seconds']:.1f} s",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--eta", type=float, default=0.5)
    parser.add_argument("--l2", type=float, default=5.0)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--plateau-patience", type=int, default=10)
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    print(
        f"deltaprop {deltaprop.__version__}, NumPy {np.__version__}, "
        f"Python {platform.python_version()} on {platform.machine()}"
    )
    print(f"load average before: {os.getloadavg()}")
    data = load_mnist(args.data_dir, dtype=args.dtype)
    net = deltaprop.Network(
        [784, 100, 10],
        activation="sigmoid",
        cost="cross-entropy",
        init="scaled",
        dtype=args.dtype,
        seed=args.seed,
    )
    fit = dict(
        epochs=args.epochs,
        batch_size=args.batch_size,
        eta=args.eta,
        l2=args.l2,
        schedule="plateau",
        plateau_patience=args.plateau_patience,
        validation_split=10_000,
        seed=args.seed,
    )
    print(f"{net!r}\nfit: {fit}")
    t0 = time.perf_counter()
    history = net.fit(data.X_train, data.y_train, callbacks=[EpochLine()], **fit)
    wall = time.perf_counter() - t0
    if "stopped" in history.rows[-1]:
        print(f"  stopped: {history.rows[-1]['stopped']}")
    best = history.best("val_accuracy")
    test = net.accuracy(data.X_test, data.y_test)
    print(
        f"best validation {best['val_accuracy']:.2%} (epoch {best['epoch']}); final network: "
        f"test accuracy {test:.2%} after {len(history)} epochs; "
        f"{np.mean(history['seconds']):.2f} s per epoch training, {wall:.0f} s in all"
    )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
