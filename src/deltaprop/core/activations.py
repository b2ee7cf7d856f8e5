"""Activation functions σ and their derivatives σ'.

Each activation is a small frozen object in a name-keyed registry:

- ``act(z, xp)`` is a = σ(z), applied to a batch of weighted inputs z (rows are samples);
- ``act.prime(z, a, xp)`` is σ'(z); it is given a = σ(z) as well (the sigmoid's and tanh's
  compute it from z instead: a(1 − a) and 1 − a² lose every digit where a rounds to 1);
- ``act.value_and_prime(z, xp)`` is (σ(z), σ'(z)) for the forward pass, which keeps σ'(z^l)
  for BP1 and BP2: the sigmoid's and tanh's compute both from one exponential, for little more
  than σ alone; the other activations return None for σ' (their backward needs nothing kept);
- ``act.backward(grad_a, z, a, xp)`` is grad_a ⊙ σ'(z), the Hadamard product that BP1 and BP2
  end with (with ``sigma_prime=``, the σ'(z) the forward pass kept). Softmax, whose derivative
  is a full Jacobian rather than elementwise, overrides it with the exact Jacobian-vector
  product and may only be used on the output layer.

``xp`` is the array namespace (NumPy, or any library following the Array API standard).
The training loop passes preallocated arrays: ``out=`` for the result of ``act(z, xp, out=)``
and ``act.prime``, ``prime_out=`` for the σ' of ``value_and_prime``, and ``scratch=`` to
``backward``, which may then overwrite ``grad_a`` (see ``deltaprop.core.ops``). Always use the
returned array.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .ops import ops_for

Array = Any  # an array of the namespace ``xp``


@dataclass(frozen=True)
class Activation:
    """Base class: an elementwise activation σ with derivative σ'.

    Subclasses set ``name`` (the registry key) and define ``__call__`` and ``prime``; a
    non-elementwise one (softmax) overrides ``backward`` instead of ``prime``.

    Attributes
    ----------
    name : str
        The name networks, files and the command line use.
    elementwise : bool
        Whether σ acts on each z_j alone, so that σ'(z) is an array shaped like z (BP2 needs it).
    output_range : tuple of float
        The open interval the outputs lie in; the cross-entropy cost needs (0, 1).

    Examples
    --------
    >>> sigma = get_activation("sigmoid")
    >>> z = np.array([[-2.0, 0.0, 2.0]])          # shape (n, n_l): one row per sample
    >>> a = sigma(z, np)
    >>> a.round(4)
    array([[0.1192, 0.5   , 0.8808]])
    >>> sigma.prime(z, a, np).round(4)             # σ'(z) = σ(z)(1 − σ(z))
    array([[0.105, 0.25 , 0.105]])
    >>> sigma.backward(np.ones_like(z), z, a, np).round(4)   # 1 ⊙ σ'(z)
    array([[0.105, 0.25 , 0.105]])
    """

    name: ClassVar[str] = ""
    #: whether σ acts on each z_j alone (so that σ'(z) is a vector, usable in BP2)
    elementwise: ClassVar[bool] = True
    #: the open interval the outputs lie in; the cross-entropy cost needs (0, 1)
    output_range: ClassVar[tuple[float, float]] = (float("-inf"), float("inf"))

    def __call__(self, z: Array, xp: Any, out: Array = None) -> Array:
        raise NotImplementedError

    def prime(self, z: Array, a: Array, xp: Any, out: Array = None) -> Array:
        """σ'(z), shaped like z; ``a`` is σ(z), already computed (the sigmoid's σ'(z) is
        a(1 − a)). With ``out``, the result is written into it."""
        raise NotImplementedError

    def value_and_prime(
        self, z: Array, xp: Any, out: Array = None, prime_out: Array = None
    ) -> tuple[Array, Array | None]:
        """(σ(z), σ'(z)) for the forward pass, which keeps σ'(z^l) for BP1 and BP2; σ'(z) is
        None where computing it here would save nothing (the backward pass then calls
        :meth:`backward` without it). With ``out`` and ``prime_out`` (arrays shaped like z,
        neither z itself), the results are written there."""
        return self(z, xp, out=out), None

    def backward(
        self,
        grad_a: Array,
        z: Array,
        a: Array,
        xp: Any,
        scratch: Array = None,
        sigma_prime: Array = None,
    ) -> Array:
        """grad_a ⊙ σ'(z): turns ∂C/∂a into δ = ∂C/∂z.

        ``sigma_prime`` is σ'(z) as :meth:`value_and_prime` computed it, if it did; else
        σ'(z) is computed here. With ``scratch`` (an array shaped like z that the caller
        owns), σ'(z) is computed into it and the product overwrites ``grad_a``.
        """
        if sigma_prime is None:
            sigma_prime = self.prime(z, a, xp, out=scratch)
        if scratch is None:
            return grad_a * sigma_prime
        grad_a *= sigma_prime
        return grad_a


@dataclass(frozen=True)
class Sigmoid(Activation):
    """σ(z) = 1 / (1 + e^(−z)), the seed's activation. σ'(z) = σ(z)(1 − σ(z))."""

    name: ClassVar[str] = "sigmoid"
    output_range: ClassVar[tuple[float, float]] = (0.0, 1.0)

    def __call__(self, z: Array, xp: Any, out: Array = None) -> Array:
        # a few ulp of the true value everywhere, even in the far tail (σ(−80) = 1.8e-35 in
        # float32, where ½(1 + tanh(z/2)) rounds to 0), and no overflow warnings
        return ops_for(xp).sigmoid(z, out=out)

    def prime(self, z: Array, a: Array, xp: Any, out: Array = None) -> Array:
        # σ(z) σ(−z) from z: a(1 − a) would be 0 wherever a rounds to 1 (z > 17 in float32)
        return ops_for(xp).sigmoid_and_prime(z, prime_out=out)[1]

    def value_and_prime(
        self, z: Array, xp: Any, out: Array = None, prime_out: Array = None
    ) -> tuple[Array, Array]:
        # one exponential for both: six passes over z against four for σ alone
        return ops_for(xp).sigmoid_and_prime(z, out=out, prime_out=prime_out)


@dataclass(frozen=True)
class Tanh(Activation):
    """σ(z) = tanh(z). σ'(z) = 1 − tanh²(z)."""

    name: ClassVar[str] = "tanh"
    output_range: ClassVar[tuple[float, float]] = (-1.0, 1.0)

    def __call__(self, z: Array, xp: Any, out: Array = None) -> Array:
        return ops_for(xp).tanh(z, out=out)

    def prime(self, z: Array, a: Array, xp: Any, out: Array = None) -> Array:
        # 1 − tanh²(z) from e^(−2|z|): 1 − a² would lose every digit where a rounds to ±1
        return ops_for(xp).tanh_and_prime(z, prime_out=out)[1]

    def value_and_prime(
        self, z: Array, xp: Any, out: Array = None, prime_out: Array = None
    ) -> tuple[Array, Array]:
        return ops_for(xp).tanh_and_prime(z, out=out, prime_out=prime_out)


@dataclass(frozen=True)
class ReLU(Activation):
    """σ(z) = max(z, 0). σ'(z) = 1 where z > 0, else 0 (a dead unit passes no δ back)."""

    name: ClassVar[str] = "relu"
    output_range: ClassVar[tuple[float, float]] = (0.0, float("inf"))

    def __call__(self, z: Array, xp: Any, out: Array = None) -> Array:
        return xp.maximum(z, 0.0)  # allocates: relu is not on the benchmarked path

    def prime(self, z: Array, a: Array, xp: Any, out: Array = None) -> Array:
        return xp.astype(z > 0.0, z.dtype)

    def backward(
        self,
        grad_a: Array,
        z: Array,
        a: Array,
        xp: Any,
        scratch: Array = None,
        sigma_prime: Array = None,
    ) -> Array:
        return xp.where(z > 0.0, grad_a, 0.0)


@dataclass(frozen=True)
class Identity(Activation):
    """σ(z) = z, for regression outputs. σ'(z) = 1."""

    name: ClassVar[str] = "identity"

    def __call__(self, z: Array, xp: Any, out: Array = None) -> Array:
        return z

    def prime(self, z: Array, a: Array, xp: Any, out: Array = None) -> Array:
        return xp.ones_like(z)

    def backward(
        self,
        grad_a: Array,
        z: Array,
        a: Array,
        xp: Any,
        scratch: Array = None,
        sigma_prime: Array = None,
    ) -> Array:
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

    def __call__(self, z: Array, xp: Any, out: Array = None) -> Array:
        e = xp.exp(z - xp.max(z, axis=1, keepdims=True))  # shifted: e ≤ 1, never overflows
        return e / xp.sum(e, axis=1, keepdims=True)

    def prime(self, z: Array, a: Array, xp: Any, out: Array = None) -> Array:
        raise ValueError(
            "softmax has no elementwise derivative σ'(z); it can only be the output layer's "
            "activation (use output_activation='softmax')"
        )

    def backward(
        self,
        grad_a: Array,
        z: Array,
        a: Array,
        xp: Any,
        scratch: Array = None,
        sigma_prime: Array = None,
    ) -> Array:
        return a * (grad_a - xp.sum(grad_a * a, axis=1, keepdims=True))


ACTIVATIONS: dict[str, Activation] = {
    act.name: act for act in (Sigmoid(), Tanh(), ReLU(), Identity(), Softmax())
}
"""Every activation by name: sigmoid, tanh, relu, identity, softmax."""


def get_activation(name: str | Activation, *, argument: str = "activation") -> Activation:
    """Look up an activation by name, or pass an :class:`Activation` instance through.

    Parameters
    ----------
    name : str or Activation
        ``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"identity"`` or ``"softmax"``.
    argument : str, default "activation"
        The argument's name in the error message for an unknown name.

    Returns
    -------
    Activation

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.

    Examples
    --------
    >>> get_activation("tanh")
    Tanh()
    >>> get_activation("swish")
    Traceback (most recent call last):
    ...
    ValueError: unknown activation 'swish'; choose one of: identity, relu, sigmoid, softmax, tanh
    """
    if isinstance(name, Activation):
        return name
    if isinstance(name, str) and name in ACTIVATIONS:
        return ACTIVATIONS[name]
    raise ValueError(
        f"unknown {argument} {name!r}; choose one of: {', '.join(sorted(ACTIVATIONS))}"
    )
