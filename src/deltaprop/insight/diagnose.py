"""``diagnose(net, X, Y)``: how each layer of a network is placed to learn on some data.

One forward pass and one backward pass (BP1–BP4) over the samples give, per layer, the
figures of :class:`LayerDiagnostics`; the rules of :mod:`.findings` read them and say, in
plain language tied to the equations, what slows learning down.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from .._validation import check_positive_float, check_positive_int
from ..core.backprop import backward, forward
from .findings import Context, Finding, find, summary
from .layerstats import (
    SMALL_ACTIVATION,
    LayerDiagnostics,
    active_units,
    saturated_fraction,
    saturated_wrong,
    saturation_threshold,
    vector_norm,
)

if TYPE_CHECKING:
    from ..network import Network


@dataclass(frozen=True)
class Diagnosis:
    """What :func:`diagnose` found: ``str(diagnosis)`` is the table and the findings.

    Attributes
    ----------
    network : str
        The diagnosed network's repr.
    cost_name : str
        The name of its cost.
    n_samples : int
        The samples it was diagnosed on.
    cost : float
        The mean cost C on them.
    eta : float or None
        The learning rate the update ratios were computed with.
    layers : list of LayerDiagnostics
        ``layers[i]`` is layer l = i + 2.
    findings : list of Finding
        What the rules of :mod:`deltaprop.insight.findings` say, possibly nothing.

    Examples
    --------
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> report = deltaprop.diagnose(net, X, y, eta=3.0)
    >>> report.n_samples, len(report.layers)
    (60, 2)
    >>> print(report.table())                                 # doctest: +ELLIPSIS
    layer neurons  σ         mean |δ|   ‖∂C/∂w‖   ‖∂C/∂b‖ saturated   dead  mean a  update/w
        2       3  sigmoid   1.94e-02  1.66e-02  1.13e-02      0.0%      -   0.395  1.41e-02
        3       2  sigmoid   1.17e-01  3.25e-02  3.92e-02      0.0%      -   0.377  5.08e-02
    >>> Diagnosis.from_dict(report.to_dict()) == report
    True
    """

    network: str  # the network's repr
    cost_name: str
    n_samples: int
    cost: float  # the mean cost C on the samples
    eta: float | None
    layers: list[LayerDiagnostics] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def table(self) -> str:
        """The per-layer figures as a text table."""
        head = (
            f"{'layer':>5} {'neurons':>7}  {'σ':<8} {'mean |δ|':>9} {'‖∂C/∂w‖':>9} "
            f"{'‖∂C/∂b‖':>9} {'saturated':>9} {'dead':>6} {'mean a':>7} {'update/w':>9}"
        )
        lines = [head]
        for d in self.layers:
            sat = "-" if d.saturated is None else f"{d.saturated:.1%}"
            dead = "-" if d.dead is None else f"{d.dead:.0%}"
            ratio = "-" if d.update_ratio is None else f"{d.update_ratio:.2e}"
            lines.append(
                f"{d.layer:>5} {d.neurons:>7}  {d.activation:<8} {d.delta:9.2e} "
                f"{d.grad_w_norm:9.2e} {d.grad_b_norm:9.2e} {sat:>9} {dead:>6} "
                f"{d.activation_mean:7.3f} {ratio:>9}"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        eta = "" if self.eta is None else f", eta {self.eta:g}"
        lines = [
            f"diagnosis of {self.network} on {self.n_samples} samples: "
            f"mean {self.cost_name} cost {self.cost:.4g}{eta}",
            self.table(),
            "",
        ]
        if self.findings:
            lines.append(f"Findings ({len(self.findings)}):")
            for f in self.findings:
                lines.append(
                    textwrap.fill(str(f), 100, initial_indent="- ", subsequent_indent="  ")
                )
        notes = self.summary()
        if notes:
            lines.append(textwrap.fill(" ".join(notes), 100))
        return "\n".join(lines)

    def summary(self) -> list[str]:
        """What the findings leave unsaid, by the same bars (:func:`~.findings.summary`): each
        saturated layer no finding explains and, without findings, the bars no layer reached."""
        return summary(self.layers, self.findings, self.cost_name)

    def _repr_html_(self) -> str:
        from .html import diagnosis_html

        return diagnosis_html(self)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, JSON-ready."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Diagnosis:
        """The inverse of :meth:`to_dict`."""
        try:
            layers = [LayerDiagnostics(**d) for d in data["layers"]]
            findings = [Finding(**f) for f in data["findings"]]
            rest = {k: data[k] for k in ("network", "cost_name", "n_samples", "cost", "eta")}
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a diagnosis: {exc}") from None
        return cls(**rest, layers=layers, findings=findings)


def diagnose(
    net: Network,
    X: Any,
    Y: Any,
    *,
    eta: float | None = None,
    max_samples: int | None = 10_000,
    trained: bool | None = None,
) -> Diagnosis:
    """Per-layer figures and plain-language findings for ``net`` on data (X, Y).

    Parameters
    ----------
    net : Network
        Left unchanged.
    X : array of shape (n_samples, sizes[0])
        The samples, one per row.
    Y : array of shape (n_samples, sizes[-1]), or 1-D class labels
        Their targets, or class labels (one-hot encoded here).
    eta : float, optional
        The learning rate; when given, each layer's update ratio η ‖∂C/∂w^l‖ / ‖w^l‖ is
        computed and judged.
    max_samples : int or None, default 10000
        Use at most the first this many rows (one forward and one backward pass over them);
        None uses all.
    trained : bool, optional
        Whether the network has been trained (True) or is fresh from its initialisation
        (False); the findings' advice depends on it (initial weights for a fresh network,
        regularisation for a trained one). None: not known.

    Returns
    -------
    Diagnosis
        ``str(result)`` is the table and findings; ``result.layers`` and
        ``result.findings`` the same as data.

    Examples
    --------
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> report = diagnose(net, X, y)
    >>> print(report)                                          # doctest: +ELLIPSIS
    diagnosis of Network([4, 3, 2], ...) on 60 samples: mean quadratic cost 0.2706
    layer neurons  σ         mean |δ|   ‖∂C/∂w‖   ‖∂C/∂b‖ saturated   dead  mean a  update/w
        2       3  sigmoid   1.94e-02  1.66e-02  1.13e-02      0.0%      -   0.395         -
        3       2  sigmoid   1.17e-01  3.25e-02  3.92e-02      0.0%      -   0.377         -
    <BLANKLINE>
    No findings. No layer has 20% or more of its neurons saturated or 10% or more dead, and no two
    layers learn at speeds more than 10× apart (‖∂C/∂b‖ per neuron).
    >>> [layer.layer for layer in report.layers]
    [2, 3]
    """
    if eta is not None:
        eta = check_positive_float("eta", eta)
    X, Y = net.check_data(X, Y)
    if max_samples is not None:
        n = check_positive_int("max_samples", max_samples)
        X, Y = X[:n], Y[:n]
    xp, sigmas, cost_function = net.xp, net.sigmas, net.cost_function
    zs, activations = forward(net.weights, net.biases, sigmas, X, xp)
    grad_w, grad_b, deltas, _ = backward(net.weights, sigmas, cost_function, zs, activations, Y, xp)
    last = len(zs) - 1  # layer L
    cost = float(xp.mean(cost_function.value(zs[last], activations[last + 1], Y, xp)))
    layers = [
        _layer(net, i, zs[i], activations[i + 1], deltas[i], grad_w[i], grad_b[i], Y, eta)
        for i in range(len(zs))
    ]
    ctx = Context(cost_function.name, eta, int(X.shape[0]), net.config.init, trained)
    return Diagnosis(
        network=repr(net),
        cost_name=cost_function.name,
        n_samples=int(X.shape[0]),
        cost=cost,
        eta=eta,
        layers=layers,
        findings=find(layers, ctx),
    )


def _layer(
    net: Network,
    i: int,
    z: Any,
    a: Any,
    delta: Any,
    grad_w: Any,
    grad_b: Any,
    Y: Any,
    eta: float | None,
) -> LayerDiagnostics:
    """The figures of layer l = i + 2 from its z^l, a^l and δ^l (m, n_l) and its gradients;
    Y, the targets, for the output layer's saturated-and-wrong fraction."""
    xp, sigma = net.xp, net.sigmas[i]
    saturated = saturated_fraction(sigma, z, a, xp)
    wrong = None
    if i == len(net.sigmas) - 1 and saturation_threshold(sigma) is not None:
        wrong = float(saturated_wrong(sigma, z, a, Y, xp))
    dead = None
    if sigma.name == "relu":
        dead = 1.0 - float(xp.mean(xp.astype(active_units(z, xp), z.dtype)))
    grad_w_norm = float(vector_norm(grad_w, xp))
    grad_b_norm = float(vector_norm(grad_b, xp))
    weight_norm = float(vector_norm(net.weights[i], xp))
    ratio = None
    if eta is not None:
        ratio = eta * grad_w_norm / weight_norm if weight_norm > 0 else math.inf
    return LayerDiagnostics(
        layer=i + 2,
        neurons=int(z.shape[1]),
        activation=sigma.name,
        delta=float(xp.mean(xp.abs(delta))),
        grad_w_norm=grad_w_norm,
        grad_b_norm=grad_b_norm,
        speed=grad_b_norm / math.sqrt(z.shape[1]),
        saturated=None if saturated is None else float(saturated),
        saturation_threshold=saturation_threshold(sigma),
        saturated_wrong=wrong,
        dead=dead,
        activation_mean=float(xp.mean(a)),
        low_activation=float(xp.mean(xp.astype(xp.abs(a) < SMALL_ACTIVATION, a.dtype))),
        weight_norm=weight_norm,
        update_ratio=ratio,
    )
