"""One training step written out in JAX, for the compiled epoch (``training.compiled``).

The same mathematics as ``deltaprop.core.backprop`` and the optimisers, written for
``jax.numpy`` so that XLA can compile a whole epoch of steps into one program: the forward
pass (eq. 25), BP1 from the cost, BP2 down the layers, BP3 and BP4, the L2/L1 term, and the
update. Nothing here is differentiated automatically: each line is the equation it is tagged
with, and the formulas (σ and σ' from one exponential, the 1/m applied to δ once, each
optimiser's update in the order ``training.optimizers`` applies it) are NumPy's, so the two
paths agree to rounding. Batch-first, as everywhere: for a mini-batch of m rows,

    z^l = a^(l-1) (w^l)ᵀ + b^l,  a^l = σ(z^l)                    eq. 25
    δ^L = ∇_a C ⊙ σ'(z^L)                                        BP1
    δ^l = (δ^(l+1) w^(l+1)) ⊙ σ'(z^l)                            BP2
    ∂C/∂b^l = (1/m) Σ_x δ^(x,l),  ∂C/∂w^l = (1/m) (δ^l)ᵀ a^(l-1)   BP3, BP4

``params`` is the list [w^2 … w^L, b^2 … b^L] (the trainer's order) and ``state`` the
optimiser's arrays (``velocity``, or Adam's ``m`` and ``v``), lists shaped like ``params``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp

Array = Any  # a JAX array

# Full float32 (or float64) products: XLA would otherwise use TF32 on recent GPUs.
_HIGHEST = jax.lax.Precision.HIGHEST


@dataclass(frozen=True)
class StepSpec:
    """What the compiled step is specialised for: names and numbers, hashable, so that JAX
    compiles one program per network and configuration and reuses it.

    Attributes
    ----------
    sigmas : tuple of str
        σ of each layer l = 2 … L, by name.
    cost : str
        "quadratic", "cross-entropy" or "log-likelihood".
    optimizer : str
        "sgd", "momentum", "nesterov" or "adam", with its hyper-parameters below.
    momentum, beta1, beta2, epsilon : float
    l2, l1 : float
        The penalties' λ; ``n`` is the training-set size they divide by.
    n : int
    dropout : float
        p; masks are given to each step when it is above 0.

    Examples
    --------
    >>> spec = StepSpec(("sigmoid", "sigmoid"), "quadratic", "sgd")
    >>> spec.n_layers, spec.keep
    (2, 1.0)
    """

    sigmas: tuple[str, ...]
    cost: str
    optimizer: str
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8
    l2: float = 0.0
    l1: float = 0.0
    n: int = 1
    dropout: float = 0.0

    @property
    def n_layers(self) -> int:
        """L − 1: the layers with parameters."""
        return len(self.sigmas)

    @property
    def keep(self) -> float:
        """1 − p, the chance that dropout keeps a hidden neuron."""
        return 1.0 - self.dropout


def sigma_and_prime(name: str, z: Array) -> tuple[Array, Array | None]:
    """a = σ(z) and σ'(z) (None where the backward pass needs nothing kept)."""
    if name == "sigmoid":  # σ = 1/(1 + e^−z), σ' = σ(z)/(1 + e^z), as deltaprop.core.ops
        e = jnp.exp(z)
        a = 1 / (1 / e + 1)
        return a, a / (e + 1)
    if name == "tanh":  # tanh' = 4e/(1 + e)² with e = e^(−2|z|)
        e = jnp.exp(-2 * jnp.abs(z))
        d = 2 / (e + 1)
        return jnp.tanh(z), e * d * d
    if name == "relu":
        return jnp.maximum(z, 0), None
    if name == "identity":
        return z, None
    if name == "softmax":
        e = jnp.exp(z - jnp.max(z, axis=1, keepdims=True))
        return e / jnp.sum(e, axis=1, keepdims=True), None
    raise ValueError(f"unknown activation {name!r}")


def times_sigma_prime(
    name: str, grad_a: Array, z: Array, a: Array, sigma_prime: Array | None
) -> Array:
    """grad_a ⊙ σ'(z) (for softmax, its Jacobian applied to grad_a)."""
    if sigma_prime is not None:
        return grad_a * sigma_prime
    if name == "relu":
        return jnp.where(z > 0, grad_a, 0)
    if name == "softmax":
        return a * (grad_a - jnp.sum(grad_a * a, axis=1, keepdims=True))
    return grad_a  # identity


def output_error(
    spec: StepSpec, z: Array, a: Array, sigma_prime: Array | None, y: Array
) -> tuple[Array, Array]:
    """BP1, δ^L, and Σ_x C_x over the rows (deltaprop.core.costs, cost by cost)."""
    if spec.cost == "quadratic":
        grad_a = a - y  # ∇_a C
        total = 0.5 * jnp.vdot(grad_a, grad_a)
        return times_sigma_prime(spec.sigmas[-1], grad_a, z, a, sigma_prime), total  # BP1
    if spec.cost == "cross-entropy":  # Σ softplus(z) − Σ y ⊙ z; σ'(z^L) cancels
        total = jnp.sum(jnp.logaddexp(0, z)) - jnp.vdot(y, z)
        return a - y, total  # BP1
    z_max = jnp.max(z, axis=1, keepdims=True)  # the log-likelihood, softmax outputs
    log_sum = z_max + jnp.log(jnp.sum(jnp.exp(z - z_max), axis=1, keepdims=True))
    return a - y, jnp.sum(jnp.sum(y * (log_sum - z), axis=1))  # BP1


def forward(
    spec: StepSpec, weights: list[Array], biases: list[Array], x: Array, masks: list | None
) -> tuple[list[Array], list[Array], list[Array | None]]:
    """z^l, a^l (from a^1 = x) and σ'(z^l) of each layer; masks r^l as in core.backprop."""
    zs, activations, primes = [], [x], []
    a = x
    for i, (w, b, name) in enumerate(zip(weights, biases, spec.sigmas)):
        z = jnp.matmul(a, w.T, precision=_HIGHEST) + b  # eq. 25
        a, sigma_prime = sigma_and_prime(name, z)
        zs.append(z)
        activations.append(a)
        primes.append(sigma_prime)
        if masks is not None and i < len(masks):
            a = a * masks[i]  # dropout: layer l+1 sees a^l ⊙ r^l
    return zs, activations, primes


def backward(
    spec: StepSpec,
    weights: list[Array],
    zs: list[Array],
    activations: list[Array],
    primes: list[Array | None],
    y: Array,
    masks: list | None,
) -> tuple[list[Array], list[Array], list[Array], Array]:
    """∂C/∂w^l, ∂C/∂b^l, δ^l and Σ_x C_x of the mean cost over the m rows: BP1–BP4."""
    last = spec.n_layers - 1
    delta, total = output_error(spec, zs[last], activations[last + 1], primes[last], y)  # BP1
    inv_m = jnp.asarray(1.0 / max(y.shape[0], 1), dtype=y.dtype)
    grad_w: list[Array] = [None] * (last + 1)
    grad_b: list[Array] = [None] * (last + 1)
    deltas: list[Array] = [None] * (last + 1)
    for i in range(last, -1, -1):  # layer l = i + 2, from L down to 2
        deltas[i] = delta
        a_prev = activations[i] if masks is None or i == 0 else activations[i] * masks[i - 1]
        delta_mean = delta * inv_m  # the 1/m of the mean, once
        grad_b[i] = jnp.sum(delta_mean, axis=0)  # BP3
        grad_w[i] = jnp.matmul(delta_mean.T, a_prev, precision=_HIGHEST)  # BP4
        if i > 0:
            grad_a = jnp.matmul(delta, weights[i], precision=_HIGHEST)  # BP2: δ^(l+1) w^(l+1) …
            name = spec.sigmas[i - 1]
            delta = times_sigma_prime(name, grad_a, zs[i - 1], activations[i], primes[i - 1])
            if masks is not None:
                delta = delta * masks[i - 1]  # dropout: dropped neurons pass no δ back
    return grad_w, grad_b, deltas, total


def update(
    spec: StepSpec, params: list[Array], grads: list[Array], state: dict[str, list], eta: Array
) -> tuple[list[Array], dict[str, list]]:
    """The optimiser's step (``eta`` is η, for Adam the bias-corrected η_t), as the NumPy
    optimisers compute it; returns the new parameters and state."""
    kind = spec.optimizer
    if kind == "sgd":  # θ → θ − η g
        return [p - g * eta for p, g in zip(params, grads)], state
    if kind in ("momentum", "nesterov"):
        mu = spec.momentum
        new_p, new_v = [], []
        for p, g, v in zip(params, grads, state["velocity"]):
            step = eta * g
            v = v * mu - step  # v → μ v − η g
            new_p.append(p + v if kind == "momentum" else p + (mu * v - step))
            new_v.append(v)
        return new_p, {"velocity": new_v}
    b1, b2 = spec.beta1, spec.beta2  # adam
    new_p, new_m, new_v = [], [], []
    for p, g, m, v in zip(params, grads, state["m"], state["v"]):
        m = m * b1 + (1.0 - b1) * g  # m → β1 m + (1 − β1) g
        v = v * b2 + (1.0 - b2) * (g * g)  # v → β2 v + (1 − β2) g²
        new_p.append(p - eta * (m / (jnp.sqrt(v) + spec.epsilon)))
        new_m.append(m)
        new_v.append(v)
    return new_p, {"m": new_m, "v": new_v}


def step(
    spec: StepSpec,
    params: list[Array],
    state: dict[str, list],
    x: Array,
    y: Array,
    eta: Array,
    masks: list | None = None,
) -> tuple[list[Array], dict[str, list], Array, tuple[Any, ...]]:
    """One mini-batch: forward pass, BP1–BP4, the L2/L1 term, the update. Returns the new
    parameters and state, Σ_x C_x before the update, and (zs, activations, deltas, grads)
    for a per-batch callback (``grads`` with the L2/L1 term, as the optimiser used it)."""
    n_layers = spec.n_layers
    weights, biases = params[:n_layers], params[n_layers:]
    zs, activations, primes = forward(spec, weights, biases, x, masks)
    grad_w, grad_b, deltas, total = backward(spec, weights, zs, activations, primes, y, masks)
    if spec.l2:  # the penalty's gradient; biases are not regularised
        grad_w = [g + (spec.l2 / spec.n) * w for g, w in zip(grad_w, weights)]
    if spec.l1:
        grad_w = [g + (spec.l1 / spec.n) * jnp.sign(w) for g, w in zip(grad_w, weights)]
    grads = [*grad_w, *grad_b]
    new_params, new_state = update(spec, params, grads, state, eta)
    return new_params, new_state, total, (zs, activations, deltas, grads)
