"""The curves of a training run, per epoch: its costs and accuracy, and each layer's learning
speed and saturation (the figures of :mod:`deltaprop.insight.plots`, which exports them).

The per-layer figures need a run recorded with a :class:`~deltaprop.insight.Monitor`.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

import numpy as np

from ..training.history import History
from ._canvas import epoch_axis, new_figure, series

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["learning_speed_figure", "monitored_layers", "saturation_figure", "training_figure"]


def monitored_layers(history: History, stat: str = "grad_b_norm") -> list[int]:
    """The layers l with a ``{stat}_l{l}`` column in ``history``, in order.

    Parameters
    ----------
    history : History
        A run's history; the per-layer columns come from a
        :class:`~deltaprop.insight.Monitor`.
    stat : str, default "grad_b_norm"
        One of :data:`deltaprop.insight.monitor.STATS`.

    Returns
    -------
    list of int

    Examples
    --------
    ``history``: the examples' two-epoch History, layers 2 and 3 monitored (``saturated_l2``
    0.30, then 0.25).

    >>> monitored_layers(history), monitored_layers(history, "dead")
    ([2, 3], [])
    """
    columns = history.keys()  # (iterating a History gives its rows)
    found = (re.fullmatch(rf"{stat}_l(\d+)", key) for key in columns)
    return sorted(int(m.group(1)) for m in found if m)


def training_figure(history: History) -> Figure:
    """Cost (left) and accuracy (right) per epoch: training, and the validation or test data
    measured after each epoch (``val_*`` or ``test_*`` columns), each named as what it is.

    Parameters
    ----------
    history : History
        A run's history; the per-layer columns come from a
        :class:`~deltaprop.insight.Monitor`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    ``history``: the examples' two-epoch History, layers 2 and 3 monitored (``saturated_l2``
    0.30, then 0.25).

    >>> fig = training_figure(history)
    >>> [ax.get_title() for ax in fig.axes]
    ['Cost', 'Validation accuracy']
    >>> test = deltaprop.History([{"epoch": 1, "train_cost": 0.4, "test_accuracy": 0.8}])
    >>> training_figure(test).axes[1].get_title()
    'Test accuracy'
    """
    fig = new_figure(9.0, 3.6, left=0.08, wspace=0.25)
    ax_cost, ax_acc = fig.subplots(1, 2)
    columns = history.keys()  # (iterating a History gives its rows)
    names = [(p, name) for p, name in _MEASURED if any(k.startswith(p) for k in columns)]
    for key, label in (("train_cost", "training"), *((f"{p}cost", n) for p, n in names)):
        x, y = series(history, key)
        if x.size:
            ax_cost.plot(x, y, marker="o", markersize=3, label=label)
    ax_cost.set(xlabel="epoch", ylabel="mean cost C", title="Cost")
    ax_cost.legend()
    for (p, name), color in zip(names, ("C2", "C3")):
        x, y = series(history, f"{p}accuracy")
        if x.size:
            ax_acc.plot(x, 100 * y, marker="o", markersize=3, color=color, label=name)
    title = " and ".join(n for _, n in names).capitalize() + " accuracy" if names else "Accuracy"
    if len(ax_acc.lines) > 1:
        ax_acc.legend()
    elif not ax_acc.lines:
        ax_acc.text(0.5, 0.5, "no accuracy measured", ha="center", transform=ax_acc.transAxes)
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title=title)
    for ax in (ax_cost, ax_acc):
        ax.grid(alpha=0.3)
    epoch_axis(ax_cost, ax_acc)
    return fig


_TRACE_LEGEND = "sampled mini-batches (running mean),\ndots: mean of each epoch"
# the data a run measures after each epoch: column prefix, and what to call it
_MEASURED = (("val_", "validation"), ("test_", "test"))


def _per_layer(
    history: History,
    stat: str,
    ax: Any,
    *,
    scale: float = 1.0,
    trace: History | None = None,
    **kw: Any,
) -> bool:
    """Each layer's ``stat`` per epoch (dots). With ``trace``, also per sampled mini-batch:
    faint, and as a running mean over about 2% of the run (solid), where plateaus show."""
    drawn = False
    for i, layer in enumerate(monitored_layers(history, stat)):
        key, color = f"{stat}_l{layer}", f"C{i}"
        label, dots = f"layer {layer}", kw
        if trace is not None and key in trace:
            rows = [r for r in trace if isinstance(r.get(key), float) and math.isfinite(r[key])]
            xs = np.array([r["epoch"] for r in rows])
            ys = scale * np.array([r[key] for r in rows])
            if xs.size:
                ax.plot(xs, ys, color=color, linewidth=0.5, alpha=0.3, **kw)
                w = max(1, xs.size // 50)
                smooth = np.convolve(ys, np.ones(w) / w, mode="valid")
                ax.plot(xs[w - 1 :], smooth, color=color, linewidth=1.5, label=label, **kw)
                label, dots = "_nolegend_", {**kw, "linestyle": "none"}
        x, y = series(history, key)
        if x.size:
            ax.plot(
                x,
                scale * y,
                marker="o",
                markersize=4,
                color=color,
                label=label,
                markeredgecolor="black",
                markeredgewidth=0.5,
                **dots,
            )
            drawn = True
    return drawn


def learning_speed_figure(history: History, trace: History | None = None) -> Figure:
    """‖∂C/∂b^l‖ per layer (BP3: the length of the mean δ^l), on a log scale: per sampled
    mini-batch (lines) when ``trace`` is given, and each epoch's mean (dots).

    Parameters
    ----------
    history : History
        A run's history; the per-layer columns come from a
        :class:`~deltaprop.insight.Monitor`.
    trace : History, optional
        The monitor's per-mini-batch rows (:meth:`~deltaprop.insight.Monitor.trace_history`).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    ``history``: the examples' two-epoch History, layers 2 and 3 monitored (``saturated_l2``
    0.30, then 0.25).

    >>> [line.get_label() for line in learning_speed_figure(history).axes[0].lines]
    ['layer 2', 'layer 3']
    """
    fig = new_figure(left=0.16)
    ax = fig.subplots()
    if _per_layer(history, "grad_b_norm", ax, trace=trace):
        ax.set_yscale("log")
        if trace:  # frame the running means and the epoch means; single batches may dip far
            shown = [np.asarray(ln.get_ydata(), float) for ln in ax.lines if ln.get_alpha() is None]
            values = np.concatenate(shown)
            values = values[np.isfinite(values) & (values > 0)]
            if values.size:
                ax.set_ylim(values.min() / 4, values.max() * 4)
        ax.legend(title=_TRACE_LEGEND if trace else None, fontsize=8, title_fontsize=8)
    else:
        ax.text(0.5, 0.5, "not monitored", ha="center", transform=ax.transAxes)
    ax.set(xlabel="epoch", ylabel="‖∂C/∂b$^l$‖", title="Learning speed of each layer")
    ax.grid(alpha=0.3)
    epoch_axis(ax)
    return fig


def saturation_figure(history: History, trace: History | None = None) -> Figure:
    """The saturated fraction (σ'(z) below threshold) of each layer, and dead ReLU units;
    per sampled mini-batch (lines) when ``trace`` is given, and each epoch's mean (dots).

    Parameters
    ----------
    history : History
        A run's history; the per-layer columns come from a
        :class:`~deltaprop.insight.Monitor`.
    trace : History, optional
        The monitor's per-mini-batch rows (:meth:`~deltaprop.insight.Monitor.trace_history`).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    ``history``: the examples' two-epoch History, layers 2 and 3 monitored (``saturated_l2``
    0.30, then 0.25).

    >>> saturation_figure(history).axes[0].lines[0].get_ydata().tolist()   # percent
    [30.0, 25.0]
    """
    fig = new_figure()
    ax = fig.subplots()
    drawn = _per_layer(history, "saturated", ax, scale=100.0, trace=trace)
    drawn = _per_layer(history, "dead", ax, scale=100.0, linestyle="--") or drawn
    if drawn:
        notes = ["lines: sampled mini-batches, dots: epochs"] if trace else []
        if monitored_layers(history, "dead"):
            notes.append("dashed: dead ReLU")
        ax.legend(title="; ".join(notes) or None, fontsize=8, title_fontsize=8)
    else:
        ax.text(0.5, 0.5, "not monitored", ha="center", transform=ax.transAxes)
    ax.set(xlabel="epoch", ylabel="% of neurons", title="Saturation per layer", ylim=(-2, 102))
    ax.grid(alpha=0.3)
    epoch_axis(ax)
    return fig
