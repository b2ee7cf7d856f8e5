"""The best MLP on MNIST (no data augmentation) within about 10 minutes of CPU, and the same
configuration trained by scikit-learn's MLPClassifier side by side, epoch for epoch.

    python benchmarks/best_mlp.py                      # the full comparison
    python benchmarks/best_mlp.py --epochs 2 --sizes 784,100,10   # a quick look

deltaprop trains the configuration below on all 60,000 training images. After each of its
epochs, scikit-learn's MLPClassifier trains one epoch (``partial_fit``) of the closest
configuration its options allow (same layers, ReLU, softmax/log-loss, Adam with the same η,
β1, β2, ε and mini-batch size, float32 data, the same L2 penalty converted to its ``alpha``;
it has no dropout and, for Adam, only a constant η). Alternating epochs keeps the two under
the same load when other work shares the machine. For the first ``--same-work-epochs``
rounds, deltaprop also trains one epoch of scikit-learn's exact configuration (no dropout,
constant η): a paired measure of the per-epoch cost of identical work.

The test accuracy after every epoch only draws the time-to-accuracy curves: nothing is chosen
by it (the schedule is fixed in advance, the final networks are the ones reported). Timings
are wall-clock seconds of training only (evaluation excluded), printed with the load average.

Reported: the final test accuracy and training time of each, the time deltaprop needs to reach
scikit-learn's final accuracy and the ratio of the times, and the same-work ratio.
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


def _sizes(text: str) -> list[int]:
    return [int(n) for n in text.split(",")]


def _load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _network(args: argparse.Namespace) -> deltaprop.Network:
    return deltaprop.Network(
        args.sizes,
        activation="relu",
        output_activation="softmax",
        cost="cross-entropy",
        init="scaled",
        dtype="float32",
        seed=args.seed,
    )


class Alongside(deltaprop.Callback):
    """After each deltaprop epoch, one epoch of scikit-learn's MLPClassifier (and, for the
    first rounds, one epoch of deltaprop on scikit-learn's exact configuration)."""

    def __init__(self, data: Any, args: argparse.Namespace) -> None:
        from sklearn.neural_network import MLPClassifier

        self.data, self.args = data, args
        n = data.X_train.shape[0]
        # scikit-learn adds alpha·w to the gradient summed over the m rows of a mini-batch,
        # i.e. (alpha/m)·w to the mean gradient; deltaprop adds (λ/n)·w: alpha = λm/n.
        self.alpha = args.l2 * args.batch_size / n
        self.clf = MLPClassifier(
            hidden_layer_sizes=tuple(args.sizes[1:-1]),
            activation="relu",
            solver="adam",
            alpha=self.alpha,
            batch_size=args.batch_size,
            learning_rate_init=args.eta,
            shuffle=True,
            random_state=args.seed,
        )
        self.ours: list[tuple[float, float]] = []  # (seconds, test accuracy) per epoch
        self.theirs: list[tuple[float, float]] = []
        self.same_work: list[float] = []  # deltaprop's seconds per epoch, sklearn's config
        self.same_net = _network(args)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        d, args = self.data, self.args
        self.ours.append((logs["seconds"], logs["val_accuracy"]))
        t0 = time.perf_counter()
        self.clf.partial_fit(d.X_train, d.y_train, classes=np.arange(10))  # one epoch
        seconds = time.perf_counter() - t0
        self.theirs.append((seconds, float(self.clf.score(d.X_test, d.y_test))))
        line = (
            f"  epoch {epoch}: deltaprop {logs['val_accuracy']:.4f} in {logs['seconds']:.1f} "
            f"s, scikit-learn {self.theirs[-1][1]:.4f} in {seconds:.1f} s"
        )
        if epoch <= args.same_work_epochs:
            history = self.same_net.fit(
                d.X_train,
                d.y_train,
                epochs=1,
                batch_size=args.batch_size,
                eta=args.eta,
                optimizer="adam",
                l2=args.l2,
                seed=args.seed + epoch,
            )
            self.same_work.append(history["seconds"][0])
            line += f", deltaprop on its configuration in {self.same_work[-1]:.1f} s"
        print(f"{line}; {_load()}", flush=True)


def _curve(name: str, rows: list[tuple[float, float]]) -> None:
    elapsed = np.cumsum([s for s, _ in rows])
    print(f"{name}: epoch, training seconds so far, test accuracy")
    for epoch, (t, (_, acc)) in enumerate(zip(elapsed, rows), start=1):
        print(f"  {epoch:3d} {t:8.1f} s  {acc:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir")
    parser.add_argument("--sizes", type=_sizes, default=[784, 1024, 1024, 10])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--eta", type=float, default=1e-3)
    parser.add_argument("--l2", type=float, default=0.0)
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--schedule", default="cosine", choices=["constant", "cosine"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--same-work-epochs", type=int, default=3)
    args = parser.parse_args()

    print(
        f"deltaprop {deltaprop.__version__}, NumPy {np.__version__}, "
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs"
    )
    data = load_mnist(args.data_dir, dtype="float32")
    print(
        f"configuration: {args.sizes}, relu, softmax + log-likelihood, scaled init, float32, "
        f"Adam eta {args.eta:g}, batch {args.batch_size}, l2 {args.l2:g}, dropout "
        f"{args.dropout:g}, {args.schedule} schedule, {args.epochs} epochs, seed {args.seed}"
    )
    alongside = Alongside(data, args)
    print(f"scikit-learn: {alongside.clf!r}\n{_load()}", flush=True)
    _network(args).fit(
        data.X_train,
        data.y_train,
        epochs=args.epochs,
        batch_size=args.batch_size,
        eta=args.eta,
        optimizer="adam",
        l2=args.l2,
        dropout=args.dropout,
        schedule=args.schedule,
        seed=args.seed,
        validation_data=(data.X_test, data.y_test),
        callbacks=[alongside],
    )
    ours, theirs = alongside.ours, alongside.theirs
    _curve("deltaprop", ours)
    _curve("scikit-learn", theirs)
    ours_time, ours_acc = sum(s for s, _ in ours), ours[-1][1]
    their_time, their_acc = sum(s for s, _ in theirs), theirs[-1][1]
    print(f"deltaprop: test accuracy {ours_acc:.2%} after {ours_time:.1f} s of training")
    print(f"scikit-learn: test accuracy {their_acc:.2%} after {their_time:.1f} s of training")
    elapsed = np.cumsum([s for s, _ in ours])
    reached = [i for i, (_, acc) in enumerate(ours) if acc >= their_acc]
    if reached:
        t = float(elapsed[reached[0]])
        print(
            f"deltaprop reaches scikit-learn's final {their_acc:.2%} after epoch "
            f"{reached[0] + 1}, {t:.1f} s: {their_time / t:.2f}x less time "
            f"({their_time / ours_time:.2f}x for its whole run, at {ours_acc:.2%})"
        )
    else:
        print(f"deltaprop did not reach scikit-learn's final {their_acc:.2%}")
    if alongside.same_work:
        k = len(alongside.same_work)
        ours_epoch = float(np.median(alongside.same_work))
        their_epoch = float(np.median([s for s, _ in theirs[:k]]))
        print(
            f"same work, epochs 1-{k} (scikit-learn's configuration): deltaprop "
            f"{ours_epoch:.1f} s per epoch, scikit-learn {their_epoch:.1f} s (medians): "
            f"{their_epoch / ours_epoch:.2f}x"
        )
    print(_load())


if __name__ == "__main__":
    main()
