"""Regularisation: L2 and L1 penalties on the weights, and dropout on hidden neurons.

**L2 and L1.** With n the number of training samples and C_0 the data cost (the mean of the
per-sample costs), the regularised cost is

    C = C_0 + (λ₂ / 2n) Σ_w w²  +  (λ₁ / n) Σ_w |w|

over every weight of every layer; biases are not regularised. Its gradient adds
(λ₂ / n) w + (λ₁ / n) sgn(w) to ∂C_0/∂w, so one step of plain SGD is the classic

    w → (1 − ηλ₂/n) w − (ηλ₁/n) sgn(w) − η ∂C_0/∂w          b → b − η ∂C_0/∂b

("weight decay": each step shrinks the weights by the factor 1 − ηλ₂/n). Other optimisers
receive the same regularised gradient.

**Dropout** (inverted): during training, each hidden neuron of each mini-batch row is kept
with probability 1 − p, and the kept activations are scaled by 1/(1 − p), so a^l keeps its
expected value and the network is used unchanged, without dropout, at prediction. The mask
r^l (entries 0 or 1/(1 − p)) multiplies a^l in the forward pass and δ^l in BP2; see
``deltaprop.core.backprop``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.activations import Array
from ..core.ops import ops_for


def penalty(weights: list[Array], n: int, l2: float, l1: float, xp: Any) -> float:
    """The regularisation term (λ₂/2n) Σ w² + (λ₁/n) Σ |w| that is added to the data cost."""
    total = 0.0
    for w in weights:
        if l2:
            total += l2 / (2 * n) * float(xp.sum(w * w))
        if l1:
            total += l1 / n * float(xp.sum(xp.abs(w)))
    return total


def add_penalty_gradient(
    grad_w: list[Array],
    weights: list[Array],
    n: int,
    l2: float,
    l1: float,
    xp: Any,
    out: list[Array] | None = None,
) -> list[Array]:
    """Add the penalty's gradient (λ₂/n) w + (λ₁/n) sgn(w) to each ∂C/∂w^l, in place.

    ``n`` is the number of training samples (not the mini-batch size), as in the classic form.
    Returns the terms added, one array per layer (the regulariser's own line of the update),
    written into ``out`` (arrays shaped like the weights, which the training loop reuses from
    step to step) where given: the L2 term then allocates nothing, and sgn(w) of the L1 term
    is its one temporary.
    """
    ops = ops_for(xp)
    terms = []
    for i, (g, w) in enumerate(zip(grad_w, weights)):
        term = None
        if l2:
            term = ops.multiply(w, ops.scalar(l2 / n, w.dtype), out=None if out is None else out[i])
            g += term
        if l1:
            t1 = xp.sign(w)
            t1 *= ops.scalar(l1 / n, w.dtype)
            g += t1
            if term is None:
                term = t1
            else:
                term += t1
        terms.append(term)
    return terms


def dropout_masks(
    m: int, sizes: tuple[int, ...], p: float, rng: np.random.Generator, dtype: str
) -> list[np.ndarray]:
    """Inverted-dropout masks r^l for the hidden layers l = 2 … L−1 of a mini-batch of m rows.

    Each mask is a NumPy array of shape (m, n_l); an entry is 0 (neuron dropped, probability
    ``p``) or 1/(1 − p) (kept). Drawn by NumPy's generator ``rng`` on the host, like the
    shuffling, so every array library sees the same masks; the caller moves them to its own.
    """
    keep = 1.0 - p
    masks = []
    for n_l in sizes[1:-1]:
        kept = rng.random((m, n_l), dtype=np.float32) < keep  # (m, n_l): True where kept
        r = kept.astype(dtype)
        r *= 1.0 / keep
        masks.append(r)
    return masks
