"""The best MLP on MNIST (no data augmentation) within about 10 minutes of CPU, and the same
configuration trained by scikit-learn's MLPClassifier in the same run.

    python benchmarks/best_mlp.py                      # the full comparison
    python benchmarks/best_mlp.py --epochs 2 --sizes 784,100,10   # a quick look

deltaprop trains the configuration below on all 60,000 training images; the test accuracy is
measured after every epoch only to draw the time-to-accuracy curve (nothing is chosen by it:
the schedule is fixed in advance and the final network is the one reported). scikit-learn's
MLPClassifier then trains the closest configuration its options allow (same layers, ReLU,
softmax/log-loss, Adam with the same η, β1, β2, ε and mini-batch size, float32 data, the same
L2 penalty converted to its ``alpha``; it has no dropout and, for Adam, only a constant η),
one ``partial_fit`` epoch at a time so that its accuracy can be followed too. Timings are of
training only (evaluation is excluded) and wall-clock; the load average is printed with them,
since other work on the machine slows both.

Reported: final test accuracy and training time of each, the time deltaprop needs to reach
scikit-learn's final accuracy, and the ratio of the two times. ``--same-work-epochs`` also
times deltaprop on scikit-learn's exact configuration (no dropout, constant η), for a ratio of
the per-epoch cost of identical work.
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


class EpochLine(deltaprop.Callback):
    """Prints each epoch as it ends, to follow a long run."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        print(f"  deltaprop epoch {epoch}: test {logs['val_accuracy']:.4f}, "
              f"{logs['seconds']:.1f} s", flush=True)  # fmt: skip


def run_deltaprop(data, args, *, dropout: float, schedule: str, epochs: int) -> dict:
    net = deltaprop.Network(args.sizes, activation="relu", output_activation="softmax",
                            cost="cross-entropy", init="scaled", dtype="float32",
                            seed=args.seed)  # fmt: skip
    history = net.fit(
        data.X_train, data.y_train, epochs=epochs, batch_size=args.batch_size, eta=args.eta,
        optimizer="adam", l2=args.l2, dropout=dropout, schedule=schedule, seed=args.seed,
        validation_data=(data.X_test, data.y_test), callbacks=[EpochLine()],
    )  # fmt: skip
    return {"seconds": list(history["seconds"]), "accuracy": list(history["val_accuracy"])}


def run_sklearn(data, args) -> dict:
    from sklearn.neural_network import MLPClassifier

    n = data.X_train.shape[0]
    # scikit-learn adds alpha·w to the gradient summed over the m rows of a mini-batch, i.e.
    # (alpha/m)·w to the mean gradient; deltaprop adds (λ/n)·w. The same penalty: alpha = λm/n.
    alpha = args.l2 * args.batch_size / n
    clf = MLPClassifier(
        hidden_layer_sizes=tuple(args.sizes[1:-1]), activation="relu", solver="adam",
        alpha=alpha, batch_size=args.batch_size, learning_rate_init=args.eta,
        shuffle=True, random_state=args.seed,
    )  # fmt: skip
    seconds, accuracy = [], []
    classes = np.arange(10)
    for _ in range(args.epochs):
        t0 = time.perf_counter()
        clf.partial_fit(data.X_train, data.y_train, classes=classes)  # one epoch
        seconds.append(time.perf_counter() - t0)
        accuracy.append(float(clf.score(data.X_test, data.y_test)))
        print(f"  scikit-learn epoch {len(seconds)}: test {accuracy[-1]:.4f}, "
              f"{seconds[-1]:.1f} s", flush=True)  # fmt: skip
    return {"seconds": seconds, "accuracy": accuracy, "alpha": alpha}


def _curve(name: str, result: dict) -> None:
    elapsed = np.cumsum(result["seconds"])
    print(f"{name}: epoch, training seconds so far, test accuracy")
    for epoch, (t, acc) in enumerate(zip(elapsed, result["accuracy"]), start=1):
        print(f"  {epoch:3d} {t:8.1f} s  {acc:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir")
    parser.add_argument("--sizes", type=_sizes, default=[784, 1024, 1024, 10])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--eta", type=float, default=1e-3)
    parser.add_argument("--l2", type=float, default=0.0)
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--schedule", default="cosine", choices=["constant", "cosine"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-sklearn", action="store_true")
    parser.add_argument("--same-work-epochs", type=int, default=2)
    args = parser.parse_args()

    print(f"deltaprop {deltaprop.__version__}, NumPy {np.__version__}, {platform.processor()}, "
          f"{os.cpu_count()} CPUs")  # fmt: skip
    data = load_mnist(args.data_dir, dtype="float32")
    print(
        f"configuration: {args.sizes}, relu, softmax + log-likelihood, scaled init, float32, "
        f"Adam eta {args.eta:g}, batch {args.batch_size}, l2 {args.l2:g}, dropout "
        f"{args.dropout:g}, {args.schedule} schedule, {args.epochs} epochs, seed {args.seed}"
    )
    print(_load())
    ours = run_deltaprop(data, args, dropout=args.dropout, schedule=args.schedule,
                         epochs=args.epochs)  # fmt: skip
    _curve("deltaprop", ours)
    ours_time, ours_acc = sum(ours["seconds"]), ours["accuracy"][-1]
    print(f"deltaprop: test accuracy {ours_acc:.2%} after {ours_time:.1f} s of training; "
          f"{_load()}")  # fmt: skip
    if args.skip_sklearn:
        return

    theirs = run_sklearn(data, args)
    _curve(f"scikit-learn MLPClassifier (alpha {theirs['alpha']:.3g})", theirs)
    their_time, their_acc = sum(theirs["seconds"]), theirs["accuracy"][-1]
    print(f"scikit-learn: test accuracy {their_acc:.2%} after {their_time:.1f} s of training; "
          f"{_load()}")  # fmt: skip

    elapsed = np.cumsum(ours["seconds"])
    reached = [i for i, acc in enumerate(ours["accuracy"]) if acc >= their_acc]
    if reached:
        t = float(elapsed[reached[0]])
        print(
            f"deltaprop reaches scikit-learn's final {their_acc:.2%} after epoch "
            f"{reached[0] + 1}, {t:.1f} s: {their_time / t:.2f}x less time "
            f"(and {their_time / ours_time:.2f}x for its whole run, at {ours_acc:.2%})"
        )
    else:
        print(f"deltaprop did not reach scikit-learn's final {their_acc:.2%}")

    if args.same_work_epochs:
        same = run_deltaprop(data, args, dropout=0.0, schedule="constant",
                             epochs=args.same_work_epochs)  # fmt: skip
        ours_epoch, their_epoch = np.mean(same["seconds"]), np.mean(theirs["seconds"])
        print(
            f"same work (scikit-learn's configuration, no dropout, constant eta): deltaprop "
            f"{ours_epoch:.1f} s per epoch, scikit-learn {their_epoch:.1f} s per epoch: "
            f"{their_epoch / ours_epoch:.2f}x; {_load()}"
        )


if __name__ == "__main__":
    main()
