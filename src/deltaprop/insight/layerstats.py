"""What the equations say about one layer, computed from the quantities backprop already has.

Shared by the training monitor (:mod:`.monitor`) and the diagnosis (:mod:`.diagnose`):

- a neuron is *saturated* on a sample when σ'(z) is below a small threshold: BP1 and BP2 end
  with ⊙ σ'(z), so its δ, and so (BP3, BP4) the gradient of the weights into it, is small;
- a ReLU unit is *dead* on a set of samples when z ≤ 0 on every one of them: σ'(z) = 0, so it
  passes no δ back and the weights into it never change;
- an activation near 0 makes BP4's ∂C/∂w^(l+1) = δ^(l+1) (a^l)ᵀ small: the weights *out of*
  that neuron learn slowly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.activations import Activation, Array

#: σ'(z) below this is saturated. Sigmoid: σ' ≤ 1/4 and σ' < 0.01 where |z| > 4.6; tanh is a
#: sigmoid stretched (tanh(z) = 2σ(2z) − 1, so tanh' = 4σ'(2z)): 0.04 marks the same point.
#: Softmax uses its Jacobian's diagonal a_j(1 − a_j), which is the sigmoid's σ'.
SATURATION_THRESHOLD: dict[str, float] = {"sigmoid": 0.01, "tanh": 0.04, "softmax": 0.01}

#: |a| below this counts as a small activation (BP4: the weights out of the neuron barely
#: learn)
SMALL_ACTIVATION = 0.01


def saturation_threshold(activation: Activation) -> float | None:
    """The σ'(z) below which ``activation`` counts as saturated; None where it cannot
    saturate (relu, whose σ' is 0 or 1, and identity)."""
    return SATURATION_THRESHOLD.get(activation.name)


def sigma_prime(activation: Activation, z: Array, a: Array, xp: Any) -> Array:
    """σ'(z) elementwise, shape (m, n_l); for softmax, the Jacobian's diagonal a(1 − a)."""
    if activation.name == "softmax":
        return a * (1.0 - a)
    return activation.prime(z, a, xp)


def saturated_fraction(activation: Activation, z: Array, a: Array, xp: Any) -> Array | None:
    """The fraction of the (sample, neuron) entries of z, shape (m, n_l), whose σ'(z) is below
    the threshold, as a 0-d array; None for activations that do not saturate."""
    threshold = saturation_threshold(activation)
    if threshold is None:
        return None
    saturated = sigma_prime(activation, z, a, xp) < threshold
    count_nonzero = getattr(xp, "count_nonzero", None)  # in the standard since 2023.12
    if count_nonzero is None:
        return xp.mean(xp.astype(saturated, z.dtype))
    return xp.astype(count_nonzero(saturated), z.dtype) * (1.0 / (z.shape[0] * z.shape[1]))


def saturated_wrong(activation: Activation, z: Array, a: Array, y: Array, xp: Any) -> Array:
    """The fraction of output entries that are saturated *and* wrong, |a − y| > 1/2, as a
    0-d array: where BP1's σ'(z^L) stalls an output that still has far to go. (A saturated
    output that is right needs no learning; the quadratic cost's slowdown is in the others.)
    """
    threshold = saturation_threshold(activation)
    if threshold is None:
        raise ValueError(f"{activation.name!r} outputs do not saturate")
    stuck = (sigma_prime(activation, z, a, xp) < threshold) & (xp.abs(a - y) > 0.5)
    return xp.mean(xp.astype(stuck, z.dtype))


def active_units(z: Array, xp: Any) -> Array:
    """Which units of z (m, n_l) are active (z > 0) on at least one row, shape (n_l,)."""
    return xp.any(z > 0.0, axis=0)


def vector_norm(x: Array, xp: Any) -> Array:
    """The Euclidean (Frobenius, for a matrix) norm of all entries of ``x``, as a 0-d array."""
    flat = xp.reshape(x, (-1,))
    return xp.sqrt(xp.vecdot(flat, flat))


@dataclass(frozen=True)
class LayerDiagnostics:
    """The figures of one layer l on the diagnosed samples (C is their mean cost).

    ``speed`` is ‖∂C/∂b^l‖ / √n_l, the root-mean-square of the bias gradient (BP3): the
    per-neuron learning speed, comparable between layers of different widths.

    Attributes
    ----------
    layer : int
        l, 2 … L.
    neurons : int
        n_l.
    activation : str
        σ's name.
    delta : float
        Mean |δ^l| over samples and neurons (BP1, BP2).
    grad_w_norm : float
        ‖∂C/∂w^l‖ (BP4).
    grad_b_norm : float
        ‖∂C/∂b^l‖ (BP3).
    speed : float
        ‖∂C/∂b^l‖ / √n_l.
    saturated : float or None
        Fraction of (sample, neuron) entries with σ'(z) below ``saturation_threshold``
        (None for activations that do not saturate: relu, identity).
    saturation_threshold : float or None
        The σ'(z) below which an entry counts as saturated.
    saturated_wrong : float or None
        Output layer only: the fraction saturated while |a − y| > 1/2 (BP1 stalls).
    dead : float or None
        ReLU only: the fraction of units with z ≤ 0 on every sample.
    activation_mean : float
        Mean a^l.
    low_activation : float
        Fraction of entries with |a^l| < ``SMALL_ACTIVATION`` (0.01; BP4: their outgoing
        weights learn slowly).
    weight_norm : float
        ‖w^l‖.
    update_ratio : float or None
        η ‖∂C/∂w^l‖ / ‖w^l‖, when η is given.

    Examples
    --------
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> layer = deltaprop.diagnose(net, X, y).layers[0]
    >>> layer.layer, layer.neurons, layer.activation
    (2, 3, 'sigmoid')
    """

    layer: int  # l, 2 … L
    neurons: int  # n_l
    activation: str  # σ's name
    delta: float  # mean |δ^l| over samples and neurons (BP1, BP2)
    grad_w_norm: float  # ‖∂C/∂w^l‖ (BP4)
    grad_b_norm: float  # ‖∂C/∂b^l‖ (BP3)
    speed: float  # ‖∂C/∂b^l‖ / √n_l
    saturated: float | None  # fraction of (sample, neuron) entries with σ'(z) < threshold
    saturation_threshold: float | None
    saturated_wrong: float | None  # output layer: saturated while |a − y| > 1/2 (BP1 stalls)
    dead: float | None  # ReLU: fraction of units with z ≤ 0 on every sample
    activation_mean: float  # mean a^l
    low_activation: float  # fraction of |a^l| < 0.01
    weight_norm: float  # ‖w^l‖
    update_ratio: float | None  # η ‖∂C/∂w^l‖ / ‖w^l‖, when η is given
