"""The forward pass (eq. 25) and backpropagation (BP1–BP4), matrix-based over a mini-batch.

Layers are numbered l = 1 … L, layer 1 being the input. The lists ``weights``, ``biases``
and ``sigmas`` (the σ objects) hold one entry per layer l = 2 … L, so ``weights[i]`` is
w^(i+2), of shape (n_l, n_{l-1}). Arrays of samples are batch-first: row x of ``a`` is
sample x's a^l, so the per-sample equations (``docs/notation.md``) become, for a mini-batch
of m rows,

    z^l  = a^(l-1) (w^l)ᵀ + b^l                   eq. 25, one matrix product per layer
    a^l  = σ(z^l)
    δ^L  = ∇_a C ⊙ σ'(z^L)                        BP1 (written by each cost: cost.delta)
    δ^l  = (δ^(l+1) w^(l+1)) ⊙ σ'(z^l)            BP2, one matrix product per layer
    ∂C/∂b^l = (1/m) Σ_x δ^(x,l)                   BP3, the mean of the rows of δ^l
    ∂C/∂w^l = (1/m) (δ^l)ᵀ a^(l-1)                BP4, one matrix product per layer

where C is the mean of the per-sample costs over the m rows. Row x of δ^l is the δ^l of
sample x exactly as the per-sample definition has it; the 1/m of the mean enters only in BP3
and BP4. These equations, written plainly with no workspaces, are
:func:`deltaprop.core.reference.reference_backprop`: the mathematics this module optimises
(the tests check that the two agree).

Dropout (optional, training only): ``forward`` and ``backward`` take ``masks``, one (m, n_l)
array r^l per hidden layer with entries 0 (dropped) or 1/(1 − p) (kept). Layer l+1 then sees
a^l ⊙ r^l in eq. 25 and BP4, and BP2 gains the same factor: δ^l = (δ^(l+1) w^(l+1)) ⊙ σ'(z^l)
⊙ r^l. Without masks (``None``, the default) nothing changes and nothing extra is computed.

Every function takes the array namespace ``xp`` and uses only Array API operations, so the
same code runs on NumPy, CuPy, PyTorch and any library that follows the standard. ``forward``
and ``backward`` write into a :class:`~deltaprop.core.workspace.Workspace` (the training loop
keeps one per mini-batch size; ``deltaprop.core.ops`` is the one escape hatch from the standard
that makes writing into arrays possible); :func:`backprop` and :func:`mean_cost` make their
own for a one-off call.
"""

from __future__ import annotations

from typing import Any

from .activations import Activation, Array
from .costs import Cost
from .workspace import Workspace


def feedforward(
    weights: list[Array], biases: list[Array], sigmas: list[Activation], x: Array, xp: Any
) -> Array:
    """a^L for every row of ``x``, by eq. 25 layer by layer, keeping nothing else.

    Parameters
    ----------
    weights : list of arrays
        w^l for l = 2 … L, shape (n_l, n_{l-1}).
    biases : list of arrays
        b^l for l = 2 … L, shape (n_l,).
    sigmas : list of Activation
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
    return output(weights, biases, sigmas, x, xp)[1]


def output(
    weights: list[Array], biases: list[Array], sigmas: list[Activation], x: Array, xp: Any
) -> tuple[Array, Array]:
    """z^L and a^L for every row of ``x`` (the cost needs both), keeping nothing else; the
    parameters as in :func:`feedforward`."""
    z, a = x, x
    for w, b, sigma in zip(weights, biases, sigmas):
        z = a @ w.T + b  # eq. 25
        a = sigma(z, xp)
    return z, a


def forward(
    weights: list[Array],
    biases: list[Array],
    sigmas: list[Activation],
    x: Array,
    xp: Any,
    ws: Workspace | None = None,
    *,
    masks: list[Array] | None = None,
) -> tuple[list[Array], list[Array]]:
    """The forward pass (eq. 25), keeping z^l and a^l in ``ws`` for the backward pass.

    Parameters
    ----------
    weights, biases : lists of arrays
        w^l of shape (n_l, n_{l-1}) and b^l of shape (n_l,), for l = 2 … L.
    sigmas : list of Activation
        σ of each layer l = 2 … L.
    x : array of shape (m, n_1)
        The inputs a^1, one sample per row.
    xp : module
        The array namespace of the arrays (``numpy``, or any Array API namespace).
    ws : Workspace, optional
        For m rows: z^l and a^l are written into it (the training loop's); by default a new
        one (:meth:`Workspace.like`).
    masks : list of arrays, optional
        The dropout masks r^l of the hidden layers l = 2 … L−1, shape (m, n_l).

    Returns
    -------
    zs : list of arrays
        z^l for l = 2 … L, each of shape (m, n_l) (``ws.z``).
    activations : list of arrays
        a^l = σ(z^l) for l = 1 … L (a^1 = x), each of shape (m, n_l); one longer than ``zs``.
        With dropout these are before the masks: the next layer sees a^l ⊙ r^l.

    Examples
    --------
    >>> from deltaprop.core import get_activation, get_cost, init_parameters
    >>> weights, biases = init_parameters((4, 3, 2), "normal", np.random.default_rng(0))
    >>> sigmas = [get_activation("sigmoid")] * 2
    >>> x = np.random.default_rng(1).random((5, 4))       # 5 samples, shape (m, n_1)
    >>> y = np.eye(2)[[0, 1, 1, 0, 1]]                      # targets, shape (m, n_L)
    >>> zs, activations = forward(weights, biases, sigmas, x, np)
    >>> [z.shape for z in zs], [a.shape for a in activations]
    ([(5, 3), (5, 2)], [(5, 4), (5, 3), (5, 2)])
    """
    ws = ws or Workspace.like(weights, x, xp)
    ops, a = ws.ops, x
    for i, (w, b, sigma) in enumerate(zip(weights, biases, sigmas)):
        z = ws.z[i] = ops.matmul(a, w.T, out=ws.z[i])  # eq. 25: (m, n_{l-1}) @ (n_{l-1}, n_l) …
        z += b  # … + b^l, broadcast over the rows
        # a^l = σ(z^l), and σ'(z^l) for BP1/BP2 where σ shares its work with it (else None)
        a, ws.sigma_prime[i] = sigma.value_and_prime(z, xp, ws.a[i], ws.sigma_prime[i])
        ws.a[i] = a
        if masks is not None and i < len(masks):
            a = a * masks[i]  # dropout: layer l+1 sees a^l ⊙ r^l
    ws.primed = True
    return ws.z, [x, *ws.a]


def backward(
    weights: list[Array],
    sigmas: list[Activation],
    cost: Cost,
    zs: list[Array],
    activations: list[Array],
    y: Array,
    xp: Any,
    ws: Workspace | None = None,
    *,
    masks: list[Array] | None = None,
) -> tuple[list[Array], list[Array], list[Array], Array]:
    """BP1–BP4 over a mini-batch: the gradient of the mean cost C of its m rows.

    Parameters
    ----------
    weights : list of arrays
        w^l for l = 2 … L, shape (n_l, n_{l-1}).
    sigmas : list of Activation
        σ of each layer l = 2 … L.
    cost : Cost
        The per-sample cost; its ``delta`` is BP1.
    zs, activations : lists of arrays
        z^l of shape (m, n_l) for l = 2 … L, and a^l for l = 1 … L, from :func:`forward`.
    y : array of shape (m, n_L)
        The targets.
    xp : module
        The array namespace of the arrays (``numpy``, or any Array API namespace).
    ws : Workspace, optional
        Where δ^l and the gradients are written (the training loop's, the one :func:`forward`
        wrote into); by default a new one.
    masks : list of arrays, optional
        The dropout masks that :func:`forward` was given, if any (shape (m, n_l) each).

    Returns
    -------
    grad_w, grad_b : lists of arrays
        ∂C/∂w^l and ∂C/∂b^l for l = 2 … L, shaped like the weights and the biases.
    deltas : list of arrays
        δ^l for l = 2 … L, shape (m, n_l): row x is sample x's error δ^(x,l).
    total : 0-d array
        Σ_x C_x over the m rows, which BP1 computes on the way.

    Examples
    --------
    >>> from deltaprop.core import get_activation, get_cost, init_parameters
    >>> weights, biases = init_parameters((4, 3, 2), "normal", np.random.default_rng(0))
    >>> sigmas = [get_activation("sigmoid")] * 2
    >>> x = np.random.default_rng(1).random((5, 4))       # 5 samples, shape (m, n_1)
    >>> y = np.eye(2)[[0, 1, 1, 0, 1]]                      # targets, shape (m, n_L)
    >>> from deltaprop.core.workspace import Workspace
    >>> ws = Workspace((4, 3, 2), 5, np, x.dtype)                 # reused by every step
    >>> zs, activations = forward(weights, biases, sigmas, x, np, ws)
    >>> cost = get_cost("quadratic", sigmas[-1])
    >>> grad_w, grad_b, deltas, total = backward(weights, sigmas, cost, zs, activations, y, np, ws)
    >>> [g.shape for g in grad_w], [d.shape for d in deltas]
    ([(3, 4), (2, 3)], [(5, 3), (5, 2)])
    >>> np.allclose(grad_b[1], deltas[1].mean(axis=0))     # BP3
    True
    """
    ws = ws or Workspace.like(weights, activations[0], xp)
    ops, deltas = ws.ops, ws.delta
    last = len(weights) - 1  # layer L
    # σ'(z^l) as the forward pass kept it, if it was this workspace's (None: computed below)
    primes = ws.sigma_prime if ws.primed and zs is ws.z else [None] * len(weights)
    # BP1: δ^L = ∇_a C ⊙ σ'(z^L), written by the cost (cross-entropy cancels σ'(z^L))
    out, scratch = deltas[last], ws.scratch[last]
    delta, total = cost.delta_and_total(
        zs[last], activations[last + 1], y, sigmas[last], xp, out, scratch, primes[last]
    )
    for i in range(last, -1, -1):  # layer l = i + 2, from L down to 2
        deltas[i] = delta
        a_prev = activations[i] if masks is None or i == 0 else activations[i] * masks[i - 1]
        # the 1/m of the mean, applied once to the (m, n_l) δ^l rather than to both gradients
        delta_mean = ops.multiply(delta, ws.inv_m, out=ws.scratch[i])
        ws.grad_b[i] = ops.sum_rows(delta_mean, out=ws.grad_b[i])  # BP3
        ws.grad_w[i] = ops.matmul(delta_mean.T, a_prev, out=ws.grad_w[i])  # BP4
        if i > 0:  # δ^1 of the input layer is never needed
            grad_a = ops.matmul(delta, weights[i], out=deltas[i - 1])  # BP2: δ^(l+1) w^(l+1) …
            delta = sigmas[i - 1].backward(
                grad_a, zs[i - 1], activations[i], xp, ws.scratch[i - 1], primes[i - 1]
            )  # … ⊙ σ'(z^l)
            if masks is not None:
                delta = delta * masks[i - 1]  # dropout: dropped neurons pass no δ back
    return ws.grad_w, ws.grad_b, deltas, total


def backprop(
    weights: list[Array],
    biases: list[Array],
    sigmas: list[Activation],
    cost: Cost,
    x: Array,
    y: Array,
    xp: Any,
) -> tuple[list[Array], list[Array]]:
    """∂C/∂w^l and ∂C/∂b^l of the mean cost over the rows of ``x``: forward, then BP1–BP4.

    Parameters
    ----------
    weights, biases : lists of arrays
        w^l of shape (n_l, n_{l-1}) and b^l of shape (n_l,), for l = 2 … L.
    sigmas : list of Activation
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
    grad_w : list of arrays
        ∂C/∂w^l, shaped like ``weights``.
    grad_b : list of arrays
        ∂C/∂b^l, shaped like ``biases``.

    Examples
    --------
    >>> from deltaprop.core import get_activation, get_cost, init_parameters
    >>> weights, biases = init_parameters((4, 3, 2), "normal", np.random.default_rng(0))
    >>> sigmas = [get_activation("sigmoid")] * 2
    >>> x = np.random.default_rng(1).random((5, 4))       # 5 samples, shape (m, n_1)
    >>> y = np.eye(2)[[0, 1, 1, 0, 1]]                      # targets, shape (m, n_L)
    >>> grad_w, grad_b = backprop(weights, biases, sigmas, get_cost("quadratic", sigmas[-1]),
    ...                           x, y, np)
    >>> [g.shape for g in grad_w], [g.shape for g in grad_b]
    ([(3, 4), (2, 3)], [(3,), (2,)])
    """
    ws = Workspace.like(weights, x, xp)
    zs, activations = forward(weights, biases, sigmas, x, xp, ws)
    grad_w, grad_b, _, _ = backward(weights, sigmas, cost, zs, activations, y, xp, ws)
    return grad_w, grad_b


def mean_cost(
    weights: list[Array],
    biases: list[Array],
    sigmas: list[Activation],
    cost: Cost,
    x: Array,
    y: Array,
    xp: Any,
) -> Array:
    """C = (1/n) Σ_x C_x over the rows of ``x``, as a 0-d array.

    Parameters
    ----------
    weights, biases : lists of arrays
        w^l of shape (n_l, n_{l-1}) and b^l of shape (n_l,), for l = 2 … L.
    sigmas : list of Activation
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
    zs, activations = forward(weights, biases, sigmas, x, xp)
    return xp.mean(cost.value(zs[-1], activations[-1], y, xp))
