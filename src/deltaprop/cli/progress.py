"""What the command line shows while a network trains."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from ..training.callbacks import Callback, Step
from ..training.measure import measured_prefix


class EpochPrinter(Callback):
    """Prints one line per epoch in the classic form ``Epoch 3: 9391 / 10000``."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self._eta: float | None = None  # the previous epoch's η, to show when it changes

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        p = measured_prefix(logs)  # "val" or "test": the data measured after the epoch
        if f"{p}_correct" in logs:
            head = f"Epoch {epoch}: {logs[f'{p}_correct']} / {logs[f'{p}_n']}"
            tail = f"  {p} cost {logs[f'{p}_cost']:.4f}"
        elif p is not None:
            head, tail = f"Epoch {epoch}:", f"  {p} cost {logs[f'{p}_cost']:.4f}"
        else:
            head, tail = f"Epoch {epoch} complete", ""
        eta = logs.get("eta")
        if self._eta is not None and eta is not None and eta != self._eta:
            tail += f"  eta {eta:.4g}"
        self._eta = eta
        print(
            f"{head}  train cost {logs['train_cost']:.4f}{tail}  {logs['seconds']:.2f} s",
            file=self.stream,
            flush=True,
        )


class ProgressBar(Callback):
    """A one-line bar on a terminal while an epoch runs, redrawn at most ten times a second."""

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self._last = 0.0
        self._start = 0.0

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
