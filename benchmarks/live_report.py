"""What keeping the report up to date costs a run of the classic network.

    python benchmarks/live_report.py                     # 10 epochs on the first 50,000 images

Trains [784, 30, 10] (sigmoid, quadratic, m = 10, η = 3, the monitor on) three times from the
same start: without a report, with the live report as ``deltaprop train --report`` keeps it
(rewrites held under a quarter of the run), and rewriting it after every epoch
(``max_share=1``). Prints each run's time and how many versions of the report it wrote.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import deltaprop
from deltaprop.insight import Monitor
from deltaprop.insight.live import LiveReport
from deltaprop.io.mnist import load_mnist


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="directory of the MNIST files")
    parser.add_argument("--train-samples", type=int, default=50_000)
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    data = load_mnist(args.data_dir)
    X, y = data.X_train[: args.train_samples], data.y_train[: args.train_samples]
    with tempfile.TemporaryDirectory() as tmp:
        for name, share in (("no report", None), ("live, ≤ 1/4", 0.25), ("every epoch", 1.0)):
            monitor = Monitor()
            callbacks: list[deltaprop.Callback] = [monitor]
            live = None
            if share is not None:
                live = LiveReport(Path(tmp) / "r.html", {}, monitor, max_share=share)
                callbacks.append(live)
            net = deltaprop.Network([784, 30, 10], seed=1)
            t0 = time.perf_counter()
            net.fit(
                X,
                y,
                epochs=args.epochs,
                batch_size=10,
                eta=3.0,
                seed=1,
                test_data=(data.X_test, data.y_test),
                callbacks=callbacks,
            )
            seconds = time.perf_counter() - t0
            writes = "-" if live is None else str(live.writes)
            print(f"{name:>12}: {seconds:6.1f} s, {writes} versions written")


if __name__ == "__main__":
    main()
