"""The training report: one self-contained HTML file.

The page holds the run's configuration, the per-epoch table (with each layer's learning speed
and saturation when the run was monitored), the figures of :mod:`.plots` embedded as PNG data
URIs (learning speed and saturation per sampled mini-batch, where a plateau shows), and the
diagnosis with its findings. It loads nothing: no scripts, fonts, style sheets or images from
elsewhere, so it opens offline and can be mailed as one file.

While a run goes on, ``deltaprop train --report`` rewrites the file (atomically) after its
epochs and renders it with ``live=True``: a ``<meta http-equiv="refresh">`` makes the open page
reload itself every few seconds. The last version, written when the run ends or is
interrupted, has no refresh, so the page stops reloading.
"""

from __future__ import annotations

import base64
import html
import math
import os
from pathlib import Path
from typing import Any

from ..io.atomic import atomic_write
from .plots import monitored_layers, render_pngs
from .run import Run

__all__ = ["render_report", "write_report"]

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222;
       padding: 0 1em; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.85em; }
th, td { border: 1px solid #ddd; padding: 0.2em 0.55em; text-align: right; }
th { background: #f3f3f3; } td.key { text-align: left; font-weight: 600; }
.scroll { overflow-x: auto; } figure { margin: 1em 0; } img { max-width: 100%; height: auto; }
figcaption { font-size: 0.85em; color: #555; } pre { background: #f7f7f7; padding: 0.8em;
overflow-x: auto; font-size: 0.8em; } li { margin-bottom: 0.4em; }
.eq { font-weight: 600; color: #7a2e8e; }
"""

_CAPTIONS = {
    "training": "Mean cost per epoch (training: over the epoch's mini-batches, each before its "
    "update; {data} data: after the epoch) and accuracy on the {data} data.",
    "learning_speed": "Learning speed of each layer: ‖∂C/∂b^l‖, the length of the mean δ^l "
    "(BP3), at each sampled mini-batch (lines) and averaged over each epoch (dots). A flat "
    "stretch is a plateau: δ^l stays small while σ'(z) ≈ 0 (BP1, BP2). Layers far below the "
    "others learn slowly (BP2).",
    "saturation": "Fraction of (sample, neuron) entries whose σ'(z) is below the saturation "
    "threshold (BP1, BP2 multiply δ by σ'(z)), at each sampled mini-batch (lines) and per "
    "epoch (dots), and dead ReLU units.",
    "weights": "The weights into the first hidden layer, one image per neuron.",
    "confusion": "Confusion matrix on the {data} data: rows are true classes, columns "
    "predicted classes.",
}
_DATA = {"val": "validation", "test": "test"}  # the prefix of a History column, and its name
# seconds between reloads of a live report
REFRESH_SECONDS = 5


def _fmt(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v) for v in value)
    return str(value)


def _table(header: list[str], rows: list[list[Any]], *, keyed: bool = False) -> str:
    """An HTML table; ``keyed``: the first column holds names, left-aligned."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    first = '<td class="key">' if keyed else "<td>"
    body = "".join(
        "<tr>"
        + "".join(
            f"{first if i == 0 else '<td>'}{html.escape(_fmt(v))}</td>" for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f'<div class="scroll"><table><tr>{head}</tr>{body}</table></div>'


def _epoch_table(run: Run) -> str:
    h = run.history
    columns: list[tuple[str, str, str | None]] = [
        ("epoch", "epoch", None),
        ("train_cost", "train cost", None),
    ]
    for prefix, name in _DATA.items():
        columns.append((f"{prefix}_cost", f"{name} cost", None))
        columns.append((f"{prefix}_accuracy", f"{name} accuracy", "pct"))
    columns.append(("seconds", "seconds", None))
    for layer in monitored_layers(h):
        columns.append((f"grad_b_norm_l{layer}", f"‖∂C/∂b^{layer}‖", None))
    for layer in monitored_layers(h, "saturated"):
        columns.append((f"saturated_l{layer}", f"saturated l{layer}", "pct"))
    for layer in monitored_layers(h, "dead"):
        columns.append((f"dead_l{layer}", f"dead l{layer}", "pct"))
    columns = [c for c in columns if c[0] in h]
    rows = []
    for row in h:
        cells: list[Any] = []
        for key, _, kind in columns:
            v = row.get(key)
            cells.append(f"{v:.2%}" if kind == "pct" and isinstance(v, float) else v)
        rows.append(cells)
    return _table([c[1] for c in columns], rows)


def _confusion(run: Run) -> str:
    c = run.confusion
    if c is None:
        return ""
    top = max(int(c.max()), 1)
    rows = []
    for i, row in enumerate(c):
        cells = "".join(
            f'<td style="background: rgba(40, 100, 200, {0.85 * int(v) / top:.2f})">{int(v)}</td>'
            for v in row
        )
        rows.append(f"<tr><th>{i}</th>{cells}</tr>")
    head = "".join(f"<th>{j}</th>" for j in range(c.shape[1]))
    return (
        f'<figure><div class="scroll"><table><tr><th>true \\ predicted</th>{head}</tr>'
        f"{''.join(rows)}</table></div><figcaption>"
        f"{html.escape(_CAPTIONS['confusion'].format(data=run.confusion_data))}"
        "</figcaption></figure>"
    )


def _diagnosis(run: Run, live: bool = False) -> str:
    d = run.diagnosis
    if d is None and live:
        return "<p>The diagnosis and the confusion matrix come when the run ends.</p>"
    if d is None:
        return "<p>No diagnosis was recorded for this run.</p>"
    parts = [
        f"<p>{html.escape(d.network)} on {d.n_samples} training samples: mean "
        f"{html.escape(d.cost_name)} cost {d.cost:.4g}.</p>",
        f"<pre>{html.escape(d.table())}</pre>",
    ]
    if d.findings:
        items = "".join(
            f'<li><span class="eq">{html.escape(f.equation)}</span> {html.escape(f.message)}</li>'
            for f in d.findings
        )
        parts.append(f"<ul>{items}</ul>")
    notes = d.summary()  # what the findings leave unsaid, by the same bars
    if notes:
        parts.append(f"<p>{html.escape(' '.join(notes))}</p>")
    return "".join(parts)


def _summary(run: Run, live: bool, status: str | None) -> str:
    """The line under the title: epochs, best score on the data measured, test result."""
    h = run.history
    parts = [f"{len(h)} epoch{'s' if len(h) != 1 else ''}"]
    if live:
        parts[0] += " so far: this page reloads itself while the run goes on"
    if status:
        parts.append(status)
    for prefix, name in _DATA.items():
        best = h.best(f"{prefix}_accuracy") if f"{prefix}_accuracy" in h else None
        if best is not None:
            parts.append(
                f"best {name} accuracy {best[f'{prefix}_accuracy']:.2%} at epoch {best['epoch']}"
            )
    t = run.test_scores
    if t is not None:
        score = f"cost {t['cost']:.4f}"
        if "correct" in t:
            score = f"{t['correct']} / {t['n']} ({t['accuracy']:.2%}), " + score
        parts.append(f"test data after training: {score}")
    return "; ".join(parts) + "."


def render_report(
    run: Run,
    *,
    weights: Any = None,
    title: str | None = None,
    pngs: dict[str, bytes] | None = None,
    live: bool = False,
    status: str | None = None,
    refresh: float = REFRESH_SECONDS,
) -> str:
    """The report as one HTML document (a string).

    Parameters
    ----------
    run : Run
        The run to report (:func:`~deltaprop.insight.record_run`, or read by
        :func:`~deltaprop.insight.load_run`).
    weights : array of shape (n_2, n_1), optional
        w^2, drawn as images when the input width is a square.
    title : str, optional
        The page's title; by default one made from the network and the data set.
    pngs : dict of str to bytes, optional
        Figures already rendered by :func:`~deltaprop.insight.plots.render_pngs`; the
        ``confusion`` figure among them is left out (the report shows a table).
    live : bool, default False
        The run is still going: the page reloads itself every ``refresh`` seconds.
    status : str, optional
        A note for the summary line, such as "interrupted after epoch 3".
    refresh : float, default 5
        Seconds between reloads of a live page.

    Returns
    -------
    str

    Examples
    --------
    >>> from deltaprop.insight import Run
    >>> run = Run({"sizes": [4, 3, 2], "eta": 1.0},
    ...           deltaprop.History([{"epoch": 1, "train_cost": 0.4, "test_accuracy": 0.8}]))
    >>> page = render_report(run, title="A small run")
    >>> page.startswith("<!DOCTYPE html>"), "<h1>A small run</h1>" in page
    (True, True)
    >>> "best test accuracy 80.00% at epoch 1" in page, 'http-equiv="refresh"' in page
    (True, False)
    >>> '<meta http-equiv="refresh" content="2">' in render_report(run, live=True, refresh=2)
    True
    """
    title = title or "deltaprop training report"
    config_rows = [[k.replace("_", " "), v] for k, v in run.config.items()]
    measured = next((n for p, n in _DATA.items() if f"{p}_cost" in run.history), "validation")
    figs = []
    # The confusion matrix goes in as a table (exact counts, and faster than a figure).
    if pngs is None:
        pngs = render_pngs(run.history, weights=weights, trace=run.trace)
    for name, png in pngs.items():
        if name == "confusion":
            continue
        data = base64.b64encode(png).decode("ascii")
        caption = html.escape(_CAPTIONS.get(name, name).format(data=measured))
        figs.append(
            f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(name)}">'
            f"<figcaption>{caption}</figcaption></figure>"
        )
    config_table = _table(["setting", "value"], config_rows, keyed=True)
    reload = f'<meta http-equiv="refresh" content="{refresh:g}">' if live else ""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8">{reload}'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(_summary(run, live, status))}</p>"
        f"<h2>Configuration</h2>{config_table}"
        f"<h2>Per epoch</h2>{_epoch_table(run)}"
        f"<h2>Figures</h2>{''.join(figs)}{_confusion(run)}"
        f"<h2>Diagnosis</h2>{_diagnosis(run, live)}"
        "</body></html>\n"
    )


def write_report(
    path: str | os.PathLike[str],
    run: Run,
    *,
    weights: Any = None,
    title: str | None = None,
    pngs: dict[str, bytes] | None = None,
    live: bool = False,
    status: str | None = None,
    refresh: float = REFRESH_SECONDS,
) -> Path:
    """Write :func:`render_report` to ``path`` atomically; returns the path.

    Parameters
    ----------
    path : str or os.PathLike
        The HTML file to write.
    run, weights, title, pngs, live, status, refresh
        As for :func:`render_report`.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> from deltaprop.insight import Run
    >>> run = Run({"sizes": [4, 3, 2], "eta": 1.0},
    ...           deltaprop.History([{"epoch": 1, "train_cost": 0.4, "val_accuracy": 0.8}]))
    >>> write_report("report.html", run).read_text(encoding="utf-8").count("<img")
    3
    """
    text = render_report(
        run, weights=weights, title=title, pngs=pngs, live=live, status=status, refresh=refresh
    )
    path = Path(path)
    with atomic_write(path) as f:
        f.write(text.encode("utf-8"))
    return path
