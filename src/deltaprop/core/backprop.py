"""The forward pass (eq. 25) and backpropagation (BP1–BP4), matrix-based over a mini-batch.

Layers are numbered l = 1 … L, layer 1 being the input. The lists ``weights``, ``biases`` and
``activations`` hold one entry per layer l = 2 … L, so ``weights[i]`` is w^(i+2), of shape
(n_l, n_{l-1}). Arrays of samples are batch-first: row x of ``a`` is sample x's a^l, so the
per-sample equations of SPEC.md become, for a mini-batch of m rows,

    z^l  = a^(l-1) (w^l)ᵀ + b^l                   eq. 25, one matrix product per layer
    a^l  = σ(z^l)
    δ^L  = ∇_a C ⊙ σ'(z^L)                        BP1 (written by each cost: cost.delta)
    δ^l  = (δ^(l+1) w^(l+1)) ⊙ σ'(z^l)            BP2, one matrix product per layer
    ∂C/∂b^l = (1/m) Σ_x δ^(x,l)                   BP3, the mean of the rows of δ^l
    ∂C/∂w^l = (1/m) (δ^l)ᵀ a^(l-1)                BP4, one matrix product per layer

where C is the mean of the per-sample costs over the m rows. Row x of δ^l is the δ^l of
sample x exactly as SPEC.md defines it; the 1/m of the mean enters only in BP3 and BP4.

Every function takes the array namespace ``xp`` and uses only Array API operations, so the
same code runs on NumPy, CuPy, PyTorch and any library that follows the standard. The training
loop also passes a :class:`~deltaprop.core.workspace.Workspace` and gradient arrays for the
results to be written into (``deltaprop.core.ops`` is that one escape hatch); without them,
every function returns new arrays.
"""

from __future__ import annotations

from typing import Any

from .activations import Activation, Array
from .costs import Cost
from .ops import ops_for
from .workspace import UNBUFFERED, Workspace


def feedforward(
    weights: list[Array], biases: list[Array], activations: list[Activation], x: Array, xp: Any
) -> Array:
    """a^L for every row of ``x`` (shape (n, n_1) → (n, n_L)), keeping nothing else."""
    a = x
    for w, b, sigma in zip(weights, biases, activations):
        a = sigma(a @ w.T + b, xp)  # eq. 25
    return a


def forward(
    weights: list[Array],
    biases: list[Array],
    activations: list[Activation],
    x: Array,
    xp: Any,
    workspace: Workspace | None = None,
) -> tuple[list[Array], list[Array]]:
    """The forward pass, keeping what the backward pass needs.

    Returns
    -------
    zs : list of arrays
        z^l for l = 2 … L, each of shape (m, n_l).
    activations_out : list of arrays
        a^l for l = 1 … L (a^1 = x), each of shape (m, n_l); one longer than ``zs``.
    """
    ws = workspace or UNBUFFERED
    matmul = (workspace.ops if workspace is not None else ops_for(xp)).matmul
    zs: list[Array] = []
    a_list: list[Array] = [x]
    a = x
    for i, (w, b, sigma) in enumerate(zip(weights, biases, activations)):
        z = matmul(a, w.T, out=ws.z[i])  # eq. 25: (m, n_{l-1}) @ (n_{l-1}, n_l) …
        z += b  # … + b^l, broadcast over the rows
        a = sigma(z, xp, out=ws.a[i])
        zs.append(z)
        a_list.append(a)
    return zs, a_list


def backward(
    weights: list[Array],
    activations: list[Activation],
    cost: Cost,
    zs: list[Array],
    a_list: list[Array],
    y: Array,
    xp: Any,
    workspace: Workspace | None = None,
    nabla_w: list[Array] | None = None,
    nabla_b: list[Array] | None = None,
) -> tuple[list[Array], list[Array], list[Array]]:
    """BP1–BP4 over a mini-batch: the gradient of the mean cost of its m rows.

    ``zs`` and ``a_list`` come from :func:`forward`; ``y`` holds the targets, shape (m, n_L).
    ``nabla_w`` and ``nabla_b``, when given, are arrays the gradients are written into.

    Returns
    -------
    nabla_w, nabla_b : lists of arrays
        ∂C/∂w^l and ∂C/∂b^l for l = 2 … L, shaped like ``weights`` and the biases.
    deltas : list of arrays
        δ^l for l = 2 … L, shape (m, n_l): row x is sample x's error δ^(x,l).
    """
    grads_w, grads_b, deltas, _ = backward_with_cost(
        weights, activations, cost, zs, a_list, y, xp, workspace, nabla_w, nabla_b
    )
    return grads_w, grads_b, deltas


def backward_with_cost(
    weights: list[Array],
    activations: list[Activation],
    cost: Cost,
    zs: list[Array],
    a_list: list[Array],
    y: Array,
    xp: Any,
    workspace: Workspace | None = None,
    nabla_w: list[Array] | None = None,
    nabla_b: list[Array] | None = None,
) -> tuple[list[Array], list[Array], list[Array], Array]:
    """:func:`backward`, also returning Σ_x C_x over the m rows (a 0-d array), which BP1
    computes on the way for the quadratic cost."""
    ops = workspace.ops if workspace is not None else ops_for(xp)
    ws = workspace or UNBUFFERED
    n_layers = len(weights)  # L − 1 layers of weights
    m = y.shape[0]
    inv_m = workspace.inv_m if workspace is not None else 1.0 / m
    out_w = nabla_w if nabla_w is not None else UNBUFFERED.z
    out_b = nabla_b if nabla_b is not None else UNBUFFERED.z
    grads_w: list[Array] = [None] * n_layers
    grads_b: list[Array] = [None] * n_layers
    deltas: list[Array] = [None] * n_layers

    # BP1: the output error δ^L, written by the cost (cross-entropy cancels σ'(z^L)).
    last = n_layers - 1
    delta, total = cost.delta_and_total(
        zs[last], a_list[n_layers], y, activations[last], xp,
        out=ws.delta[last], scratch=ws.scratch[last],
    )  # fmt: skip
    for i in range(n_layers - 1, -1, -1):  # layer l = i + 2, from L down to 2
        deltas[i] = delta
        # The 1/m of the mean, applied once to the (m, n_l) array δ^l rather than to both
        # gradients (∂C/∂w^l is n_l × n_{l-1}, much larger for a small mini-batch).
        delta_mean = ops.multiply(delta, inv_m, out=ws.scratch[i])
        grads_b[i] = ops.sum_rows(delta_mean, out=out_b[i])  # BP3
        grads_w[i] = ops.matmul(delta_mean.T, a_list[i], out=out_w[i])  # BP4: (n_l, m) @ (m, ·)
        if i > 0:  # δ^1 of the input layer is never needed
            # BP2: (δ^(l+1) w^(l+1)), (m, n_l) @ (n_l, n_{l-1}), then ⊙ σ'(z^l)
            grad_a = ops.matmul(delta, weights[i], out=ws.delta[i - 1])
            delta = activations[i - 1].backward(
                grad_a, zs[i - 1], a_list[i], xp, scratch=ws.scratch[i - 1]
            )
    return grads_w, grads_b, deltas, total


def backprop(
    weights: list[Array],
    biases: list[Array],
    activations: list[Activation],
    cost: Cost,
    x: Array,
    y: Array,
    xp: Any,
) -> tuple[list[Array], list[Array]]:
    """∂C/∂w^l and ∂C/∂b^l of the mean cost over the rows of ``x``: forward, then BP1–BP4."""
    zs, a_list = forward(weights, biases, activations, x, xp)
    nabla_w, nabla_b, _ = backward(weights, activations, cost, zs, a_list, y, xp)
    return nabla_w, nabla_b


def mean_cost(
    weights: list[Array],
    biases: list[Array],
    activations: list[Activation],
    cost: Cost,
    x: Array,
    y: Array,
    xp: Any,
) -> Array:
    """C = (1/n) Σ_x C_x over the rows of ``x``, as a 0-d array."""
    zs, a_list = forward(weights, biases, activations, x, xp)
    return xp.mean(cost.value(zs[len(zs) - 1], a_list[len(zs)], y, xp))
