"""Cost functions C_x of one sample, and BP1, the output error δ^L they give.

Each cost is a small frozen object in a name-keyed registry:

- ``cost.value(z, a, y, xp)`` is the per-sample cost C_x for every row (shape (n,)); the cost C
  of a batch is the mean of these (SPEC.md's first assumption);
- ``cost.delta(z, a, y, activation, xp)`` *is* BP1: δ^L = ∇_a C ⊙ σ'(z^L), written for each
  cost so that the cross-entropy cost can cancel σ'(z^L);
- ``cost.check(activation)`` rejects output activations the cost is not defined for.

z = z^L, a = a^L = σ(z^L) and y (the targets) have shape (n, n_L).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .activations import Activation, Array


@dataclass(frozen=True)
class Cost:
    """Base class for a per-sample cost C_x(a^L, y)."""

    name: ClassVar[str] = ""

    def value(self, z: Array, a: Array, y: Array, xp: Any) -> Array:
        raise NotImplementedError

    def delta(self, z: Array, a: Array, y: Array, activation: Activation, xp: Any) -> Array:
        raise NotImplementedError

    def check(self, activation: Activation) -> None:
        """Raise ValueError if this cost is not defined for ``activation`` on the output."""


@dataclass(frozen=True)
class Quadratic(Cost):
    """C_x = ½ Σ_j (a^L_j − y_j)², the seed's cost. BP1: δ^L = (a^L − y) ⊙ σ'(z^L)."""

    name: ClassVar[str] = "quadratic"

    def value(self, z: Array, a: Array, y: Array, xp: Any) -> Array:
        diff = a - y
        return 0.5 * xp.sum(diff * diff, axis=1)

    def delta(self, z: Array, a: Array, y: Array, activation: Activation, xp: Any) -> Array:
        return activation.backward(a - y, z, a, xp)  # BP1: ∇_a C = a − y, times σ'(z^L)


def _softplus(z: Array, xp: Any) -> Array:
    """ln(1 + e^z), computed without overflow."""
    return xp.logaddexp(xp.zeros_like(z), z)


def _logsumexp(z: Array, xp: Any) -> Array:
    """ln Σ_k e^(z_k) for each row, shape (n, 1), computed without overflow."""
    z_max = xp.max(z, axis=1, keepdims=True)
    return z_max + xp.log(xp.sum(xp.exp(z - z_max), axis=1, keepdims=True))


@dataclass(frozen=True)
class CrossEntropy(Cost):
    """The cross-entropy cost for sigmoid outputs; BP1 gives δ^L = a^L − y, with no σ'(z^L).

    C_x = −Σ_j [y_j ln a_j + (1 − y_j) ln(1 − a_j)], evaluated from z^L as
    Σ_j [softplus(z_j) − y_j z_j] (ln σ(z) = −softplus(−z)), so that a saturated output gives a
    large finite cost rather than ln 0. With softmax outputs, "cross-entropy" resolves to
    :class:`LogLikelihood` (see :func:`get_cost`).
    """

    name: ClassVar[str] = "cross-entropy"

    def value(self, z: Array, a: Array, y: Array, xp: Any) -> Array:
        return xp.sum(_softplus(z, xp) - y * z, axis=1)

    def delta(self, z: Array, a: Array, y: Array, activation: Activation, xp: Any) -> Array:
        return a - y  # BP1: ∇_a C ⊙ σ'(z^L) simplifies to a − y; σ'(z^L) cancels

    def check(self, activation: Activation) -> None:
        if activation.name != "sigmoid":
            raise ValueError(
                f"the cross-entropy cost needs output activation 'sigmoid' or 'softmax' "
                f"(outputs in (0, 1)), got {activation.name!r}; use the quadratic cost for "
                f"{activation.name!r} outputs"
            )


@dataclass(frozen=True)
class LogLikelihood(Cost):
    """The log-likelihood cost C_x = −Σ_j y_j ln a^L_j for softmax outputs; δ^L = a^L − y.

    This is what "cross-entropy" means with softmax outputs. Evaluated from z^L as
    Σ_j y_j (ln Σ_k e^(z_k) − z_j). BP1's a^L − y is exact when each row of y sums to 1
    (one-hot labels or probabilities), which ``Network`` checks.
    """

    name: ClassVar[str] = "log-likelihood"

    def value(self, z: Array, a: Array, y: Array, xp: Any) -> Array:
        return xp.sum(y * (_logsumexp(z, xp) - z), axis=1)

    def delta(self, z: Array, a: Array, y: Array, activation: Activation, xp: Any) -> Array:
        return a - y  # BP1: the softmax Jacobian times ∇_a C collapses to a − y

    def check(self, activation: Activation) -> None:
        if activation.name != "softmax":
            raise ValueError(
                f"the log-likelihood cost needs output activation 'softmax', got "
                f"{activation.name!r}"
            )


COSTS: dict[str, Cost] = {
    cost.name: cost for cost in (Quadratic(), CrossEntropy(), LogLikelihood())
}


def get_cost(name: str | Cost, output_activation: Activation) -> Cost:
    """Look up a cost by name and check it suits the output activation.

    ``"cross-entropy"`` with softmax outputs gives the log-likelihood cost, as in SPEC.md's
    cost table. Raises ValueError for unknown names and for combinations the cost is not
    defined for (the cross-entropy cost with tanh outputs, say).
    """
    if isinstance(name, Cost):
        cost = name
    elif isinstance(name, str) and name in COSTS:
        cost = COSTS[name]
    else:
        raise ValueError(f"unknown cost {name!r}; choose one of: {', '.join(sorted(COSTS))}")
    if isinstance(cost, CrossEntropy) and output_activation.name == "softmax":
        cost = COSTS["log-likelihood"]
    cost.check(output_activation)
    return cost
