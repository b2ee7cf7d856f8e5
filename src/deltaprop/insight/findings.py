"""Findings: plain-language rules that read a diagnosis through BP1–BP4.

Each rule is a function from the per-layer figures of a :class:`~.diagnose.Diagnosis` to a
list of :class:`Finding`; :data:`RULES` lists them in the order they are reported. The
thresholds are module constants, each with the reason for its value. :func:`summary` says what
the findings leave unsaid, by the same bars: a saturated layer (:func:`is_saturated`) that no
finding explains, and, when there are no findings, which bars no layer reached.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .layerstats import LayerDiagnostics

#: a layer with this fraction of saturated (sample, neuron) entries learns visibly slower
SATURATED = 0.2
#: per-neuron learning speeds of two layers further apart than this: vanishing or exploding
SPEED_RATIO = 10.0
#: ReLU layers with this fraction of units dead on every sample
DEAD = 0.1
#: hidden layers with this fraction of activations near 0 (ReLU layers are half zero when
#: healthy, so the bar sits well above one half)
LOW_ACTIVATION_FRACTION = 0.8
#: one step η ∂C/∂w^l as large as w^l itself is too large. (Healthy runs start near 0.1–0.7
#: on the full-data gradient: the first steps all push the output biases the same way.)
UPDATE_LARGE = 1.0
#: ... and by less than this fraction, too small to move the layer in any reasonable time
UPDATE_SMALL = 1e-6


@dataclass(frozen=True)
class Finding:
    """One thing the figures say, with the number behind it.

    Attributes
    ----------
    rule : str
        The rule's name, e.g. ``"saturated_output"``.
    layer : int
        The layer l it is about (2 … L).
    equation : str
        The equation that explains it: ``"BP1"`` … ``"BP4"``.
    value : float
        The figure that triggered the rule (a fraction, a ratio).
    message : str
        The finding in plain language, with what to do about it.

    Examples
    --------
    >>> net = deltaprop.Network([4, 3, 2], seed=0)
    >>> net.biases[-1][:] = 8.0                        # the outputs start saturated at 1
    >>> X, y = np.random.default_rng(0).random((6, 4)), np.array([0, 1, 1, 0, 1, 0])
    >>> finding = deltaprop.diagnose(net, X, y).findings[0]
    >>> finding.rule, finding.layer, finding.equation
    ('saturated_output', 3, 'BP1')
    """

    rule: str
    layer: int
    equation: str
    value: float
    message: str

    def __str__(self) -> str:
        return f"[{self.equation}] {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """Plain data, JSON-ready."""
        return asdict(self)


@dataclass(frozen=True)
class Context:
    """What the rules know besides the layers: the cost's name, the learning rate, the
    initialisation the network was built with, and whether it has been trained (None: not
    known), so that the advice fits the network (no ``--init scaled`` for a network that
    already has it, no initialisation advice for a trained one)."""

    cost: str
    eta: float | None
    n_samples: int
    init: str | None = None
    trained: bool | None = None


def _smaller_weights(ctx: Context, layer: LayerDiagnostics) -> str:
    """How to keep w^l small enough, for this network: its initialisation for a fresh one
    whose weights are larger than N(0, 1/n_in), the inputs where they are not, and
    regularisation for a trained one."""
    if ctx.trained:
        return "weights kept small as they train (L2 regularisation, e.g. --l2 5)"
    if ctx.init is None:  # a caller that did not say: the usual advice
        return "smaller initial weights (--init scaled: w ~ N(0, 1/n_in))"
    # RMS of w^l times √n_in, ‖w‖ / √n_l: about 1 for N(0, 1/n_in), √n_in for N(0, 1)
    times = layer.weight_norm / math.sqrt(layer.neurons)
    if times <= 2.0:
        return "inputs scaled to about [0, 1] (the weights are already N(0, 1/n_in) in size)"
    if ctx.init != "scaled":
        return "smaller initial weights (--init scaled: w ~ N(0, 1/n_in))"
    return f"smaller weights (w^{layer.layer} is {times:.0f}× the size --init scaled gives)"


Rule = Callable[["Sequence[LayerDiagnostics]", Context], list[Finding]]


def is_saturated(layer: LayerDiagnostics) -> bool:
    """The one rule for "layer l is saturated", which the findings and the summary share: at
    least :data:`SATURATED` of its (sample, neuron) entries have σ'(z) below its threshold."""
    return layer.saturated is not None and layer.saturated >= SATURATED


def _pct(x: float) -> str:
    return f"{x:.0%}" if x >= 0.01 else f"{x:.1%}"


def _name(layer: LayerDiagnostics, last: int) -> str:
    return f"output layer (layer {layer.layer})" if layer.layer == last else f"layer {layer.layer}"


def saturated_output(layers: Sequence[LayerDiagnostics], ctx: Context) -> list[Finding]:
    """BP1: with the quadratic cost δ^L = (a^L − y) ⊙ σ'(z^L); saturation stalls the output."""
    out = layers[-1]
    wrong = out.saturated_wrong
    if ctx.cost != "quadratic" or wrong is None or wrong < SATURATED:
        return []
    fix = {
        "sigmoid": "the cross-entropy cost removes that factor (--cost cross-entropy)",
        "softmax": "the log-likelihood cost removes that factor (--cost cross-entropy)",
    }.get(
        out.activation,
        "the cross-entropy cost removes that factor, with sigmoid outputs "
        "(--output-activation sigmoid --cost cross-entropy)",
    )
    message = (
        f"{_name(out, out.layer)}: {_pct(wrong)} of its outputs are saturated at the wrong "
        f"value (σ'(z) < {out.saturation_threshold:g} while |a − y| > 0.5); with the quadratic "
        f"cost BP1 scales δ^L = (a^L − y) ⊙ σ'(z^L) by σ'(z^L), so these learn slowly — {fix}"
    )
    return [Finding("saturated_output", out.layer, "BP1", wrong, message)]


def saturated_right(layers: Sequence[LayerDiagnostics], ctx: Context) -> list[Finding]:
    """BP1 where a ≈ y: a saturated output that is right has nothing left to learn. (Said for
    the quadratic cost, whose δ^L carries σ'(z^L); cross-entropy's does not, so there output
    saturation never matters.)"""
    out = layers[-1]
    if ctx.cost != "quadratic" or out.saturated is None or out.saturated_wrong is None:
        return []
    right = out.saturated - out.saturated_wrong
    if not is_saturated(out) or out.saturated_wrong >= SATURATED or right < SATURATED:
        return []
    message = (
        f"{_name(out, out.layer)}: {_pct(right)} of its outputs are saturated at the right "
        f"value (σ'(z) small while |a − y| < 0.5) and only {_pct(out.saturated_wrong)} at the "
        f"wrong one; the quadratic cost's small δ^L = (a^L − y) ⊙ σ'(z^L) (BP1) is fine where "
        f"a ≈ y — that is a network that has learned these samples, not the slowdown"
    )
    return [Finding("saturated_right", out.layer, "BP1", right, message)]


def saturated_hidden(layers: Sequence[LayerDiagnostics], ctx: Context) -> list[Finding]:
    """BP2: δ^l = ((w^(l+1))ᵀ δ^(l+1)) ⊙ σ'(z^l); saturated hidden neurons pass little back."""
    found = []
    for layer in layers[:-1]:
        if is_saturated(layer):
            assert layer.saturated is not None  # for the type checker: is_saturated says so
            message = (
                f"layer {layer.layer}: {_pct(layer.saturated)} of its neurons are saturated "
                f"(σ'(z) < {layer.saturation_threshold:g}); BP2 multiplies δ^{layer.layer} by "
                f"σ'(z^{layer.layer}), so the weights and biases into them learn slowly (BP3, "
                f"BP4), and so does every layer below — {_smaller_weights(ctx, layer)} keep z "
                f"out of saturation"
            )
            if ctx.trained:
                message += "; some saturation is usual once a network has learned"
            found.append(Finding("saturated_hidden", layer.layer, "BP2", layer.saturated, message))
    return found


def _speed_pairs(
    layers: Sequence[LayerDiagnostics],
) -> list[tuple[LayerDiagnostics, LayerDiagnostics, LayerDiagnostics]]:
    """For each layer below the output: itself, the fastest and the slowest layer above it."""
    out = []
    for i, layer in enumerate(layers[:-1]):
        above = layers[i + 1 :]
        out.append((layer, max(above, key=lambda x: x.speed), min(above, key=lambda x: x.speed)))
    return out


def vanishing_gradient(layers: Sequence[LayerDiagnostics], ctx: Context) -> list[Finding]:
    """BP2 multiplies δ by (w^(l+1))ᵀ and σ'(z^l) at every layer on the way back."""
    found = []
    for layer, fast, _ in _speed_pairs(layers):
        if fast.speed > 0 and layer.speed * SPEED_RATIO < fast.speed:
            ratio = fast.speed / layer.speed if layer.speed > 0 else float("inf")
            message = (
                f"layer {layer.layer} learns {ratio:.0f}× slower than layer {fast.layer} "
                f"(‖∂C/∂b‖ per neuron: {layer.speed:.2g} against {fast.speed:.2g}): vanishing "
                f"gradient — BP2 multiplies δ by (w^(l+1))ᵀ and σ'(z^l) at every layer on the "
                f"way back, and these factors are small here; fewer layers, unsaturated neurons "
                f"({_smaller_weights(ctx, layer)}) or ReLU units (--activation relu) keep δ from "
                f"shrinking"
            )
            found.append(Finding("vanishing_gradient", layer.layer, "BP2", ratio, message))
    return found


def exploding_gradient(layers: Sequence[LayerDiagnostics], ctx: Context) -> list[Finding]:
    """The same products of BP2, when they are large: δ grows on the way back."""
    found = []
    for layer, _, slow in _speed_pairs(layers):
        if slow.speed > 0 and layer.speed > SPEED_RATIO * slow.speed:
            ratio = layer.speed / slow.speed
            message = (
                f"layer {layer.layer} learns {ratio:.0f}× faster than layer {slow.layer} "
                f"(‖∂C/∂b‖ per neuron: {layer.speed:.2g} against {slow.speed:.2g}): exploding "
                f"gradient — the factors (w^(l+1))ᵀ and σ'(z^l) that BP2 multiplies δ by on "
                f"the way back are large; {_smaller_weights(ctx, layer)} or a smaller "
                f"learning rate keep the early layers stable"
            )
            found.append(Finding("exploding_gradient", layer.layer, "BP2", ratio, message))
    return found


def dead_units(layers: Sequence[LayerDiagnostics], ctx: Context) -> list[Finding]:
    """BP2 with σ'(z) = 0: a ReLU unit inactive on every sample gets δ = 0 and never learns."""
    found = []
    for layer in layers:
        if layer.dead is not None and layer.dead >= DEAD:
            message = (
                f"{_name(layer, layers[-1].layer)}: {_pct(layer.dead)} of its ReLU units are "
                f"dead (z ≤ 0 on all {ctx.n_samples} samples); σ'(z) = 0 there, so BP2 gives "
                f"δ = 0 and BP3/BP4 never change the weights into them — a smaller learning "
                f"rate or {_smaller_weights(ctx, layer)} keep units alive"
            )
            found.append(Finding("dead_units", layer.layer, "BP2", layer.dead, message))
    return found


def low_activation(layers: Sequence[LayerDiagnostics], ctx: Context) -> list[Finding]:
    """BP4: ∂C/∂w^(l+1) = δ^(l+1) (a^l)ᵀ is small where a^l is near 0."""
    found = []
    for layer in layers[:-1]:
        if layer.dead is not None and layer.dead >= DEAD:
            continue  # dead_units explains these zeros
        if layer.low_activation >= LOW_ACTIVATION_FRACTION:
            nxt = layer.layer + 1
            message = (
                f"layer {layer.layer}: {_pct(layer.low_activation)} of its activations are near "
                f"0 (|a| < 0.01); BP4 gives ∂C/∂w^{nxt} = δ^{nxt} (a^{layer.layer})ᵀ, so the "
                f"weights out of these neurons into layer {nxt} learn slowly"
            )
            found.append(
                Finding("low_activation", layer.layer, "BP4", layer.low_activation, message)
            )
    return found


def update_size(layers: Sequence[LayerDiagnostics], ctx: Context) -> list[Finding]:
    """BP4 and the learning rate: the step η ∂C/∂w^l against the size of w^l."""
    if ctx.eta is None:
        return []
    found = []
    for layer in layers:
        r = layer.update_ratio
        if r is None:
            continue
        if r >= UPDATE_LARGE:
            message = (
                f"{_name(layer, layers[-1].layer)}: one step of η = {ctx.eta:g} changes "
                f"w^{layer.layer} by {_pct(r)} of its size (η ‖∂C/∂w‖ / ‖w‖ from BP4): too "
                f"large a step, training may oscillate or diverge — try eta {ctx.eta / 10:g}"
            )
            found.append(Finding("update_too_large", layer.layer, "BP4", r, message))
        elif r < UPDATE_SMALL:
            message = (
                f"{_name(layer, layers[-1].layer)}: one step of η = {ctx.eta:g} changes "
                f"w^{layer.layer} by only {r:.1e} of its size (η ‖∂C/∂w‖ / ‖w‖ from BP4): "
                f"this layer barely moves"
            )
            found.append(Finding("update_too_small", layer.layer, "BP4", r, message))
    return found


RULES: tuple[Rule, ...] = (
    saturated_output,
    saturated_right,
    saturated_hidden,
    vanishing_gradient,
    exploding_gradient,
    dead_units,
    low_activation,
    update_size,
)


def find(layers: Sequence[LayerDiagnostics], ctx: Context) -> list[Finding]:
    """Every finding of every rule, in the order of :data:`RULES`."""
    return [finding for rule in RULES for finding in rule(layers, ctx)]


#: the rules whose findings explain a layer's saturation
_SATURATION_RULES = ("saturated_output", "saturated_right", "saturated_hidden")


def summary(
    layers: Sequence[LayerDiagnostics], findings: Sequence[Finding], cost: str
) -> list[str]:
    """The sentences a diagnosis adds to its findings, by the bars of the rules: one for each
    saturated layer (:func:`is_saturated`) that no finding explains, and, when there are no
    findings, which bars no layer reached. So a table that shows a saturated layer is never
    summed up as "no layer is saturated".

    Examples
    --------
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> report = deltaprop.diagnose(net, X, y)
    >>> summary(report.layers, report.findings, report.cost_name)       # doctest: +ELLIPSIS
    ['No findings.', 'No layer has 20% or more of its neurons saturated or 10% or more dead, ...']
    """
    explained = {f.layer for f in findings if f.rule in _SATURATION_RULES}
    last = layers[-1].layer
    notes = [
        _saturation_note(layer, last, cost)
        for layer in layers
        if is_saturated(layer) and layer.layer not in explained
    ]
    if findings:
        return notes
    speeds = f"no two layers learn at speeds more than {SPEED_RATIO:g}× apart (‖∂C/∂b‖ per neuron)"
    if notes:
        bars = (
            f"No other layer has {SATURATED:.0%} or more of its neurons saturated; no layer has "
            f"{DEAD:.0%} or more of its units dead, and {speeds}."
        )
    else:
        bars = (
            f"No layer has {SATURATED:.0%} or more of its neurons saturated or {DEAD:.0%} or more "
            f"dead, and {speeds}."
        )
    return ["No findings.", *notes, bars]


def _saturation_note(layer: LayerDiagnostics, last: int, cost: str) -> str:
    """A saturated layer that no finding explains, and why its saturation is not a slowdown."""
    is_output = layer.layer == last
    what = "outputs" if is_output else "neurons"
    note = (
        f"{_name(layer, last).capitalize()} has {_pct(layer.saturated or 0.0)} of its {what} "
        f"saturated (σ'(z) < {layer.saturation_threshold:g})"
    )
    if is_output and cost != "quadratic":
        return (
            f"{note}, which does not slow its learning: with the {cost} cost BP1 gives "
            f"δ^L = a^L − y, without the factor σ'(z^L)."
        )
    if is_output and layer.saturated_wrong is not None:
        right = (layer.saturated or 0.0) - layer.saturated_wrong
        return (
            f"{note}: {_pct(layer.saturated_wrong)} at the wrong value (|a − y| > 0.5) and "
            f"{_pct(right)} at the right one."
        )
    return f"{note}."
