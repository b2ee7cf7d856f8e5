"""The gradient check: backpropagation against centred finite differences, in float64.

For each parameter p, (C(p + ε) − C(p − ε)) / 2ε approximates ∂C/∂p with an error of order ε²
(plus rounding of order 10⁻¹⁶/ε). Backprop's ∂C/∂p should agree to about 1e-9 in float64.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.backprop import backprop, mean_cost

if TYPE_CHECKING:
    from ..network import Network


@dataclass(frozen=True)
class LayerCheck:
    """The agreement for one layer l: relative error of ∂C/∂w^l and of ∂C/∂b^l.

    Attributes
    ----------
    layer : int
        l, counted as in docs/notation.md (2 … L).
    weights_error, biases_error : float
        The relative error of ∂C/∂w^l and of ∂C/∂b^l (see :class:`GradcheckResult`).
    checked : int
        Parameters compared in this layer.

    Examples
    --------
    >>> check = LayerCheck(layer=2, weights_error=3e-10, biases_error=1e-10, checked=15)
    >>> check.error
    3e-10
    """

    layer: int  # l, counted as in docs/notation.md (2 … L)
    weights_error: float
    biases_error: float
    checked: int  # parameters compared in this layer

    @property
    def error(self) -> float:
        """The larger of the two relative errors."""
        return max(self.weights_error, self.biases_error)


@dataclass(frozen=True)
class GradcheckResult:
    """Per-layer relative errors of backprop against finite differences.

    The relative error of a layer's weights is max_i |g_i − f_i| / max_i max(|g_i|, |f_i|),
    g from backprop and f from finite differences: the largest disagreement, measured against
    the largest gradient entry of that layer (entries far smaller than the largest are
    dominated by rounding in f, so an entry-by-entry ratio would measure rounding, not
    backprop). ``str(result)`` is a table of them.

    Attributes
    ----------
    layers : list of LayerCheck
        ``layers[i]`` is layer l = i + 2.
    eps : float
        The step ε of the centred differences.

    Examples
    --------
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> result = gradcheck(net, X, y)
    >>> [check.layer for check in result.layers], result.max_error < 1e-7
    ([2, 3], True)
    """

    layers: list[LayerCheck] = field(default_factory=list)
    eps: float = 1e-5

    @property
    def max_error(self) -> float:
        """The largest relative error over the layers."""
        return max((lc.error for lc in self.layers), default=0.0)

    def _repr_html_(self) -> str:
        from .html import gradcheck_html

        return gradcheck_html(self)

    def __str__(self) -> str:
        lines = ["layer   dC/dw rel. error   dC/db rel. error   parameters checked"]
        for lc in self.layers:
            lines.append(
                f"{lc.layer:>5}   {lc.weights_error:16.2e}   {lc.biases_error:16.2e}   "
                f"{lc.checked:>18}"
            )
        lines.append(
            f"max relative error {self.max_error:.2e} (centred differences, eps={self.eps:g})"
        )
        return "\n".join(lines)


def _relative_error(g: np.ndarray, f: np.ndarray) -> float:
    scale = max(float(np.max(np.abs(g))), float(np.max(np.abs(f))))
    if scale == 0.0:
        return 0.0
    return float(np.max(np.abs(g - f))) / scale


def gradcheck(
    net: Network,
    X: Any,
    Y: Any,
    *,
    eps: float = 1e-5,
    max_per_layer: int | None = None,
    seed: int = 0,
) -> GradcheckResult:
    """Compare ``net.backprop(X, Y)`` with centred finite differences, in float64.

    Parameters
    ----------
    net : Network
        Left unchanged; the check runs on a float64 copy.
    X : array of shape (n_samples, sizes[0])
        The samples, one per row (a few are enough: each parameter costs two passes).
    Y : array of shape (n_samples, sizes[-1]), or 1-D class labels
        Their targets, or class labels (one-hot encoded here).
    eps : float
        The step ε of the centred difference.
    max_per_layer : int, optional
        Check at most this many weights (and biases) per layer, drawn at random; all when
        None. Each checked parameter costs two forward passes.
    seed : int
        Seeds the choice of parameters when ``max_per_layer`` is set.

    Returns
    -------
    GradcheckResult
        ``result.layers[i]`` for layer l = i + 2; ``result.max_error`` overall.

    Examples
    --------
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> print(gradcheck(net, X, y))                           # doctest: +ELLIPSIS
    layer   dC/dw rel. error   dC/db rel. error   parameters checked
        2 ...e-1...                   15
        3 ...e-1...                    8
    max relative error ...e-1... (centred differences, eps=1e-05)
    """
    net64 = net.copy(dtype="float64")
    X64, Y64 = net64.check_data(X, Y)
    xp, acts, cost = net64.xp, net64.sigmas, net64.cost_function
    grad_w, grad_b = backprop(net64.weights, net64.biases, acts, cost, X64, Y64, xp)
    rng = np.random.default_rng(seed)

    def numeric(p: Any, flat_idx: np.ndarray) -> np.ndarray:
        out = np.empty(flat_idx.size)
        for k, i in enumerate(flat_idx):
            # A tuple of ints indexes any backend's array (Array API), and writing through it
            # perturbs the network's own parameter.
            at = tuple(int(j) for j in np.unravel_index(int(i), tuple(p.shape)))
            saved = float(p[at])
            p[at] = saved + eps
            c_plus = float(mean_cost(net64.weights, net64.biases, acts, cost, X64, Y64, xp))
            p[at] = saved - eps
            c_minus = float(mean_cost(net64.weights, net64.biases, acts, cost, X64, Y64, xp))
            p[at] = saved
            out[k] = (c_plus - c_minus) / (2 * eps)
        return out

    def pick(size: int) -> np.ndarray:
        if max_per_layer is None or size <= max_per_layer:
            return np.arange(size)
        return np.sort(rng.choice(size, max_per_layer, replace=False))

    layers = []
    for i, (w, b) in enumerate(zip(net64.weights, net64.biases)):
        iw, ib = pick(math.prod(w.shape)), pick(math.prod(b.shape))
        err_w = _relative_error(net64.to_numpy(grad_w[i]).reshape(-1)[iw], numeric(w, iw))
        err_b = _relative_error(net64.to_numpy(grad_b[i]).reshape(-1)[ib], numeric(b, ib))
        layers.append(LayerCheck(i + 2, err_w, err_b, int(iw.size + ib.size)))
    return GradcheckResult(layers, eps)
