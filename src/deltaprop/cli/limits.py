"""What a command is about to cost, said (or refused) before it is spent.

- :func:`check_network_memory`: the memory that training a network of these sizes takes,
  estimated from its parameter count and refused in one line if this machine lacks it
  (``--sizes 784,100000000,10`` would otherwise end in a MemoryError traceback).
- :func:`gradcheck_seconds`: how long ``deltaprop gradcheck`` will take (two forward passes
  per parameter), measured on one pass; said when it is long, refused when it is hours.
- :func:`positive_float`: an argparse type for ``--tolerance`` (NaN and negatives refused).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

#: copies of the parameters training holds at most: the weights, their gradients, the
#: optimiser's state (Adam keeps two) and early stopping's best weights
COPIES = 5
#: gradcheck runs longer than this, in seconds, are refused; longer than SAY_SECONDS, announced
REFUSE_SECONDS = 600.0
SAY_SECONDS = 5.0


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive number such as 1e-7, got {text!r}")
    return value


def _size(n_bytes: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n_bytes < 1000 or unit == "PB":
            return f"{n_bytes:.0f} {unit}" if unit == "bytes" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1000
    raise AssertionError("unreachable")


def available_memory() -> int | None:
    """Bytes of memory this process may still use: MemAvailable on Linux, else the physical
    memory; None where neither is known."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def n_parameters(sizes: Sequence[int]) -> int:
    """Weights and biases of a network of these layer widths."""
    return sum(n_out * (n_in + 1) for n_in, n_out in zip(sizes[:-1], sizes[1:]))


def check_network_memory(
    sizes: Sequence[int], dtype: str, available: int | None = None, copies: int = COPIES
) -> None:
    """Refuse, in one line, a network whose training would not fit in memory."""
    available = available_memory() if available is None else available
    itemsize = 4 if dtype == "float32" else 8
    count = n_parameters(sizes)
    needed = count * itemsize * copies
    if available is not None and needed > available:
        raise ValueError(
            f"--sizes {','.join(map(str, sizes))}: {count:,} parameters take about "
            f"{_size(needed)} to train in {dtype} ({copies} copies: weights, gradients, the "
            f"optimiser's state), more than the {_size(available)} of memory available; "
            "choose smaller layers"
        )


def gradcheck_seconds(
    forward: Callable[[], Any], count: int, say: Callable[[str], None] | None = None
) -> float:
    """Estimate a gradient check of ``count`` parameters from one timed ``forward`` pass;
    announce it if long (on stderr), refuse it if hours."""
    start = time.perf_counter()
    forward()
    seconds = 2 * count * (time.perf_counter() - start)
    if seconds > REFUSE_SECONDS:
        raise ValueError(
            f"checking all {count:,} parameters would take about {seconds / 60:,.0f} minutes "
            "(two forward passes each); give smaller --sizes: the check is as telling on a "
            "small network"
        )
    if seconds > SAY_SECONDS:
        message = f"gradcheck: {count:,} parameters, about {seconds:.0f} s"
        if say is None:
            print(message, file=sys.stderr, flush=True)
        else:
            say(message)
    return seconds
