"""Optimisers: how a gradient becomes an update of the parameters.

An optimiser is a small object with two methods, in the style of an ``(init, update)`` pair:
``state = opt.init(params)`` builds its state as plain data (a dict of arrays and numbers, so
a checkpoint can save it), and ``opt.update(params, grads, state, eta, xp)`` changes the
parameter arrays in place. ``params`` and ``grads`` are matching flat lists: the weights
w^2 … w^L followed by the biases b^2 … b^L. In training they are
:class:`~deltaprop.core.workspace.ArrayList` s whose ``.flat`` attribute, when not None, is the
one 1-D buffer all their arrays are views of: an optimiser that treats every number alike may
update that buffer in one operation instead of one per array.

The optimiser's own hyper-parameters (μ, β1, β2, ε) are fields of the frozen object; η is
passed to every update, so a schedule can change it.

With θ a parameter, g = ∂C/∂θ the mini-batch gradient and η the learning rate:

- ``sgd``:      θ → θ − η g
- ``momentum``: v → μ v − η g;  θ → θ + v                       (v, the velocity, starts at 0)
- ``nesterov``: v → μ v − η g;  θ → θ + μ v − η g               (the look-ahead form: the
  gradient at θ stands for the gradient at the point momentum is carrying θ to)
- ``adam``:     m → β1 m + (1 − β1) g;  v → β2 v + (1 − β2) g²;  t → t + 1;
  θ → θ − η_t m / (√v + ε) with η_t = η √(1 − β2^t) / (1 − β1^t)  (Kingma & Ba 2015, the
  bias-corrected update in the form of their section 2)
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from .._validation import check_fraction, check_positive_float
from ..core.activations import Array
from ..core.ops import ops_for
from ..core.workspace import ArrayList

__all__ = ["OPTIMIZERS", "SGD", "Adam", "Momentum", "Nesterov", "Optimizer", "get_optimizer"]


def _pieces(xp: Any, *lists: list[Array]) -> Iterator[tuple[Array, ...]]:
    """Matching pieces of equally shaped arrays, one from each list, to update in place.

    On the CPU, 1-D views of at most ``cache_block`` numbers, so that the temporaries of an
    update (η g, g², m/(√v + ε), …) are still in the cache when they are used: for Adam on a
    million-parameter network that halves the time of the update. Elsewhere, or for arrays
    that are not contiguous (whose reshape would be a copy), the arrays themselves.
    """
    ops = ops_for(xp)
    block = ops.cache_block if ops.writes_into else None
    for arrays in zip(*lists):
        size = math.prod(arrays[0].shape)
        if block is None or size <= block or not all(a.flags.c_contiguous for a in arrays):
            yield arrays
            continue
        flats = [a.reshape(-1) for a in arrays]  # views of contiguous arrays
        for i in range(0, size, block):
            yield tuple(f[i : i + block] for f in flats)


@dataclass(frozen=True)
class Optimizer:
    """Base class: an optimiser is an ``(init, update)`` pair over plain lists of arrays.

    ``init(params)`` returns the optimiser's state as plain data (a dict of arrays and
    numbers, so that a checkpoint can save it); ``update(params, grads, state, eta, xp)``
    changes the parameters and the state in place.

    Attributes
    ----------
    name : str
        The name ``Network.fit(optimizer=...)`` and the command line use.

    Examples
    --------
    >>> params = [np.array([1.0, 2.0])]                 # one parameter array, any shape
    >>> grads = [np.array([0.5, -0.5])]                 # ∂C/∂p, shaped like it
    >>> adam = get_optimizer("adam")
    >>> state = adam.init(params)
    >>> adam.update(params, grads, state, 0.1, np)       # η = 0.1
    >>> params[0].round(4)                               # Adam's first step is ±η
    array([0.9, 2.1])
    """

    name: ClassVar[str] = ""
    #: the TrainConfig fields of the hyper-parameters are named prefix + field name
    config_prefix: ClassVar[str] = ""

    def init(self, params: list[Array]) -> dict[str, Any]:
        """The optimiser's state for ``params`` (a list of arrays), as plain data (empty for
        plain SGD)."""
        return {}

    def update(
        self, params: list[Array], grads: list[Array], state: dict[str, Any], eta: float, xp: Any
    ) -> None:
        """Change ``params`` (and ``state``) in place, given the gradient ``grads`` (arrays
        shaped like ``params``), the learning rate ``eta`` and the array namespace ``xp``."""
        raise NotImplementedError


@dataclass(frozen=True)
class SGD(Optimizer):
    """Plain gradient descent, the seed's: w → w − η ∂C/∂w and b → b − η ∂C/∂b.

    Examples
    --------
    >>> params, grads = [np.array([1.0, 2.0])], [np.array([0.5, -0.5])]
    >>> SGD().update(params, grads, SGD().init(params), 0.1, np)
    >>> params[0]                                         # p − η ∂C/∂p
    array([0.95, 2.05])
    """

    name: ClassVar[str] = "sgd"

    def update(
        self, params: list[Array], grads: list[Array], state: dict[str, Any], eta: float, xp: Any
    ) -> None:
        """p → p − η ∂C/∂p for every parameter array, in place: the textbook step, the loop
        below. Where the arrays are views of one flat buffer (training's), the marked fast
        path :func:`_sgd_flat` computes the same numbers in one operation instead."""
        if _sgd_flat(params, grads, eta, xp):  # the fast path: the same numbers, fewer calls
            return
        ops = ops_for(xp)
        for p, g in zip(params, grads):  # w → w − η ∂C/∂w and b → b − η ∂C/∂b
            p -= ops.multiply(g, ops.scalar(eta, g.dtype))  # η in the parameters' dtype


def _sgd_flat(params: list[Array], grads: list[Array], eta: float, xp: Any) -> bool:
    """FAST PATH of :meth:`SGD.update`: the same p → p − η ∂C/∂p, done on the one flat buffer
    that ``params`` and ``grads`` are views of (``ArrayList.flat``); False, doing nothing,
    where there is none. η ∂C/∂p goes into the gradients' reused scratch array
    (``ArrayList.scratch``), so an update allocates nothing; on the CPU in pieces of at most
    ``cache_block`` numbers, so that it is still in the cache when it is subtracted; a small
    network, updated many times a second, in one operation.
    ``tests/training/test_optimizers.py`` checks it equal to the loop, bit for bit."""
    flat_p, flat_g = getattr(params, "flat", None), getattr(grads, "flat", None)
    if flat_p is None or flat_g is None or not isinstance(grads, ArrayList):
        return False
    ops = ops_for(xp)
    eta_s, n = ops.scalar(eta, flat_g.dtype), flat_p.shape[0]
    block = min(n, ops.cache_block or n)
    if n == block:
        flat_p -= ops.multiply(flat_g, eta_s, out=grads.scratch(n))
        return True
    eta_g = grads.scratch(block)
    for i in range(0, n, block):
        piece = flat_p[i : i + block]
        piece -= ops.multiply(flat_g[i : i + block], eta_s, out=eta_g[: piece.shape[0]])
    return True


@dataclass(frozen=True)
class Momentum(Optimizer):
    """Momentum: a velocity v → μ v − η g accumulates the gradients and θ → θ + v.

    Parameters
    ----------
    momentum : float, default 0.9
        μ, 0 ≤ μ < 1; μ = 0 is plain SGD.

    Examples
    --------
    >>> params, grads = [np.array([1.0, 2.0])], [np.array([0.5, -0.5])]   # shaped alike
    >>> opt = Momentum(momentum=0.9)
    >>> state = opt.init(params)                         # the velocity, zeros like params
    >>> for _ in range(2):                               # the same gradient twice, η = 0.1
    ...     opt.update(params, grads, state, 0.1, np)
    >>> state["velocity"][0], params[0]                  # v = −η g (1 + μ) after two steps
    (array([-0.095,  0.095]), array([0.855, 2.145]))
    """

    momentum: float = 0.9
    name: ClassVar[str] = "momentum"

    def __post_init__(self) -> None:
        object.__setattr__(self, "momentum", check_fraction("momentum", self.momentum))

    def init(self, params: list[Array]) -> dict[str, Any]:
        # p * 0: zeros of p's shape and dtype, in p's own array library
        return {"velocity": [p * 0 for p in params]}

    def update(
        self, params: list[Array], grads: list[Array], state: dict[str, Any], eta: float, xp: Any
    ) -> None:
        for p, g, v in _pieces(xp, params, grads, state["velocity"]):
            v *= self.momentum
            v -= eta * g  # v → μ v − η g
            p += v


@dataclass(frozen=True)
class Nesterov(Momentum):
    """Nesterov momentum: v → μ v − η g, then θ → θ + μ v − η g (the look-ahead step).

    Parameters
    ----------
    momentum : float, default 0.9
        μ, 0 ≤ μ < 1.

    Examples
    --------
    >>> params, grads = [np.array([1.0, 2.0])], [np.array([0.5, -0.5])]   # shaped alike
    >>> opt = Nesterov(momentum=0.9)
    >>> opt.update(params, grads, opt.init(params), 0.1, np)
    >>> params[0]                                         # θ + μ v − η g with v = −η g
    array([0.905, 2.095])
    """

    name: ClassVar[str] = "nesterov"

    def update(
        self, params: list[Array], grads: list[Array], state: dict[str, Any], eta: float, xp: Any
    ) -> None:
        mu = self.momentum
        for p, g, v in _pieces(xp, params, grads, state["velocity"]):
            step = eta * g
            v *= mu
            v -= step  # v → μ v − η g
            p += mu * v - step


@dataclass(frozen=True)
class Adam(Optimizer):
    """Adam: per-parameter steps from running means of g and g² (Kingma & Ba 2015).

    The usual η is about 0.001.

    Parameters
    ----------
    beta1, beta2 : float, default 0.9, 0.999
        The decay rates (0 ≤ β < 1) of the running means of g and of g².
    epsilon : float, default 1e-8
        Added to √v, keeps the division finite (> 0).

    Examples
    --------
    >>> params, grads = [np.array([1.0, 2.0])], [np.array([0.5, -0.05])]  # shaped alike
    >>> opt = Adam()
    >>> state = opt.init(params)                          # t, and m and v like params
    >>> opt.update(params, grads, state, 0.001, np)
    >>> state["t"], params[0].round(6)                    # each step about ±η, whatever |g|
    (1, array([0.999, 2.001]))
    """

    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8
    name: ClassVar[str] = "adam"

    def __post_init__(self) -> None:
        object.__setattr__(self, "beta1", check_fraction("beta1", self.beta1))
        object.__setattr__(self, "beta2", check_fraction("beta2", self.beta2))
        object.__setattr__(self, "epsilon", check_positive_float("epsilon", self.epsilon))

    def init(self, params: list[Array]) -> dict[str, Any]:
        return {"t": 0, "m": [p * 0 for p in params], "v": [p * 0 for p in params]}

    def update(
        self, params: list[Array], grads: list[Array], state: dict[str, Any], eta: float, xp: Any
    ) -> None:
        b1, b2 = self.beta1, self.beta2
        state["t"] = t = int(state["t"]) + 1
        eta_t = eta * (1.0 - b2**t) ** 0.5 / (1.0 - b1**t)  # bias correction of m and v
        for p, g, m, v in _pieces(xp, params, grads, state["m"], state["v"]):
            m *= b1
            m += (1.0 - b1) * g  # m → β1 m + (1 − β1) g
            v *= b2
            v += (1.0 - b2) * (g * g)  # v → β2 v + (1 − β2) g²
            p -= eta_t * (m / (xp.sqrt(v) + self.epsilon))


OPTIMIZERS: dict[str, Optimizer] = {
    opt.name: opt for opt in (SGD(), Momentum(), Nesterov(), Adam())
}  # each with its default hyper-parameters
"""Every optimiser by name, with its default hyper-parameters: sgd, momentum, nesterov, adam."""


def get_optimizer(name: str | Optimizer) -> Optimizer:
    """Look up an optimiser by name, or pass an :class:`Optimizer` instance through.

    Parameters
    ----------
    name : str or Optimizer
        ``"sgd"``, ``"momentum"``, ``"nesterov"`` or ``"adam"`` (with default
        hyper-parameters), or an instance.

    Returns
    -------
    Optimizer

    Examples
    --------
    >>> get_optimizer("sgd")
    SGD()
    >>> sorted(OPTIMIZERS)
    ['adam', 'momentum', 'nesterov', 'sgd']
    """
    if isinstance(name, Optimizer):
        return name
    if isinstance(name, str) and name in OPTIMIZERS:
        return OPTIMIZERS[name]
    raise ValueError(f"unknown optimizer {name!r}; choose one of: {', '.join(sorted(OPTIMIZERS))}")
