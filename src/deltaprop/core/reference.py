"""The mathematics, as the textbook writes it: eq. 25 and BP1–BP4 over a mini-batch, with no
buffers and no fast paths.

:func:`reference_backprop` is what :mod:`deltaprop.core.backprop` computes, stated once in a
few lines, each tagged with its equation: the fast path writes the same numbers into reused
workspaces (``Workspace``) and scales δ by 1/m once instead of in both gradients; the tests
check that the two agree (``tests/core/test_reference.py``). Read this first; read
``backprop.py`` for how the same equations run fast. The notation is ``docs/notation.md``'s:
rows of ``x`` are samples, ``weights[i]`` is w^(i+2) of shape (n_l, n_{l-1}).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .activations import Activation, Array
from .costs import Cost

__all__ = ["reference_backprop"]


def reference_backprop(
    weights: list[Array],
    biases: list[Array],
    sigmas: list[Activation],
    cost: Cost,
    x: Array,
    y: Array,
    xp: Any = np,
    masks: list[Array] | None = None,
) -> tuple[list[Array], list[Array]]:
    """∂C/∂w^l and ∂C/∂b^l of the mean cost C of the m rows of ``x``: eq. 25, then BP1–BP4.

    Parameters
    ----------
    weights, biases : lists of arrays
        w^l of shape (n_l, n_{l-1}) and b^l of shape (n_l,), for l = 2 … L.
    sigmas : list of Activation
        σ of each layer l = 2 … L.
    cost : Cost
        The per-sample cost; its ``delta`` is BP1.
    x : array of shape (m, n_1)
        The inputs a^1, one sample per row.
    y : array of shape (m, n_L)
        The targets.
    xp : module, default numpy
        The array namespace of the arrays.
    masks : list of arrays, optional
        Dropout masks r^l of shape (m, n_l) for the hidden layers: layer l + 1 sees a^l ⊙ r^l,
        and BP2 gains the factor r^l.

    Returns
    -------
    grad_w, grad_b : lists of arrays
        ∂C/∂w^l and ∂C/∂b^l, shaped like ``weights`` and ``biases``.

    Examples
    --------
    >>> from deltaprop.core import backprop, get_activation, get_cost, init_parameters
    >>> weights, biases = init_parameters((4, 3, 2), "normal", np.random.default_rng(0))
    >>> sigmas = [get_activation("sigmoid")] * 2
    >>> cost = get_cost("quadratic", sigmas[-1])
    >>> x = np.random.default_rng(1).random((5, 4))       # 5 samples, shape (m, n_1)
    >>> y = np.eye(2)[[0, 1, 1, 0, 1]]                      # targets, shape (m, n_L)
    >>> grad_w, grad_b = reference_backprop(weights, biases, sigmas, cost, x, y)
    >>> fast_w, fast_b = backprop(weights, biases, sigmas, cost, x, y, np)
    >>> all(np.allclose(g, f, rtol=1e-12) for g, f in zip(grad_w + grad_b, fast_w + fast_b))
    True
    """
    zs: list[Array] = []
    activations, a = [x], x
    for i, (w, b, sigma) in enumerate(zip(weights, biases, sigmas)):
        z = a @ w.T + b  # eq. 25: z^l = a^(l-1) (w^l)ᵀ + b^l, one row per sample
        a = sigma(z, xp)  # a^l = σ(z^l)
        zs.append(z)
        activations.append(a)
        if masks is not None and i < len(masks):
            a = a * masks[i]  # dropout: layer l + 1 sees a^l ⊙ r^l
    last, m = len(weights) - 1, x.shape[0]  # layer L; the rows of the mini-batch
    delta = cost.delta(zs[last], activations[last + 1], y, sigmas[last], xp)  # BP1
    grad_w: list[Any] = [None] * len(weights)  # filled from layer L down
    grad_b: list[Any] = [None] * len(weights)
    for i in range(last, -1, -1):  # layer l = i + 2, from L down to 2
        a_prev = activations[i] if masks is None or i == 0 else activations[i] * masks[i - 1]
        grad_b[i] = xp.sum(delta, axis=0) / m  # BP3: the mean of the rows of δ^l
        grad_w[i] = delta.T @ a_prev / m  # BP4: (1/m) (δ^l)ᵀ a^(l-1)
        if i > 0:  # BP2: δ^(l-1) = (δ^l w^l) ⊙ σ'(z^(l-1)) (⊙ r^(l-1) with dropout)
            delta = (delta @ weights[i]) * sigmas[i - 1].prime(zs[i - 1], activations[i], xp)
            if masks is not None:
                delta = delta * masks[i - 1]
    return grad_w, grad_b
