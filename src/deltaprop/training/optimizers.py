"""Optimisers: how a gradient becomes an update of the parameters.

An optimiser is a small object with two methods, in the style of an ``(init, update)`` pair:
``state = opt.init(params)`` builds its state as plain data (a dict of arrays and numbers, so
a checkpoint can save it), and ``opt.update(params, grads, state, eta, xp)`` changes the
parameter arrays in place. ``params`` and ``grads`` are matching flat lists: the weights
w^2 … w^L followed by the biases b^2 … b^L. In training they are
:class:`~deltaprop.core.workspace.ArrayList` s whose ``.flat`` attribute, when not None, is the
one 1-D buffer all their arrays are views of: an optimiser that treats every number alike may
update that buffer in one operation instead of one per array.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..core.activations import Array
from ..core.ops import ops_for


@dataclass(frozen=True)
class Optimizer:
    """Base class."""

    name: ClassVar[str] = ""

    def init(self, params: list[Array]) -> dict[str, Any]:
        return {}

    def update(
        self, params: list[Array], grads: list[Array], state: dict[str, Any], eta: float, xp: Any
    ) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class SGD(Optimizer):
    """Plain gradient descent, the seed's: w → w − η ∂C/∂w and b → b − η ∂C/∂b."""

    name: ClassVar[str] = "sgd"

    def update(
        self, params: list[Array], grads: list[Array], state: dict[str, Any], eta: float, xp: Any
    ) -> None:
        ops = ops_for(xp)
        flat_p, flat_g = getattr(params, "flat", None), getattr(grads, "flat", None)
        if flat_p is not None and flat_g is not None:
            # The same numbers, a few operations for all of them. On the CPU in pieces, so
            # that η ∂C/∂p is still in the cache when it is subtracted (for a large network
            # that saves writing and reading back a temporary as large as the parameters).
            n, block = flat_p.shape[0], ops.cache_block or flat_p.shape[0]
            params = [flat_p[i : i + block] for i in range(0, n, block)]
            grads = [flat_g[i : i + block] for i in range(0, n, block)]
        for p, g in zip(params, grads):
            p -= ops.multiply(g, ops.scalar(eta, g.dtype))  # η in the parameters' dtype


OPTIMIZERS: dict[str, Optimizer] = {opt.name: opt for opt in (SGD(),)}


def get_optimizer(name: str | Optimizer) -> Optimizer:
    """Look up an optimiser by name, or pass an :class:`Optimizer` instance through."""
    if isinstance(name, Optimizer):
        return name
    if isinstance(name, str) and name in OPTIMIZERS:
        return OPTIMIZERS[name]
    raise ValueError(f"unknown optimizer {name!r}; choose one of: {', '.join(sorted(OPTIMIZERS))}")
