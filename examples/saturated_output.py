"""The classic demonstration: a saturated output layer learns slowly with the quadratic cost.

BP1 for the quadratic cost is δ^L = (a^L − y) ⊙ σ'(z^L). When an output neuron is saturated at
the wrong value (a ≈ 1 where y = 0, say), σ'(z^L) ≈ 0 makes δ^L tiny, and BP3/BP4 make every
gradient that starts from it tiny too: the network learns very slowly however wrong it is.
The cross-entropy cost's BP1 is δ^L = a^L − y, with no σ'(z^L), so the same network learns
at once.

This script builds two copies of the same [784, 30, 10] network, hidden weights N(0, 1/n_in)
(so the hidden layer is not saturated) and output biases b^3 = 8 (so every output starts at
σ(z) ≈ 1: nine of ten wrong, all saturated), trains one with each cost at the same η on MNIST,
and shows what deltaprop's diagnostics say: ``diagnose`` at the start, and the training
monitor's output-layer learning speed ‖∂C/∂b^3‖ epoch by epoch.

    python examples/saturated_output.py                         # 10,000 images, 5 epochs
    python examples/saturated_output.py --train-samples 60000 --epochs 3 --plot slow.png

MNIST is read from --data-dir, $DELTAPROP_DATA, the user cache or a source checkout's data/mnist
(see ``load_mnist``).
"""

from __future__ import annotations

import argparse
import textwrap
from dataclasses import dataclass
from typing import Any

import deltaprop
from deltaprop.insight import Diagnosis, Monitor, diagnose

COSTS = ("quadratic", "cross-entropy")
OUTPUT_BIAS = 8.0  # σ(8) ≈ 0.9997, σ'(8) ≈ 0.0003: saturated


@dataclass
class Result:
    """One cost's run: the diagnosis before training, the history, and the monitor."""

    cost: str
    before: Diagnosis
    history: deltaprop.History
    monitor: Monitor


def saturated_network(cost: str, seed: int = 1) -> deltaprop.Network:
    """[784, 30, 10], sigmoid, hidden weights N(0, 1/784), output biases all 8."""
    net = deltaprop.Network([784, 30, 10], cost=cost, init="scaled", seed=seed)
    net.biases[-1][:] = OUTPUT_BIAS
    return net


def run_experiment(
    X: Any,
    y: Any,
    X_test: Any,
    y_test: Any,
    *,
    epochs: int = 5,
    eta: float = 0.5,
    seed: int = 1,
) -> dict[str, Result]:
    """Train the saturated network with each cost on (X, y); the same start, η and order."""
    results = {}
    for cost in COSTS:
        net = saturated_network(cost, seed)
        before = diagnose(net, X, y, eta=eta)
        monitor = Monitor()
        history = net.fit(
            X, y, epochs=epochs, batch_size=10, eta=eta, seed=seed,
            test_data=(X_test, y_test), callbacks=[monitor],
        )  # fmt: skip
        results[cost] = Result(cost, before, history, monitor)
    return results


def plateau_steps(monitor: Monitor, factor: float = 10.0) -> int | None:
    """Mini-batches before the output layer's ‖∂C/∂b^L‖ first exceeds ``factor`` times its
    value at the first sampled step; None if it never does."""
    speed = monitor.trace[:, -1, 2]
    above = speed > factor * speed[0]
    return int(monitor.trace_steps[above.argmax()]) if above.any() else None


def summary(results: dict[str, Result]) -> str:
    """The story in text: the diagnoses at the start, then accuracy and learning speed."""
    q, ce = results["quadratic"], results["cross-entropy"]
    lines = ["At the start (deltaprop.diagnose):"]
    for r in (q, ce):
        out = r.before.layers[-1]
        lines.append(
            f"  {r.cost:>13}: output layer {out.saturated_wrong:.0%} saturated at the wrong "
            f"value, mean |δ^3| {out.delta:.2e}, ‖∂C/∂b^3‖ {out.grad_b_norm:.2e}"
        )
    for f in q.before.findings:
        if f.rule == "saturated_output":
            lines.append(textwrap.fill(f"quadratic: {f}", 96, initial_indent="  ",
                                       subsequent_indent="    "))  # fmt: skip
    lines += [
        "",
        "epoch   quadratic: accuracy  ‖∂C/∂b^3‖   cross-entropy: accuracy  ‖∂C/∂b^3‖",
    ]
    for row_q, row_ce in zip(q.history, ce.history):
        lines.append(
            f"{row_q['epoch']:>5}   {row_q['test_accuracy']:>19.2%}  {row_q['grad_b_norm_l3']:9.2e}   "
            f"{row_ce['test_accuracy']:>23.2%}  {row_ce['grad_b_norm_l3']:9.2e}"
        )
    # The monitor's trace: ‖∂C/∂b^3‖ at every sampled step (layer L is the last index).
    first_q, first_ce = q.monitor.trace[0, -1, 2], ce.monitor.trace[0, -1, 2]
    plateau = plateau_steps(q.monitor)
    stays = (
        f"for the whole run ({int(q.monitor.trace_steps[-1])} mini-batches)"
        if plateau is None
        else f"for about {plateau} mini-batches, until its outputs leave saturation"
    )
    text = (
        f"At the first sampled mini-batch the quadratic-cost output layer learns "
        f"{first_ce / first_q:.0f}× slower than the cross-entropy one (‖∂C/∂b^3‖ "
        f"{first_q:.1e} against {first_ce:.1e}; BP3: the length of the mean δ^3), and it stays "
        f"on that plateau {stays}. Its δ^3 = (a − y) ⊙ σ'(z^3) carries σ'(z^3) ≈ 0 (BP1); the "
        f"cross-entropy cost's δ^3 = a − y does not, and learns at full speed from the start."
    )
    lines += ["", textwrap.fill(text, 96)]
    return "\n".join(lines)


def plot(results: dict[str, Result], path: str) -> None:
    """Accuracy per epoch, and the output layer's learning speed at every sampled step."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4), layout="constrained")
    ax_acc, ax_speed = fig.subplots(1, 2)
    for r in results.values():
        ax_acc.plot(r.history["epoch"], [100 * a for a in r.history["test_accuracy"]], "o-",
                    label=r.cost)  # fmt: skip
        speed = r.monitor.trace[:, -1, 2]  # layer L, "grad_b_norm"
        ax_speed.plot(r.monitor.trace_steps, speed, label=r.cost)
    ax_acc.set(xlabel="epoch", ylabel="test accuracy (%)", title="Accuracy")
    ax_acc.xaxis.get_major_locator().set_params(integer=True)
    ax_speed.set(xlabel="mini-batch", ylabel="‖∂C/∂b$^3$‖", yscale="log",
                 title="Output layer's learning speed")  # fmt: skip
    for ax in (ax_acc, ax_speed):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.savefig(path, dpi=100)


def main() -> None:
    from deltaprop.io.mnist import load_mnist

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="directory of the MNIST files")
    parser.add_argument("--train-samples", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--eta", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plot", metavar="FILE.png", help="also draw the figure (matplotlib)")
    args = parser.parse_args()
    data = load_mnist(args.data_dir)
    X, y = data.X_train[: args.train_samples], data.y_train[: args.train_samples]
    results = run_experiment(
        X, y, data.X_test, data.y_test, epochs=args.epochs, eta=args.eta, seed=args.seed
    )
    print(f"{X.shape[0]} training images, eta {args.eta:g}, batch 10, output biases 8\n")
    print(summary(results))
    if args.plot:
        plot(results, args.plot)
        print(f"\nWrote {args.plot}")


if __name__ == "__main__":
    main()
