"""The genie of the classic derivation, runnable.

The text defines δ^l_j = ∂C/∂z^l_j through a demon, or genie, that sits at neuron j of layer
l and adds a little Δz^l_j to its weighted input, so that the neuron outputs σ(z^l_j + Δz^l_j)
instead of σ(z^l_j). The change propagates through the later layers and the cost changes by
about ΔC ≈ δ^l_j Δz^l_j. A large |δ^l_j| means the neuron is far from optimal: the genie can
lower the cost by choosing Δz against the sign of δ. A δ near 0 means it cannot, either
because the neuron is near optimal or because it is saturated (σ'(z) ≈ 0, BP2).

:func:`genie` does exactly that on a real network: for each chosen neuron it reruns the
forward pass from layer l with z^l_j + Δz on every sample of the batch, and sets the measured
ΔC beside δ^l_j Δz. On one sample this is the text's δ^(x,l)_j; on several, C is their mean
cost and δ^l_j the mean of their δ's, which BP3 says is ∂C/∂b^l_j. Runs in float64.
"""

from __future__ import annotations

import math
import numbers
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validation import check_positive_float, check_positive_int
from ..core.backprop import backward, forward
from .layerstats import saturation_threshold, sigma_prime

if TYPE_CHECKING:
    from ..network import Network

#: |δ| at most this fraction of the largest |δ| in the network counts as δ ≈ 0
NEGLIGIBLE = 1e-3


@dataclass(frozen=True)
class GenieNeuron:
    """The genie's experiment on neuron j of layer l.

    Attributes
    ----------
    layer : int
        l, 2 … L.
    neuron : int
        j, counted from 0.
    delta : float
        δ^l_j from BP1/BP2.
    dz : float
        Δz, added to z^l_j on every sample.
    change : float
        ΔC, measured: C(z^l_j + Δz) − C(z^l_j).
    sigma_prime : float or None
        Mean σ'(z^l_j) over the samples (None for relu, identity).

    Examples
    --------
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> n = genie(net, X, y, neurons=[(3, 0)]).neurons[0]
    >>> n.layer, n.neuron, abs(n.change - n.predicted) < 1e-3 * abs(n.predicted)
    (3, 0, True)
    """

    layer: int  # l, 2 … L
    neuron: int  # j, counted from 0
    delta: float  # δ^l_j from BP1/BP2
    dz: float  # Δz, added to z^l_j on every sample
    change: float  # ΔC, measured: C(z^l_j + Δz) − C(z^l_j)
    sigma_prime: float | None  # mean σ'(z^l_j) over the samples (None for relu, identity)

    @property
    def predicted(self) -> float:
        """δ^l_j Δz, the first-order change the text predicts."""
        return self.delta * self.dz

    @property
    def relative_error(self) -> float:
        """|ΔC − δ Δz| / |δ Δz|: of order Δz when the first-order picture holds."""
        p = self.predicted
        return abs(self.change - p) / abs(p) if p != 0 else math.inf


@dataclass(frozen=True)
class GenieResult:
    """The genie's experiments, and what they say about the network's neurons.

    Attributes
    ----------
    neurons : list of GenieNeuron
        The neurons the genie nudged, in the order asked for (or by decreasing |δ|).
    far : list of (layer, neuron, delta)
        The neurons with the largest |δ| in the network: the furthest from optimal.
    stuck : list of (layer, neuron, delta, sigma_prime)
        Neurons with δ ≈ 0 that are saturated: the genie cannot help them.
    near_optimal : int
        Neurons with δ ≈ 0 that are not saturated.
    n_samples : int
        The samples nudged.
    cost : float
        Their mean cost C before the nudge.
    dz : float
        Δz.
    n_neurons : int
        Neurons in layers 2 … L.

    Examples
    --------
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> result = genie(net, X, y, top=2)
    >>> len(result.neurons), result.n_neurons
    (2, 5)
    >>> print(result)                                         # doctest: +ELLIPSIS
    genie: adds Δz = 0.001 to z^l_j on each of 60 samples and measures the change ΔC ...
    layer neuron       δ^l_j          ΔC        δ·Δz  |ΔC−δΔz|/|δΔz| mean σ′(z)
        3      0  -2.976e-02  -2.974e-05  -2.976e-05         6.4e-04      0.228
        3      1  -2.555e-02  -2.552e-05  -2.555e-05         1.1e-03      0.238
    <BLANKLINE>
    Far from optimal (largest |δ|): layer 3 neuron 0 (δ = -0.0298), layer 3 neuron 1 (δ = -0.0255).
    No neuron is both saturated and at δ ≈ 0: the genie can move them all.
    """

    n_samples: int
    cost: float
    dz: float
    n_neurons: int
    neurons: list[GenieNeuron] = field(default_factory=list)
    far: list[tuple[int, int, float]] = field(default_factory=list)
    stuck: list[tuple[int, int, float, float]] = field(default_factory=list)
    near_optimal: int = 0

    def _repr_html_(self) -> str:
        from .html import genie_html

        return genie_html(self)

    def __str__(self) -> str:
        rows = "the sample" if self.n_samples == 1 else f"each of {self.n_samples} samples"
        lines = [
            f"genie: adds Δz = {self.dz:g} to z^l_j on {rows} and measures the change ΔC in "
            f"the cost (C = {self.cost:.6g})",
            f"{'layer':>5} {'neuron':>6} {'δ^l_j':>11} {'ΔC':>11} {'δ·Δz':>11} "
            f"{'|ΔC−δΔz|/|δΔz|':>15} {'mean σ′(z)':>10}",
        ]
        for n in self.neurons:
            sp = "-" if n.sigma_prime is None else f"{n.sigma_prime:.3g}"
            lines.append(
                f"{n.layer:>5} {n.neuron:>6} {n.delta:11.3e} {n.change:11.3e} "
                f"{n.predicted:11.3e} {n.relative_error:15.1e} {sp:>10}"
            )
        far = ", ".join(f"layer {layer} neuron {j} (δ = {d:.3g})" for layer, j, d in self.far)
        notes = [f"Far from optimal (largest |δ|): {far}."]
        if self.stuck:
            eg = ", ".join(
                f"layer {layer} neuron {j} (δ = {d:.1e}, σ′ = {sp:.1e})"
                for layer, j, d, sp in self.stuck[:3]
            )
            notes.append(
                f"The genie cannot help (δ ≈ 0 because σ'(z) ≈ 0: saturated): "
                f"{len(self.stuck)} of {self.n_neurons} neurons, e.g. {eg}."
            )
        else:
            notes.append("No neuron is both saturated and at δ ≈ 0: the genie can move them all.")
        if self.near_optimal:
            count = self.near_optimal
            notes.append(
                f"Near optimal (δ ≈ 0, not saturated): {count} neuron{'s' * (count != 1)}."
            )
        lines.append("")
        lines += [textwrap.fill(note, 100, subsequent_indent="  ") for note in notes]
        return "\n".join(lines)


def genie(
    net: Network,
    X: Any,
    Y: Any,
    *,
    neurons: Sequence[tuple[int, int]] | None = None,
    dz: float = 1e-3,
    top: int = 5,
) -> GenieResult:
    """Nudge z^l_j by Δz and compare the cost's change ΔC with δ^l_j Δz.

    Parameters
    ----------
    net : Network
        Left unchanged; the experiment runs on a float64 copy.
    X : array of shape (n_samples, sizes[0])
        The samples (one, as in the text, or a batch).
    Y : array of shape (n_samples, sizes[-1]), or 1-D class labels
        Their targets, or class labels (one-hot encoded here).
    neurons : sequence of (layer, neuron) pairs, optional
        Which neurons to nudge: layer l in 2 … L (numbered as in docs/notation.md), neuron j from 0.
        By default the ``top`` neurons with the largest |δ|.
    dz : float, default 1e-3
        Δz; ΔC agrees with δ Δz up to a relative error of order Δz.
    top : int, default 5
        How many neurons to nudge by default, and to list as far from optimal.

    Returns
    -------
    GenieResult
        ``str(result)`` is the table and what it says.

    Examples
    --------
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> result = genie(net, X[:1], y[:1], neurons=[(3, 1), (2, 0)], dz=1e-4)
    >>> [(n.layer, n.neuron) for n in result.neurons]
    [(3, 1), (2, 0)]
    >>> all(abs(n.change - n.delta * n.dz) <= 1e-3 * abs(n.delta * n.dz) for n in result.neurons)
    True
    """
    dz = check_positive_float("dz", dz)
    top = check_positive_int("top", top)
    net64 = net.copy(dtype="float64")
    X, Y = net64.check_data(X, Y)
    xp, sigmas, cost_function = net64.xp, net64.sigmas, net64.cost_function
    zs, activations = forward(net64.weights, net64.biases, sigmas, X, xp)
    _, grad_b, _, _ = backward(net64.weights, sigmas, cost_function, zs, activations, Y, xp)
    cost = _mean_cost(net64, zs, activations, Y)

    # δ^l_j of the batch: the mean of the samples' δ, which is ∂C/∂b^l_j (BP3).
    deltas = [np.asarray(net64.to_numpy(g), dtype=np.float64) for g in grad_b]
    flat = [(i + 2, j, float(d[j])) for i, d in enumerate(deltas) for j in range(d.shape[0])]
    by_size = sorted(flat, key=lambda t: -abs(t[2]))
    chosen = _check_neurons(neurons, net64.sizes) if neurons is not None else None
    if chosen is None:
        chosen = [(layer, j) for layer, j, _ in by_size[:top]]
    sigma_primes = _mean_sigma_primes(net64, zs, activations)
    results = []
    for layer, j in chosen:
        i = layer - 2
        change = _nudged_cost(net64, zs, activations, Y, i, j, dz) - cost
        sigma_prime = None if sigma_primes[i] is None else float(sigma_primes[i][j])
        results.append(GenieNeuron(layer, j, float(deltas[i][j]), dz, change, sigma_prime))
    stuck, near = _stuck_and_near(flat, sigma_primes, sigmas)
    return GenieResult(
        n_samples=int(X.shape[0]),
        cost=cost,
        dz=dz,
        n_neurons=len(flat),
        neurons=results,
        far=by_size[:top],
        stuck=stuck,
        near_optimal=near,
    )


def _mean_sigma_primes(net: Network, zs: list[Any], activations: list[Any]) -> list[Any]:
    """Each layer's σ'(z^l_j) averaged over the samples, shape (n_l,) (None where σ does not
    saturate: relu, identity)."""
    xp = net.xp
    out: list[Any] = []
    for i, sigma in enumerate(net.sigmas):
        if saturation_threshold(sigma) is None:
            out.append(None)
        else:
            mean = xp.mean(sigma_prime(sigma, zs[i], activations[i + 1], xp), axis=0)
            out.append(np.asarray(net.to_numpy(mean), dtype=np.float64))
    return out


def _stuck_and_near(
    flat: list[tuple[int, int, float]], sigma_primes: list[Any], sigmas: list[Any]
) -> tuple[list[tuple[int, int, float, float]], int]:
    """Of the neurons (layer, j, δ^l_j) with δ ≈ 0: those that are saturated, with their
    mean σ'(z), and how many others there are (near optimal)."""
    largest = max(abs(d) for _, _, d in flat)
    stuck, near = [], 0
    for layer, j, d in flat:
        if abs(d) > NEGLIGIBLE * largest:
            continue
        sp, threshold = sigma_primes[layer - 2], saturation_threshold(sigmas[layer - 2])
        if sp is not None and threshold is not None and sp[j] < threshold:
            stuck.append((layer, j, d, float(sp[j])))
        else:
            near += 1
    return stuck, near


def _mean_cost(net: Network, zs: list[Any], activations: list[Any], Y: Any) -> float:
    last = len(zs) - 1
    cost = net.cost_function.value(zs[last], activations[last + 1], Y, net.xp)
    return float(net.xp.mean(cost))


def _nudged_cost(
    net: Network, zs: list[Any], activations: list[Any], Y: Any, i: int, j: int, dz: float
) -> float:
    """The mean cost when z^l_j (l = i + 2) becomes z^l_j + Δz on every sample."""
    xp, sigmas = net.xp, net.sigmas
    z = xp.asarray(zs[i], copy=True)
    z[:, j] += dz  # the genie
    new_zs, new_activations = [*zs[:i], z], [*activations[: i + 1], sigmas[i](z, xp)]
    for k in range(i + 1, len(zs)):  # eq. 25 for the layers after l
        z = new_activations[k] @ net.weights[k].T + net.biases[k]
        new_zs.append(z)
        new_activations.append(sigmas[k](z, xp))
    return _mean_cost(net, new_zs, new_activations, Y)


def _check_neurons(neurons: Any, sizes: tuple[int, ...]) -> list[tuple[int, int]]:
    out = []
    last = len(sizes)
    for item in neurons:
        ok = isinstance(item, (tuple, list)) and len(item) == 2
        if ok:
            layer, j = item
            ok = all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in item)
        if not ok:
            raise ValueError(f"neurons must be (layer, neuron) pairs of integers, got {item!r}")
        if not 2 <= layer <= last:
            raise ValueError(
                f"layer {layer} has no weighted input z: choose a layer from 2 to {last} "
                f"(layer 1 is the input)"
            )
        if not 0 <= j < sizes[layer - 1]:
            raise ValueError(
                f"layer {layer} has {sizes[layer - 1]} neurons, so neuron must be 0 … "
                f"{sizes[layer - 1] - 1}; got {j}"
            )
        out.append((int(layer), int(j)))
    if not out:
        raise ValueError("neurons is empty; give at least one (layer, neuron) pair, or None")
    return out
