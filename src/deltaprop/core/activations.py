"""Activation functions σ and their derivatives σ'.

Each activation is a small frozen object in a name-keyed registry:

- ``act(z, xp)`` is a = σ(z), applied to a batch of weighted inputs z (rows are samples);
- ``act.prime(z, a, xp)`` is σ'(z); it is given a = σ(z) as well, so that the sigmoid's
  σ'(z) = a(1 − a) costs no second exponential;
- ``act.backward(grad_a, z, a, xp)`` is grad_a ⊙ σ'(z), the Hadamard product that BP1 and BP2
  end with. Softmax, whose derivative is a full Jacobian rather than elementwise, overrides it
  with the exact Jacobian-vector product and may only be used on the output layer.

``xp`` is the array namespace (NumPy, or any library following the Array API standard).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

Array = Any  # an array of the namespace ``xp``


@dataclass(frozen=True)
class Activation:
    """Base class: an elementwise activation σ with derivative σ'."""

    name: ClassVar[str] = ""
    #: whether σ acts on each z_j alone (so that σ'(z) is a vector, usable in BP2)
    elementwise: ClassVar[bool] = True
    #: the open interval the outputs lie in; the cross-entropy cost needs (0, 1)
    output_range: ClassVar[tuple[float, float]] = (float("-inf"), float("inf"))

    def __call__(self, z: Array, xp: Any) -> Array:
        raise NotImplementedError

    def prime(self, z: Array, a: Array, xp: Any) -> Array:
        raise NotImplementedError

    def backward(self, grad_a: Array, z: Array, a: Array, xp: Any) -> Array:
        """grad_a ⊙ σ'(z): turns ∂C/∂a into δ = ∂C/∂z."""
        return grad_a * self.prime(z, a, xp)


@dataclass(frozen=True)
class Sigmoid(Activation):
    """σ(z) = 1 / (1 + e^(−z)), the seed's activation. σ'(z) = σ(z)(1 − σ(z))."""

    name: ClassVar[str] = "sigmoid"
    output_range: ClassVar[tuple[float, float]] = (0.0, 1.0)

    def __call__(self, z: Array, xp: Any) -> Array:
        # The same function written as ½(1 + tanh(z/2)): tanh never overflows, so large |z|
        # gives 0 or 1 without the overflow that e^(−z) hits below z ≈ −88 in float32.
        return 0.5 * (1.0 + xp.tanh(0.5 * z))

    def prime(self, z: Array, a: Array, xp: Any) -> Array:
        return a * (1.0 - a)


@dataclass(frozen=True)
class Tanh(Activation):
    """σ(z) = tanh(z). σ'(z) = 1 − tanh²(z)."""

    name: ClassVar[str] = "tanh"
    output_range: ClassVar[tuple[float, float]] = (-1.0, 1.0)

    def __call__(self, z: Array, xp: Any) -> Array:
        return xp.tanh(z)

    def prime(self, z: Array, a: Array, xp: Any) -> Array:
        return 1.0 - a * a


@dataclass(frozen=True)
class ReLU(Activation):
    """σ(z) = max(z, 0). σ'(z) = 1 where z > 0, else 0 (a dead unit passes no δ back)."""

    name: ClassVar[str] = "relu"
    output_range: ClassVar[tuple[float, float]] = (0.0, float("inf"))

    def __call__(self, z: Array, xp: Any) -> Array:
        return xp.maximum(z, 0.0)

    def prime(self, z: Array, a: Array, xp: Any) -> Array:
        return xp.astype(z > 0.0, z.dtype)

    def backward(self, grad_a: Array, z: Array, a: Array, xp: Any) -> Array:
        return xp.where(z > 0.0, grad_a, 0.0)


@dataclass(frozen=True)
class Identity(Activation):
    """σ(z) = z, for regression outputs. σ'(z) = 1."""

    name: ClassVar[str] = "identity"

    def __call__(self, z: Array, xp: Any) -> Array:
        return z

    def prime(self, z: Array, a: Array, xp: Any) -> Array:
        return xp.ones_like(z)

    def backward(self, grad_a: Array, z: Array, a: Array, xp: Any) -> Array:
        return grad_a


@dataclass(frozen=True)
class Softmax(Activation):
    """a_j = e^(z_j) / Σ_k e^(z_k), for the output layer: the outputs of a sample sum to 1.

    Its derivative ∂a_j/∂z_k = a_j(δ_jk − a_k) is not elementwise, so it cannot appear in BP2;
    ``backward`` applies the Jacobian exactly: δ_k = a_k (g_k − Σ_j g_j a_j).
    """

    name: ClassVar[str] = "softmax"
    elementwise: ClassVar[bool] = False
    output_range: ClassVar[tuple[float, float]] = (0.0, 1.0)

    def __call__(self, z: Array, xp: Any) -> Array:
        e = xp.exp(z - xp.max(z, axis=1, keepdims=True))  # shifted: e ≤ 1, never overflows
        return e / xp.sum(e, axis=1, keepdims=True)

    def prime(self, z: Array, a: Array, xp: Any) -> Array:
        raise ValueError(
            "softmax has no elementwise derivative σ'(z); it can only be the output layer's "
            "activation (use output_activation='softmax')"
        )

    def backward(self, grad_a: Array, z: Array, a: Array, xp: Any) -> Array:
        return a * (grad_a - xp.sum(grad_a * a, axis=1, keepdims=True))


ACTIVATIONS: dict[str, Activation] = {
    act.name: act for act in (Sigmoid(), Tanh(), ReLU(), Identity(), Softmax())
}


def get_activation(name: str | Activation, *, argument: str = "activation") -> Activation:
    """Look up an activation by name (``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"identity"``,
    ``"softmax"``), or pass an :class:`Activation` instance through."""
    if isinstance(name, Activation):
        return name
    if isinstance(name, str) and name in ACTIVATIONS:
        return ACTIVATIONS[name]
    raise ValueError(
        f"unknown {argument} {name!r}; choose one of: {', '.join(sorted(ACTIVATIONS))}"
    )
