"""What the training monitor costs: epoch time of the classic experiment with and without it.

    python benchmarks/monitor_overhead.py                  # 3 rounds of one epoch per setting
    python benchmarks/monitor_overhead.py --rounds 5 --train-samples 20000

The classic experiment: [784, 30, 10], sigmoid, quadratic cost, float32, m = 10, η = 3.0 on
MNIST. Each round trains one epoch from the same starting network in every setting, in turn,
so that the settings share the machine's state; the table gives the median and the fastest
training seconds per epoch (the History's ``seconds``), each with its ratio to the plain
run, and the extra microseconds per mini-batch step (from the medians). The settings:

- ``plain``: no callback;
- ``no-op hook``: a callback whose ``on_batch_end`` does nothing (what the loop itself spends
  on calling any per-batch hook);
- ``monitor``: ``Monitor()``, the default, sampling about 64 batches per epoch;
- ``monitor every=10`` and ``every=1``: denser sampling.

It also times the monitor's two paths directly on a recorded step (no training around them):
the call on a batch it does not sample, and the call on a batch it samples, and the loop's own
cost of handing a step to a per-batch hook (each the fastest of seven timings). From these the
overhead per step, ``unsampled + sampled / k + loop``, is projected against a faster training
loop (``--target-us``, default 80 µs per step: a 0.5 s epoch of 6,000 steps).
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import time

import numpy as np

import deltaprop
from deltaprop.insight import Monitor
from deltaprop.io.mnist import load_mnist
from deltaprop.training.callbacks import Callback, Step


class NoOp(Callback):
    def on_batch_end(self, step: Step) -> None:
        pass


class Keep(Callback):
    """Keeps the last step (copied) and the trainer, for timing the monitor's hooks alone."""

    def on_train_begin(self, trainer) -> None:
        self.trainer = trainer

    def on_batch_end(self, step: Step) -> None:
        self.step = step._replace(
            zs=[z.copy() for z in step.zs],
            activations=[a.copy() for a in step.activations],
            deltas=[d.copy() for d in step.deltas],
            grad_w=[g.copy() for g in step.grad_w],
            grad_b=[g.copy() for g in step.grad_b],
        )


SETTINGS = {
    "plain": lambda: [],
    "no-op hook": lambda: [NoOp()],
    "monitor": lambda: [Monitor()],
    "monitor every=10": lambda: [Monitor(every=10)],
    "monitor every=1": lambda: [Monitor(every=1)],
}


def _best(run, calls: int, repeats: int = 7) -> float:
    """Seconds per call: the fastest of ``repeats`` timings of ``calls`` calls (the least
    disturbed by other work on the machine, as ``timeit`` recommends)."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        run(calls)
        best = min(best, (time.perf_counter() - t0) / calls)
    return best


def time_hooks(net: deltaprop.Network, X, y) -> tuple[float, float]:
    """Seconds per call of the monitor's on_batch_end on an unsampled and a sampled batch."""
    keep = Keep()
    net.copy().fit(X[:100], y[:100], epochs=1, batch_size=10, seed=0, callbacks=[keep])
    unsampled_monitor = Monitor(every=1_000_000)
    unsampled_monitor.on_train_begin(keep.trainer)
    unsampled_monitor.on_epoch_begin(1, 6000)
    step = keep.step._replace(batch=1)  # 1 % k != 0 and 2 % k != 0: nothing to do

    def unsampled(calls: int) -> None:
        for _ in range(calls):
            unsampled_monitor.on_batch_end(step)

    sampled_monitor = Monitor(every=1)
    sampled_monitor.on_train_begin(keep.trainer)

    def sampled(calls: int) -> None:  # records the step, copies the weights for the next one
        sampled_monitor.on_epoch_begin(1, 6000)
        for _ in range(calls):
            sampled_monitor.on_batch_end(step)

    return _best(unsampled, 20_000), _best(sampled, 500)


def time_loop_hook(net: deltaprop.Network, X, y) -> float:
    """Seconds per step the loop spends handing a Step to one no-op per-batch hook: what
    ``Trainer.run_epoch`` does per step only when a callback overrides ``on_batch_end`` (read
    the batch's cost back, check it, build the Step, call the hook)."""
    keep, noop = Keep(), NoOp()
    net.copy().fit(X[:20], y[:20], epochs=1, batch_size=10, seed=0, callbacks=[keep])
    s, total = keep.step, np.float32(keep.step.cost * 10)  # the loop's per-batch cost sum

    def loop(calls: int) -> None:
        for batch in range(calls):
            cost = float(total) / s.x.shape[0]
            if not math.isfinite(cost):
                raise ArithmeticError
            step = Step(
                1, batch, calls, s.x, s.y, s.zs, s.activations, s.deltas, s.grad_w, s.grad_b, cost
            )
            for cb in (noop,):
                cb.on_batch_end(step)

    return _best(loop, 20_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="directory of the MNIST files")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--train-samples", type=int, default=60_000)
    parser.add_argument("--target-us", type=float, default=80.0, help="µs per step to project to")
    args = parser.parse_args()

    data = load_mnist(args.data_dir)
    X, y = data.X_train[: args.train_samples], data.y_train[: args.train_samples]
    start = deltaprop.Network([784, 30, 10], seed=1)
    n_steps = -(-X.shape[0] // 10)
    print(
        f"deltaprop {deltaprop.__version__}, NumPy {np.__version__}, Python "
        f"{platform.python_version()}, {platform.machine()}"
    )
    print(
        f"classic [784, 30, 10] float32, m = 10, eta 3: {X.shape[0]} samples, "
        f"{n_steps} steps per epoch, {args.rounds} rounds\n"
    )

    seconds: dict[str, list[float]] = {name: [] for name in SETTINGS}
    for _ in range(args.rounds):
        for name, make in SETTINGS.items():
            net = start.copy()
            history = net.fit(X, y, epochs=1, batch_size=10, eta=3.0, seed=0, callbacks=make())
            seconds[name].append(history["seconds"][0])

    base, fastest = statistics.median(seconds["plain"]), min(seconds["plain"])
    print(
        f"{'setting':<18} {'median s':>8} {'ratio':>7} {'fastest s':>9} {'ratio':>7} "
        f"{'µs/step':>8} {'extra µs/step':>14}"
    )
    for name, times in seconds.items():
        t, best = statistics.median(times), min(times)
        print(
            f"{name:<18} {t:8.3f} {t / base:7.3f} {best:9.3f} {best / fastest:7.3f} "
            f"{1e6 * t / n_steps:8.1f} {1e6 * (t - base) / n_steps:14.2f}"
        )

    unsampled, sampled = time_hooks(start, X, y)
    k = max(1, n_steps // 64)
    per_step = unsampled + sampled / k
    print(
        f"\nmonitor hooks timed alone: {1e6 * unsampled:.2f} µs on an unsampled batch, "
        f"{1e6 * sampled:.1f} µs on a sampled one; default k = {k} for {n_steps} steps, so "
        f"{1e6 * per_step:.2f} µs per step"
    )
    loop_hook = time_loop_hook(start, X, y)
    total = per_step + loop_hook
    print(
        f"the loop's own cost of handing a step to a per-batch hook (cost read back, Step "
        f"built, the call; timed alone): {1e6 * loop_hook:.2f} µs\n"
        f"monitor in all: {1e6 * total:.2f} µs per step = "
        f"{100 * total / (1e-6 * args.target_us):.1f}% of a {args.target_us:g} µs step"
    )


if __name__ == "__main__":
    main()
