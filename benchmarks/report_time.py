"""How long the training report takes to make, for a 30-epoch run of the classic network.

    python benchmarks/report_time.py                      # 30 epochs on 2,000 MNIST images
    python benchmarks/report_time.py --train-samples 60000 --epochs 30

Trains [784, 30, 10] (sigmoid, quadratic, m = 10, η = 3) with the monitor on, then times what
``deltaprop train --report`` does after the last epoch: the run record (confusion matrix on the
10,000 test images, diagnosis on up to 10,000 training images), the figures, and the HTML file.
It also times a fresh process that reads the saved run and writes the report (``deltaprop plot
DIR --report FILE``), which includes importing matplotlib. The training set's size does not
change the report's work beyond the diagnosis, which is capped at 10,000 images.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import deltaprop
from deltaprop.insight import Monitor, record_run, save_run
from deltaprop.insight.plots import render_pngs
from deltaprop.insight.report import write_report
from deltaprop.io.mnist import load_mnist


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="directory of the MNIST files")
    parser.add_argument("--train-samples", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    data = load_mnist(args.data_dir)
    X, y = data.X_train[: args.train_samples], data.y_train[: args.train_samples]
    net = deltaprop.Network([784, 30, 10], seed=1)
    t0 = time.perf_counter()
    history = net.fit(
        X,
        y,
        epochs=args.epochs,
        batch_size=10,
        eta=3.0,
        seed=1,
        validation_data=(data.X_test, data.y_test),
        callbacks=[Monitor()],
    )
    print(
        f"trained {args.epochs} epochs on {X.shape[0]} images in {time.perf_counter() - t0:.1f} s"
        f"; best {history.best()['val_accuracy']:.2%}"
    )
    config = {"sizes": [784, 30, 10], "epochs": args.epochs, "eta": 3.0}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        for repeat in range(args.repeats):
            t0 = time.perf_counter()
            run = record_run(
                net,
                history,
                config,
                validation=(data.X_test, data.y_test),
                diagnosis_data=(data.X_train[:10_000], data.y_train[:10_000]),
                eta=3.0,
            )
            t1 = time.perf_counter()
            pngs = render_pngs(run.history, weights=net.weights[0])
            t2 = time.perf_counter()
            path = write_report(tmp_path / "report.html", run, pngs=pngs)
            t3 = time.perf_counter()
            print(
                f"in process, round {repeat + 1}: record {t1 - t0:.2f} s, figures {t2 - t1:.2f} s, "
                f"HTML {t3 - t2:.2f} s; total {t3 - t0:.2f} s ({path.stat().st_size // 1024} KiB)"
            )
        save_run(tmp_path / "run", run, net)
        for repeat in range(args.repeats):
            t0 = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "deltaprop",
                    "plot",
                    str(tmp_path / "run"),
                    "--out",
                    str(tmp_path / "figs"),
                    "--report",
                    str(tmp_path / "again.html"),
                ],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            print(
                f"fresh process, round {repeat + 1}: 'deltaprop plot DIR --report FILE' "
                f"{time.perf_counter() - t0:.2f} s (Python and matplotlib start-up included)"
            )


if __name__ == "__main__":
    main()
