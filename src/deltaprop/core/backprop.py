"""The forward pass (eq. 25) and backpropagation (BP1–BP4), matrix-based over a mini-batch.

Layers are numbered l = 1 … L, layer 1 being the input. The lists ``weights``, ``biases`` and
``activations`` hold one entry per layer l = 2 … L, so ``weights[i]`` is w^(i+2), of shape
(n_l, n_{l-1}). Arrays of samples are batch-first: row x of ``a`` is sample x's a^l, so the
per-sample equations of docs/notation.md become, for a mini-batch of m rows,

    z^l  = a^(l-1) (w^l)ᵀ + b^l                   eq. 25, one matrix product per layer
    a^l  = σ(z^l)
    δ^L  = ∇_a C ⊙ σ'(z^L)                        BP1 (written by each cost: cost.delta)
    δ^l  = (δ^(l+1) w^(l+1)) ⊙ σ'(z^l)            BP2, one matrix product per layer
    ∂C/∂b^l = (1/m) Σ_x δ^(x,l)                   BP3, the mean of the rows of δ^l
    ∂C/∂w^l = (1/m) (δ^l)ᵀ a^(l-1)                BP4, one matrix product per layer

where C is the mean of the per-sample costs over the m rows. Row x of δ^l is the δ^l of
sample x exactly as docs/notation.md defines it; the 1/m of the mean enters only in BP3 and BP4.

Dropout (optional, training only): ``forward`` and ``backward`` take ``masks``, one (m, n_l)
array r^l per hidden layer with entries 0 (dropped) or 1/(1 − p) (kept). Layer l+1 then sees
a^l ⊙ r^l in eq. 25 and BP4, and BP2 gains the same factor: δ^l = (δ^(l+1) w^(l+1)) ⊙ σ'(z^l)
⊙ r^l. Without masks (``None``, the default) nothing changes and nothing extra is computed.

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
    """a^L for every row of ``x``, by eq. 25 layer by layer, keeping nothing else.

    Parameters
    ----------
    weights : list of arrays
        w^l for l = 2 … L, shape (n_l, n_{l-1}).
    biases : list of arrays
        b^l for l = 2 … L, shape (n_l,).
    activations : list of Activation
        σ of each layer l = 2 … L.
    x : array of shape (n, n_1)
        The inputs a^1, one sample per row.
    xp : module
        The array namespace of the arrays (``numpy``, or any Array API namespace).

    Returns
    -------
    array of shape (n, n_L)

    Examples
    --------
    >>> from deltaprop.core import get_activation, get_cost, init_parameters
    >>> weights, biases = init_parameters((4, 3, 2), "normal", np.random.default_rng(0))
    >>> sigmas = [get_activation("sigmoid")] * 2
    >>> x = np.random.default_rng(1).random((5, 4))       # 5 samples, shape (m, n_1)
    >>> y = np.eye(2)[[0, 1, 1, 0, 1]]                      # targets, shape (m, n_L)
    >>> feedforward(weights, biases, sigmas, x, np).shape
    (5, 2)
    """
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
    *,
    masks: list[Array] | None = None,
) -> tuple[list[Array], list[Array]]:
    """The forward pass, keeping what the backward pass needs.

    Parameters
    ----------
    weights : list of arrays
        w^l for l = 2 … L, shape (n_l, n_{l-1}).
    biases : list of arrays
        b^l for l = 2 … L, shape (n_l,).
    activations : list of Activation
        σ of each layer l = 2 … L.
    x : array of shape (m, n_1)
        The inputs a^1, one sample per row.
    xp : module
        The array namespace of the arrays (``numpy``, or any Array API namespace).
    workspace : Workspace, optional
        Preallocated arrays to write z^l and a^l into (the training loop's); None allocates.
    masks : list of arrays, optional
        The dropout masks r^l of the hidden layers l = 2 … L−1, shape (m, n_l).

    Returns
    -------
    zs : list of arrays
        z^l for l = 2 … L, each of shape (m, n_l).
    activations_out : list of arrays
        a^l = σ(z^l) for l = 1 … L (a^1 = x), each of shape (m, n_l); one longer than ``zs``.
        With dropout these are before the masks: the next layer sees a^l ⊙ r^l.

    Examples
    --------
    >>> from deltaprop.core import get_activation, get_cost, init_parameters
    >>> weights, biases = init_parameters((4, 3, 2), "normal", np.random.default_rng(0))
    >>> sigmas = [get_activation("sigmoid")] * 2
    >>> x = np.random.default_rng(1).random((5, 4))       # 5 samples, shape (m, n_1)
    >>> y = np.eye(2)[[0, 1, 1, 0, 1]]                      # targets, shape (m, n_L)
    >>> zs, a_list = forward(weights, biases, sigmas, x, np)
    >>> [z.shape for z in zs], [a.shape for a in a_list]
    ([(5, 3), (5, 2)], [(5, 4), (5, 3), (5, 2)])
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
        if masks is not None and i < len(masks):
            a = a * masks[i]  # dropout: layer l+1 sees a^l ⊙ r^l
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
    *,
    masks: list[Array] | None = None,
) -> tuple[list[Array], list[Array], list[Array]]:
    """BP1–BP4 over a mini-batch: the gradient of the mean cost of its m rows.

    Parameters
    ----------
    weights : list of arrays
        w^l for l = 2 … L, shape (n_l, n_{l-1}).
    activations : list of Activation
        σ of each layer l = 2 … L.
    cost : Cost
        The per-sample cost; its ``delta`` is BP1.
    zs, a_list : lists of arrays
        z^l of shape (m, n_l) for l = 2 … L, and a^l for l = 1 … L, from :func:`forward`.
    y : array of shape (m, n_L)
        The targets.
    xp : module
        The array namespace of the arrays (``numpy``, or any Array API namespace).
    workspace : Workspace, optional
        Preallocated arrays for δ^l (the training loop's); None allocates.
    nabla_w, nabla_b : lists of arrays, optional
        Arrays shaped like the weights and biases to write the gradients into.
    masks : list of arrays, optional
        The dropout masks that :func:`forward` was given, if any (shape (m, n_l) each).

    Returns
    -------
    nabla_w, nabla_b : lists of arrays
        ∂C/∂w^l and ∂C/∂b^l for l = 2 … L, shaped like ``weights`` and the biases.
    deltas : list of arrays
        δ^l for l = 2 … L, shape (m, n_l): row x is sample x's error δ^(x,l).

    Examples
    --------
    >>> from deltaprop.core import get_activation, get_cost, init_parameters
    >>> weights, biases = init_parameters((4, 3, 2), "normal", np.random.default_rng(0))
    >>> sigmas = [get_activation("sigmoid")] * 2
    >>> x = np.random.default_rng(1).random((5, 4))       # 5 samples, shape (m, n_1)
    >>> y = np.eye(2)[[0, 1, 1, 0, 1]]                      # targets, shape (m, n_L)
    >>> zs, a_list = forward(weights, biases, sigmas, x, np)
    >>> cost = get_cost("quadratic", sigmas[-1])
    >>> nabla_w, nabla_b, deltas = backward(weights, sigmas, cost, zs, a_list, y, np)
    >>> [g.shape for g in nabla_w], [d.shape for d in deltas]
    ([(3, 4), (2, 3)], [(5, 3), (5, 2)])
    >>> np.allclose(nabla_b[1], deltas[1].mean(axis=0))    # BP3
    True
    """
    grads_w, grads_b, deltas, _ = backward_with_cost(
        weights, activations, cost, zs, a_list, y, xp, workspace, nabla_w, nabla_b, masks=masks
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
    *,
    masks: list[Array] | None = None,
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
        a_prev = a_list[i]
        if masks is not None and i > 0:
            a_prev = a_prev * masks[i - 1]  # dropout: layer l saw a^(l-1) ⊙ r^(l-1)
        grads_b[i] = ops.sum_rows(delta_mean, out=out_b[i])  # BP3
        grads_w[i] = ops.matmul(delta_mean.T, a_prev, out=out_w[i])  # BP4: (n_l, m) @ (m, ·)
        if i > 0:  # δ^1 of the input layer is never needed
            # BP2: (δ^(l+1) w^(l+1)), (m, n_l) @ (n_l, n_{l-1}), then ⊙ σ'(z^l)
            grad_a = ops.matmul(delta, weights[i], out=ws.delta[i - 1])
            delta = activations[i - 1].backward(
                grad_a, zs[i - 1], a_list[i], xp, scratch=ws.scratch[i - 1]
            )
            if masks is not None:
                delta = delta * masks[i - 1]  # dropout: BP2 ⊙ r^(l-1); dropped neurons get δ = 0
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
    """∂C/∂w^l and ∂C/∂b^l of the mean cost over the rows of ``x``: forward, then BP1–BP4.

    Parameters
    ----------
    weights : list of arrays
        w^l for l = 2 … L, shape (n_l, n_{l-1}).
    biases : list of arrays
        b^l for l = 2 … L, shape (n_l,).
    activations : list of Activation
        σ of each layer l = 2 … L.
    cost : Cost
        The per-sample cost.
    x : array of shape (m, n_1)
        The inputs, one sample per row.
    y : array of shape (m, n_L)
        The targets.
    xp : module
        The array namespace of the arrays (``numpy``, or any Array API namespace).

    Returns
    -------
    nabla_w : list of arrays
        ∂C/∂w^l, shaped like ``weights``.
    nabla_b : list of arrays
        ∂C/∂b^l, shaped like ``biases``.

    Examples
    --------
    >>> from deltaprop.core import get_activation, get_cost, init_parameters
    >>> weights, biases = init_parameters((4, 3, 2), "normal", np.random.default_rng(0))
    >>> sigmas = [get_activation("sigmoid")] * 2
    >>> x = np.random.default_rng(1).random((5, 4))       # 5 samples, shape (m, n_1)
    >>> y = np.eye(2)[[0, 1, 1, 0, 1]]                      # targets, shape (m, n_L)
    >>> nabla_w, nabla_b = backprop(weights, biases, sigmas, get_cost("quadratic", sigmas[-1]),
    ...                             x, y, np)
    >>> [g.shape for g in nabla_w], [g.shape for g in nabla_b]
    ([(3, 4), (2, 3)], [(3,), (2,)])
    """
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
    """C = (1/n) Σ_x C_x over the rows of ``x``, as a 0-d array.

    Parameters
    ----------
    weights : list of arrays
        w^l for l = 2 … L, shape (n_l, n_{l-1}).
    biases : list of arrays
        b^l for l = 2 … L, shape (n_l,).
    activations : list of Activation
        σ of each layer l = 2 … L.
    cost : Cost
        The per-sample cost.
    x : array of shape (n, n_1)
        The inputs, one sample per row.
    y : array of shape (n, n_L)
        The targets.
    xp : module
        The array namespace of the arrays (``numpy``, or any Array API namespace).

    Returns
    -------
    0-d array

    Examples
    --------
    >>> from deltaprop.core import get_activation, get_cost, init_parameters
    >>> weights, biases = init_parameters((4, 3, 2), "normal", np.random.default_rng(0))
    >>> sigmas = [get_activation("sigmoid")] * 2
    >>> x = np.random.default_rng(1).random((5, 4))       # 5 samples, shape (m, n_1)
    >>> y = np.eye(2)[[0, 1, 1, 0, 1]]                      # targets, shape (m, n_L)
    >>> C = mean_cost(weights, biases, sigmas, get_cost("quadratic", sigmas[-1]), x, y, np)
    >>> C.shape, bool(C > 0)
    ((), True)
    """
    zs, a_list = forward(weights, biases, activations, x, xp)
    return xp.mean(cost.value(zs[len(zs) - 1], a_list[len(zs)], y, xp))
