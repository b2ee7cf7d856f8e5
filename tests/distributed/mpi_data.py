"""Data and comparisons the distributed tests share (a module with a name of its own, so that
it imports the same whichever test directories a run collects)."""

from __future__ import annotations

from typing import Any

import numpy as np


def blobs(n: int, n_in: int = 6, n_classes: int = 3, seed: int = 0) -> tuple[Any, Any]:
    """Gaussian blobs, one per class, with integer labels."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    centres = 2.0 * rng.standard_normal((n_classes, n_in))
    return centres[y] + 0.5 * rng.standard_normal((n, n_in)), y


def max_abs_diff(a: Any, b: Any) -> float:
    """The largest difference between the parameters of networks a and b."""
    pairs = zip([*a.weights, *a.biases], [*b.weights, *b.biases])
    return max(float(np.max(np.abs(p - q))) for p, q in pairs)
