"""What the command line shows while a network trains."""

from __future__ import annotations

import sys
import textwrap
from typing import Any, TextIO

from ..training.callbacks import Callback
from ..training.measure import measured_prefix
from ..training.progress import ProgressBar


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


def epoch_output(quiet: bool) -> list[Callback]:
    """What ``train`` shows of each epoch: a progress bar on a terminal (cleared when the
    epoch ends, before its line) and the epoch's line; nothing with ``--quiet``."""
    if quiet:
        return []
    bar: list[Callback] = [ProgressBar(leave=False)] if sys.stderr.isatty() else []
    return [*bar, EpochPrinter()]


#: what each figure of the monitor's lines is, printed once before the first epoch's lines
MONITOR_LEGEND = (
    "  Monitor, per layer l, means over the epoch's sampled mini-batches: speed = ‖∂C/∂b^l‖, "
    "the layer's learning speed (BP3); ‖∂C/∂w‖ = ‖∂C/∂w^l‖ (BP4); saturated = share of "
    "σ'(z) near 0; dead = ReLU units never active; mean a = mean a^l; update/w = "
    "‖Δw^l‖ / ‖w^l‖, how much one step changes the weights"
)


class MonitorPrinter(Callback):
    """Prints the monitor's per-layer figures after each epoch's line, and once what they are."""

    def __init__(self, layers: list[int], stream: TextIO | None = None) -> None:
        self.layers = layers
        self.stream = stream
        self._legend = True

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        stream = self.stream or sys.stdout
        if self._legend:
            print(textwrap.fill(MONITOR_LEGEND, 100, subsequent_indent="    "), file=stream)
            self._legend = False
        for layer in self.layers:
            parts = [f"  layer {layer}: speed {logs.get(f'grad_b_norm_l{layer}', 0):.2e}"]
            parts.append(f"‖∂C/∂w‖ {logs.get(f'grad_w_norm_l{layer}', 0):.2e}")
            for key in ("saturated", "dead"):
                if f"{key}_l{layer}" in logs:
                    parts.append(f"{key} {logs[f'{key}_l{layer}']:.0%}")
            parts.append(f"mean a {logs.get(f'activation_mean_l{layer}', 0):.3f}")
            if f"update_ratio_l{layer}" in logs:
                parts.append(f"update/w {logs[f'update_ratio_l{layer}']:.1e}")
            print(", ".join(parts), file=stream, flush=True)
