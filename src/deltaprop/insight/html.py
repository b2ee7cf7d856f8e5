"""How the insight results show themselves in a notebook: the bodies of the ``_repr_html_``
of :class:`~deltaprop.Diagnosis`, :class:`~deltaprop.GenieResult` and
:class:`~deltaprop.GradcheckResult`, built from the shared pieces of ``deltaprop._html``."""

from __future__ import annotations

from typing import Any

from .._html import block, bullets, paragraph, table

#: each column of a diagnosis, and the equation that makes it matter
DIAGNOSIS_LEGEND = (
    (
        "mean |δ|",
        "mean |δ^l_j| over samples and neurons: the error, δ^L by BP1 and each "
        "earlier δ^l from the next by BP2",
    ),
    ("‖∂C/∂w‖", "the weight gradient's norm; BP4: ∂C/∂w^l_jk = a^(l−1)_k δ^l_j"),
    ("‖∂C/∂b‖", "the bias gradient's norm; BP3: ∂C/∂b^l_j = δ^l_j, the layer's learning speed"),
    (
        "saturated",
        "share of entries with σ'(z) near 0: the σ'(z^l) factor of BP1 and BP2 makes "
        "δ^l small there",
    ),
    (
        "dead",
        "ReLU units with z ≤ 0 on every sample: σ'(z) = 0, so BP2 gives δ = 0 and they never learn",
    ),
    ("mean a", "mean a^l: the a^(l−1) factor of BP4 for the next layer's weights"),
    ("update/w", "η ‖∂C/∂w^l‖ / ‖w^l‖: how much one gradient-descent step changes the weights"),
)


def diagnosis_html(d: Any) -> str:
    """The per-layer table, a legend tying each column to its equation, and the findings."""
    eta = "" if d.eta is None else f", η = {d.eta:g}"
    head = (
        f"Diagnosis of {d.network} on {d.n_samples} samples: "
        f"mean {d.cost_name} cost {d.cost:.4g}{eta}"
    )
    columns = ["layer", "neurons", "σ", *(name for name, _ in DIAGNOSIS_LEGEND)]
    rows = []
    for lay in d.layers:
        rows.append(
            [
                lay.layer,
                lay.neurons,
                lay.activation,
                f"{lay.delta:.2e}",
                f"{lay.grad_w_norm:.2e}",
                f"{lay.grad_b_norm:.2e}",
                None if lay.saturated is None else f"{lay.saturated:.1%}",
                None if lay.dead is None else f"{lay.dead:.0%}",
                f"{lay.activation_mean:.3f}",
                None if lay.update_ratio is None else f"{lay.update_ratio:.2e}",
            ]
        )
    titles = [None, None, None, *(meaning for _, meaning in DIAGNOSIS_LEGEND)]
    legend = bullets(f"{name}: {meaning}" for name, meaning in DIAGNOSIS_LEGEND)
    findings = ""
    if d.findings:
        findings = paragraph(f"Findings ({len(d.findings)}):") + bullets(map(str, d.findings))
    notes = d.summary()  # what the findings leave unsaid, by the same bars
    if notes:
        findings += paragraph(" ".join(notes))
    return block(
        table(columns, rows, caption=head, titles=titles),
        "<details open><summary>What the columns are</summary>",
        legend,
        "</details>",
        findings,
    )


def genie_html(r: Any) -> str:
    """The genie's table (ΔC measured beside δ·Δz for each neuron) and what it says."""
    rows_of = "the sample" if r.n_samples == 1 else f"each of {r.n_samples} samples"
    head = f"Genie: Δz = {r.dz:g} added to z^l_j on {rows_of}; C = {r.cost:.6g}"
    rows = [
        [
            n.layer,
            n.neuron,
            f"{n.delta:.3e}",
            f"{n.change:.3e}",
            f"{n.predicted:.3e}",
            f"{n.relative_error:.1e}",
            None if n.sigma_prime is None else f"{n.sigma_prime:.3g}",
        ]
        for n in r.neurons
    ]
    columns = ["layer", "neuron", "δ^l_j", "ΔC", "δ·Δz", "|ΔC−δΔz|/|δΔz|", "mean σ′(z)"]
    notes = str(r).split("\n\n", 1)[1].replace("\n  ", " ").splitlines()  # the text's notes
    return block(table(columns, rows, caption=head), bullets(notes))


def gradcheck_html(r: Any) -> str:
    """Per-layer relative errors of backprop against centred finite differences."""
    rows = [
        [lc.layer, f"{lc.weights_error:.2e}", f"{lc.biases_error:.2e}", lc.checked]
        for lc in r.layers
    ]
    head = "Gradient check: BP1–BP4 against centred finite differences (float64)"
    columns = ["layer", "∂C/∂w rel. error", "∂C/∂b rel. error", "parameters checked"]
    summary = f"max relative error {r.max_error:.2e} (eps = {r.eps:g})"
    return block(table(columns, rows, caption=head), paragraph(summary))
