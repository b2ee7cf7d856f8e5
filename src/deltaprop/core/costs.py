"""Cost functions C_x of one sample, and BP1, the output error δ^L they give.

Each cost is a small frozen object in a name-keyed registry:

- ``cost.value(z, a, y, xp)`` is the per-sample cost C_x for every row (shape (n,)); the cost C
  of a batch is the mean of these (the first assumption of docs/notation.md);
- ``cost.delta(z, a, y, activation, xp)`` *is* BP1: δ^L = ∇_a C ⊙ σ'(z^L), written for each
  cost so that the cross-entropy cost can cancel σ'(z^L);
- ``cost.delta_and_total(...)`` is BP1 together with Σ_x C_x over the rows (a 0-d array), the
  training loop's way in: the quadratic cost shares a^L − y between the two;
- ``cost.check(activation)`` rejects output activations the cost is not defined for.

z = z^L, a = a^L = σ(z^L) and y (the targets) have shape (n, n_L). The training loop passes
workspace arrays as ``out`` (for δ^L) and ``scratch`` (see ``deltaprop.core.ops``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .activations import Activation, Array
from .ops import ops_for


@dataclass(frozen=True)
class Cost:
    """Base class for a per-sample cost C_x(a^L, y).

    z = z^L, a = a^L = σ(z^L) and y (the targets) are arrays of shape (n, n_L), one row per
    sample.

    Attributes
    ----------
    name : str
        The name networks, files and the command line use.

    Examples
    --------
    >>> cost = get_cost("quadratic", get_activation("sigmoid"))
    >>> z = np.array([[0.0, 2.0]])                  # z^L, shape (1, 2)
    >>> a = 1 / (1 + np.exp(-z))                     # a^L = σ(z^L)
    >>> y = np.array([[1.0, 0.0]])
    >>> cost.value(z, a, y, np).round(4)             # C_x = ½‖a − y‖², shape (n,)
    array([0.5129])
    >>> cost.delta(z, a, y, get_activation("sigmoid"), np).round(4)   # BP1
    array([[-0.125 ,  0.0925]])
    """

    name: ClassVar[str] = ""

    def value(self, z: Array, a: Array, y: Array, xp: Any) -> Array:
        """The per-sample cost C_x of every row, shape (n,); the batch's cost C is its mean."""
        raise NotImplementedError

    def delta(
        self,
        z: Array,
        a: Array,
        y: Array,
        activation: Activation,
        xp: Any,
        out: Array = None,
        scratch: Array = None,
        sigma_prime: Array = None,
    ) -> Array:
        """BP1: δ^L = ∇_a C ⊙ σ'(z^L), shape (n, n_L), for the output ``activation``.

        With ``out`` (and ``scratch``, arrays shaped like z), the result is written there.
        ``sigma_prime`` is σ'(z^L) if the forward pass kept it (see
        ``Activation.value_and_prime``).
        """
        raise NotImplementedError

    def delta_and_total(
        self,
        z: Array,
        a: Array,
        y: Array,
        activation: Activation,
        xp: Any,
        out: Array = None,
        scratch: Array = None,
        sigma_prime: Array = None,
    ) -> tuple[Array, Array]:
        """δ^L by BP1, and Σ_x C_x over the rows as a 0-d array."""
        total = xp.sum(self.value(z, a, y, xp))
        delta = self.delta(z, a, y, activation, xp, out, scratch, sigma_prime)
        return delta, total

    def check(self, activation: Activation) -> None:
        """Raise ValueError if this cost is not defined for ``activation`` on the output."""


@dataclass(frozen=True)
class Quadratic(Cost):
    """C_x = ½ Σ_j (a^L_j − y_j)², the seed's cost. BP1: δ^L = (a^L − y) ⊙ σ'(z^L)."""

    name: ClassVar[str] = "quadratic"

    def value(self, z: Array, a: Array, y: Array, xp: Any) -> Array:
        diff = a - y
        return 0.5 * xp.sum(diff * diff, axis=1)

    def delta(
        self,
        z: Array,
        a: Array,
        y: Array,
        activation: Activation,
        xp: Any,
        out: Array = None,
        scratch: Array = None,
        sigma_prime: Array = None,
    ) -> Array:
        return self.delta_and_total(z, a, y, activation, xp, out, scratch, sigma_prime)[0]

    def delta_and_total(
        self,
        z: Array,
        a: Array,
        y: Array,
        activation: Activation,
        xp: Any,
        out: Array = None,
        scratch: Array = None,
        sigma_prime: Array = None,
    ) -> tuple[Array, Array]:
        ops = ops_for(xp)
        grad_a = ops.subtract(a, y, out=out)  # ∇_a C = a − y
        total = 0.5 * ops.sum_products(grad_a, grad_a)  # Σ_x C_x = ½ Σ_x ‖a − y‖²
        delta = activation.backward(grad_a, z, a, xp, scratch=scratch, sigma_prime=sigma_prime)
        return delta, total  # BP1: (a − y) ⊙ σ'(z^L)


def _softplus(z: Array, xp: Any) -> Array:
    """ln(1 + e^z), computed without overflow."""
    return xp.logaddexp(xp.zeros_like(z), z)


def _logsumexp(z: Array, xp: Any) -> Array:
    """ln Σ_k e^(z_k) for each row, shape (n, 1), computed without overflow."""
    z_max = xp.max(z, axis=1, keepdims=True)
    return z_max + xp.log(xp.sum(xp.exp(z - z_max), axis=1, keepdims=True))


@dataclass(frozen=True)
class _OutputErrorAMinusY(Cost):
    """A cost whose BP1 collapses to δ^L = a^L − y for the output activation it accepts:
    the cross-entropy with sigmoid outputs (σ'(z^L) cancels) and the log-likelihood with
    softmax outputs (the softmax Jacobian times ∇_a C collapses)."""

    def delta(
        self,
        z: Array,
        a: Array,
        y: Array,
        activation: Activation,
        xp: Any,
        out: Array = None,
        scratch: Array = None,
        sigma_prime: Array = None,
    ) -> Array:
        return ops_for(xp).subtract(a, y, out=out)  # BP1


@dataclass(frozen=True)
class CrossEntropy(_OutputErrorAMinusY):
    """The cross-entropy cost for sigmoid outputs; BP1 gives δ^L = a^L − y, with no σ'(z^L).

    C_x = −Σ_j [y_j ln a_j + (1 − y_j) ln(1 − a_j)], evaluated from z^L as
    Σ_j [softplus(z_j) − y_j z_j] (ln σ(z) = −softplus(−z)), so that a saturated output gives a
    large finite cost rather than ln 0. With softmax outputs, "cross-entropy" resolves to
    :class:`LogLikelihood` (see :func:`get_cost`).
    """

    name: ClassVar[str] = "cross-entropy"

    def value(self, z: Array, a: Array, y: Array, xp: Any) -> Array:
        return xp.sum(_softplus(z, xp) - y * z, axis=1)

    def delta_and_total(
        self,
        z: Array,
        a: Array,
        y: Array,
        activation: Activation,
        xp: Any,
        out: Array = None,
        scratch: Array = None,
        sigma_prime: Array = None,
    ) -> tuple[Array, Array]:
        ops = ops_for(xp)
        # Σ_x C_x = Σ softplus(z) − Σ y ⊙ z over every entry: two sums, no (m, n_L) temporaries
        total = xp.sum(ops.softplus(z, out=scratch)) - ops.sum_products(y, z)
        return self.delta(z, a, y, activation, xp, out=out), total  # BP1

    def check(self, activation: Activation) -> None:
        if activation.name != "sigmoid":
            raise ValueError(
                f"the cross-entropy cost needs output activation 'sigmoid' or 'softmax' "
                f"(outputs in (0, 1)), got {activation.name!r}; use the quadratic cost for "
                f"{activation.name!r} outputs"
            )


@dataclass(frozen=True)
class LogLikelihood(_OutputErrorAMinusY):
    """The log-likelihood cost C_x = −Σ_j y_j ln a^L_j for softmax outputs; δ^L = a^L − y.

    This is what "cross-entropy" means with softmax outputs. Evaluated from z^L as
    Σ_j y_j (ln Σ_k e^(z_k) − z_j). BP1's a^L − y is exact when each row of y sums to 1
    (one-hot labels or probabilities), which ``Network`` checks.
    """

    name: ClassVar[str] = "log-likelihood"

    def value(self, z: Array, a: Array, y: Array, xp: Any) -> Array:
        return xp.sum(y * (_logsumexp(z, xp) - z), axis=1)

    def check(self, activation: Activation) -> None:
        if activation.name != "softmax":
            raise ValueError(
                f"the log-likelihood cost needs output activation 'softmax', got "
                f"{activation.name!r}"
            )


COSTS: dict[str, Cost] = {
    cost.name: cost for cost in (Quadratic(), CrossEntropy(), LogLikelihood())
}
"""Every cost by name: ``"quadratic"``, ``"cross-entropy"``, ``"log-likelihood"``."""


def get_cost(name: str | Cost, output_activation: Activation) -> Cost:
    """Look up a cost by name and check it suits the output activation.

    Parameters
    ----------
    name : str or Cost
        ``"quadratic"``, ``"cross-entropy"`` or ``"log-likelihood"``, or a :class:`Cost`.
        ``"cross-entropy"`` with softmax outputs gives the log-likelihood cost, as in the cost table
        of docs/notation.md.
    output_activation : Activation
        σ of the output layer.

    Returns
    -------
    Cost

    Raises
    ------
    ValueError
        For unknown names, and for combinations the cost is not defined for (the
        cross-entropy cost with tanh outputs, say).

    Examples
    --------
    >>> from deltaprop.core import get_activation
    >>> get_cost("cross-entropy", get_activation("softmax")).name
    'log-likelihood'
    >>> get_cost("cross-entropy", get_activation("tanh"))
    Traceback (most recent call last):
    ...
    ValueError: the cross-entropy cost needs output activation 'sigmoid' or 'softmax' ...
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
