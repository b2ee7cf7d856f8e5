"""What the progress bar costs per mini-batch step: tqdm's bar against the hand-written one
it replaced, and against no bar.

    python benchmarks/progress_overhead.py                 # 5 rounds
    python benchmarks/progress_overhead.py --rounds 9 --steps 200000

Two measurements, both drawing into a file that is not a terminal (``/dev/null``), so that
what is timed is the bar's own work and not the terminal's:

- the hook alone: ``on_batch_end`` called ``--steps`` times on one recorded step of the
  classic network ([784, 30, 10], m = 10), inside one epoch; nanoseconds per call, the
  fastest round; and the cost of one redraw (each bar redraws ten times a second);
- in training: seconds per epoch of the classic experiment's step on 60,000 random
  MNIST-shaped rows (no download needed) with no callback, with a no-op per-batch hook (what
  the loop spends on handing any hook a step: it reads the step's cost back), with the old
  bar and with the tqdm bar; the median of the rounds, each round running every setting in
  turn from the same network.

The old bar is kept here, as it was, for the comparison.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from typing import Any, TextIO

import numpy as np
import tqdm

import deltaprop
from deltaprop.training.callbacks import Callback, Step
from deltaprop.training.progress import ProgressBar


class OldBar(Callback):
    """The hand-written bar ``deltaprop train`` drew before tqdm (redrawn ten times a second)."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream, self.width = stream, width
        self._last = self._start = 0.0

    def on_epoch_begin(self, epoch: int, n_batches: int) -> None:
        self._start = self._last = time.perf_counter()

    def on_batch_end(self, step: Step) -> None:
        now = time.perf_counter()
        if now - self._last < 0.1 and step.batch < step.n_batches:
            return
        self._last = now
        done = step.batch / step.n_batches
        filled = int(done * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(
            f"\rEpoch {step.epoch} [{bar}] {done:4.0%}  {now - self._start:5.1f} s"
            f"  cost {step.cost:.4f}"
        )
        self.stream.flush()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        self.stream.write("\r" + " " * (self.width + 45) + "\r")
        self.stream.flush()


class NoOp(Callback):
    def on_batch_end(self, step: Step) -> None:
        pass


class KeepStep(Callback):
    def on_train_begin(self, trainer: Any) -> None:
        self.trainer = trainer

    def on_batch_end(self, step: Step) -> None:
        self.step = step


def hook_ns(make: Any, step: Step, steps: int, rounds: int, trainer: Any) -> float:
    """Nanoseconds per on_batch_end call, the fastest of ``rounds``."""
    best = float("inf")
    for _ in range(rounds):
        cb = make()
        cb.on_train_begin(trainer)
        cb.on_epoch_begin(1, steps)
        s = step._replace(n_batches=steps)
        t0 = time.perf_counter()
        for i in range(1, steps + 1):
            cb.on_batch_end(s._replace(batch=i) if i == steps else s)
        best = min(best, (time.perf_counter() - t0) / steps * 1e9)
        cb.on_epoch_end(1, {"train_cost": 0.1})
    return best


def redraw_us(make: Any, step: Step, calls: int, trainer: Any) -> float:
    """Microseconds per redraw: every call draws (the old bar on its last batch, the tqdm bar
    with no time between redraws)."""
    import deltaprop.training.progress as progress

    saved, progress.REFRESH = progress.REFRESH, 0.0
    try:
        cb = make()
        cb.on_train_begin(trainer)
        cb.on_epoch_begin(1, calls)
        s = step._replace(n_batches=calls, batch=calls)
        t0 = time.perf_counter()
        for _ in range(calls):
            cb.on_batch_end(s)
        return (time.perf_counter() - t0) / calls * 1e6
    finally:
        progress.REFRESH = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=100_000)
    args = parser.parse_args()
    sink = open(os.devnull, "w")  # noqa: SIM115 - open for the whole run
    rng = np.random.default_rng(0)
    X = rng.random((60_000, 784), dtype=np.float32)  # MNIST-shaped rows, shape (n, 784)
    y = rng.integers(0, 10, 60_000)  # class labels, shape (n,)
    net = deltaprop.Network([784, 30, 10], seed=1)
    keep = KeepStep()
    net.fit(X[:100], y[:100], epochs=1, callbacks=[keep], verbose=0)
    print(
        f"deltaprop {deltaprop.__version__}, tqdm {tqdm.__version__}, NumPy {np.__version__}, "
        f"Python {platform.python_version()}, {platform.machine()}"
    )

    makers = {
        "old bar": lambda: OldBar(sink),
        "tqdm bar": lambda: ProgressBar(sink, leave=False),
    }
    print(f"\nthe hook alone, {args.steps} calls, fastest of {args.rounds}:")
    for name, make in makers.items():
        ns = hook_ns(make, keep.step, args.steps, args.rounds, keep.trainer)
        print(f"  {name:<10} {ns:7.0f} ns per step")
    print("\none redraw (ten a second while an epoch runs):")
    for name, make in makers.items():
        us = min(redraw_us(make, keep.step, 2000, keep.trainer) for _ in range(args.rounds))
        print(f"  {name:<10} {us:7.1f} µs per redraw")

    settings: dict[str, Any] = {"no callback": list, "no-op hook": lambda: [NoOp()]}
    settings.update({name: (lambda make=make: [make()]) for name, make in makers.items()})
    times: dict[str, list[float]] = {name: [] for name in settings}
    for _ in range(args.rounds):
        for name, callbacks in settings.items():
            copy = net.copy()
            history = copy.fit(X, y, epochs=1, seed=0, callbacks=callbacks(), verbose=0)
            times[name].append(history["seconds"][0])
    n_steps = X.shape[0] // 10
    base = statistics.median(times["no callback"])
    print(f"\nin training ({n_steps} steps an epoch), median of {args.rounds} rounds:")
    for name, seconds in times.items():
        t = statistics.median(seconds)
        extra = (t - base) / n_steps * 1e6
        print(f"  {name:<12} {t:6.3f} s per epoch  {t / base:5.3f}×  {extra:+6.2f} µs per step")
    sink.close()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
