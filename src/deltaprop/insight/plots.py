"""Figures of a training run, drawn with matplotlib (the optional extra ``deltaprop[plot]``).

Each function returns a :class:`matplotlib.figure.Figure` built without pyplot, so nothing
depends on a display or on global state; :func:`save_plots` writes them all as PNG files.

- :func:`training_figure`: training cost, and the cost and accuracy of the data measured
  after each epoch (validation or test, named as such), per epoch;
- :func:`learning_speed_figure`: ‖∂C/∂b^l‖ of each layer, log scale — the figure the classic
  text uses to show the layers of a network learning at different speeds — per sampled
  mini-batch when the run's trace is given (so that a plateau shows), and per epoch;
- :func:`saturation_figure`: the saturated (and dead ReLU) fraction of each layer, likewise;
- :func:`weights_figure`: the first layer's weights as images (28×28 for MNIST);
- :func:`confusion_figure`: the confusion matrix on the validation or test data.

The per-layer figures need a run recorded with a :class:`~deltaprop.insight.Monitor`.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..io.atomic import atomic_write
from ..training.history import History

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "confusion_figure",
    "figures",
    "learning_speed_figure",
    "monitored_layers",
    "png_bytes",
    "render_pngs",
    "require_matplotlib",
    "saturation_figure",
    "save_plots",
    "training_figure",
    "weights_figure",
]


def _figure(width: float = 7.0, height: float = 4.0, **margins: float) -> Figure:
    """A figure with fixed margins (``subplots_adjust`` keywords): constrained layout would
    place the labels itself but makes each figure about 40% slower to draw."""
    try:
        import matplotlib.figure  # noqa: F401 - fails here when matplotlib is missing

        from ._inline import InlineFigure  # a Figure that shows itself in a notebook
    except ImportError:
        raise ImportError(
            "plots need matplotlib, which is not installed; install it with "
            "pip install 'deltaprop[plot]'"
        ) from None
    fig = InlineFigure(figsize=(width, height))
    fig.subplots_adjust(**{"left": 0.11, "right": 0.97, "bottom": 0.13, "top": 0.9, **margins})
    return fig


def require_matplotlib() -> None:
    """Raise ImportError, saying how to install it, if matplotlib is missing.

    Examples
    --------
    >>> require_matplotlib()                     # nothing happens: matplotlib is installed
    """
    _figure()


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
    >>> history = deltaprop.History([
    ...     {"epoch": 1, "train_cost": 0.40, "val_cost": 0.42, "val_accuracy": 0.80,
    ...      "grad_b_norm_l2": 0.02, "grad_b_norm_l3": 0.20,
    ...      "saturated_l2": 0.30, "saturated_l3": 0.05},
    ...     {"epoch": 2, "train_cost": 0.30, "val_cost": 0.33, "val_accuracy": 0.86,
    ...      "grad_b_norm_l2": 0.03, "grad_b_norm_l3": 0.15,
    ...      "saturated_l2": 0.25, "saturated_l3": 0.04},
    ... ])
    >>> monitored_layers(history), monitored_layers(history, "dead")
    ([2, 3], [])
    """
    columns = history.keys()  # (iterating a History gives its rows)
    found = (re.fullmatch(rf"{stat}_l(\d+)", key) for key in columns)
    return sorted(int(m.group(1)) for m in found if m)


def _epoch_axis(*axes: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _series(history: History, key: str) -> tuple[np.ndarray, np.ndarray]:
    """(epochs, values) for the epochs that have a finite ``key``."""
    pairs = [
        (row["epoch"], float(row[key]))
        for row in history
        if isinstance(row.get(key), (int, float)) and math.isfinite(row[key])
    ]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


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
    >>> history = deltaprop.History([
    ...     {"epoch": 1, "train_cost": 0.40, "val_cost": 0.42, "val_accuracy": 0.80,
    ...      "grad_b_norm_l2": 0.02, "grad_b_norm_l3": 0.20,
    ...      "saturated_l2": 0.30, "saturated_l3": 0.05},
    ...     {"epoch": 2, "train_cost": 0.30, "val_cost": 0.33, "val_accuracy": 0.86,
    ...      "grad_b_norm_l2": 0.03, "grad_b_norm_l3": 0.15,
    ...      "saturated_l2": 0.25, "saturated_l3": 0.04},
    ... ])
    >>> fig = training_figure(history)
    >>> [ax.get_title() for ax in fig.axes]
    ['Cost', 'Validation accuracy']
    >>> test = deltaprop.History([{"epoch": 1, "train_cost": 0.4, "test_accuracy": 0.8}])
    >>> training_figure(test).axes[1].get_title()
    'Test accuracy'
    """
    fig = _figure(9.0, 3.6, left=0.08, wspace=0.25)
    ax_cost, ax_acc = fig.subplots(1, 2)
    columns = history.keys()  # (iterating a History gives its rows)
    names = [(p, name) for p, name in _MEASURED if any(k.startswith(p) for k in columns)]
    for key, label in (("train_cost", "training"), *((f"{p}cost", n) for p, n in names)):
        x, y = _series(history, key)
        if x.size:
            ax_cost.plot(x, y, marker="o", markersize=3, label=label)
    ax_cost.set(xlabel="epoch", ylabel="mean cost C", title="Cost")
    ax_cost.legend()
    for (p, name), color in zip(names, ("C2", "C3")):
        x, y = _series(history, f"{p}accuracy")
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
    _epoch_axis(ax_cost, ax_acc)
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
        x, y = _series(history, key)
        if x.size:
            ax.plot(x, scale * y, marker="o", markersize=4, color=color, label=label,
                    markeredgecolor="black", markeredgewidth=0.5, **dots)  # fmt: skip
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
    >>> history = deltaprop.History([
    ...     {"epoch": 1, "train_cost": 0.40, "val_cost": 0.42, "val_accuracy": 0.80,
    ...      "grad_b_norm_l2": 0.02, "grad_b_norm_l3": 0.20,
    ...      "saturated_l2": 0.30, "saturated_l3": 0.05},
    ...     {"epoch": 2, "train_cost": 0.30, "val_cost": 0.33, "val_accuracy": 0.86,
    ...      "grad_b_norm_l2": 0.03, "grad_b_norm_l3": 0.15,
    ...      "saturated_l2": 0.25, "saturated_l3": 0.04},
    ... ])
    >>> [line.get_label() for line in learning_speed_figure(history).axes[0].lines]
    ['layer 2', 'layer 3']
    """
    fig = _figure(left=0.16)
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
    _epoch_axis(ax)
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
    >>> history = deltaprop.History([
    ...     {"epoch": 1, "train_cost": 0.40, "val_cost": 0.42, "val_accuracy": 0.80,
    ...      "grad_b_norm_l2": 0.02, "grad_b_norm_l3": 0.20,
    ...      "saturated_l2": 0.30, "saturated_l3": 0.05},
    ...     {"epoch": 2, "train_cost": 0.30, "val_cost": 0.33, "val_accuracy": 0.86,
    ...      "grad_b_norm_l2": 0.03, "grad_b_norm_l3": 0.15,
    ...      "saturated_l2": 0.25, "saturated_l3": 0.04},
    ... ])
    >>> saturation_figure(history).axes[0].lines[0].get_ydata().tolist()   # percent
    [30.0, 25.0]
    """
    fig = _figure()
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
    _epoch_axis(ax)
    return fig


def weights_figure(weights: np.ndarray, max_neurons: int = 30) -> Figure | None:
    """The weights into the first hidden layer, one tile per neuron; None unless the input
    width is a perfect square (784 → 28×28, 64 → 8×8).

    Each tile is scaled to its own largest |w| (red positive, blue negative); the tiles form
    one image, which draws fast.

    Parameters
    ----------
    weights : array of shape (n_2, n_1)
        w^2.
    max_neurons : int, default 30
        Draw at most this many neurons' weights.

    Returns
    -------
    matplotlib.figure.Figure or None

    Examples
    --------
    >>> net = deltaprop.Network([64, 30, 10], seed=0)
    >>> fig = weights_figure(net.weights[0], max_neurons=12)
    >>> fig.axes[0].get_images()[0].get_array().shape      # 2 rows × 10 columns of 8×8 tiles
    (19, 91)
    >>> weights_figure(np.zeros((3, 5))) is None             # 5 inputs: not a square image
    True
    """
    w = np.asarray(weights, dtype=np.float64)
    side = math.isqrt(w.shape[1])
    if side * side != w.shape[1] or side < 2:
        return None
    n = min(w.shape[0], max_neurons)
    cols = min(n, 10)
    rows = -(-n // cols)
    pad = 1
    mosaic = np.full((rows * (side + pad) + pad, cols * (side + pad) + pad), np.nan)
    for j in range(n):
        r, c = divmod(j, cols)
        lim = float(np.max(np.abs(w[j]))) or 1.0
        top, left = pad + r * (side + pad), pad + c * (side + pad)
        mosaic[top : top + side, left : left + side] = w[j].reshape(side, side) / lim
    fig = _figure(0.9 * cols + 0.4, 0.9 * rows + 0.7, left=0.02, right=0.98, bottom=0.02)
    ax = fig.subplots()
    ax.imshow(mosaic, cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(
        f"Weights into layer 2, neurons 0–{n - 1} of {w.shape[0]} (row by row; red +, blue −)",
        fontsize=9,
    )
    return fig


def confusion_figure(matrix: Any, data: str = "validation") -> Figure:
    """The confusion matrix: row = true class, column = predicted class, counts in cells.

    Parameters
    ----------
    matrix : array of shape (n_classes, n_classes)
        Counts: entry [i, j] is the samples of class i predicted as j.
    data : str, default "validation"
        What the counts were measured on, for the title ("test" for the test set).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = confusion_figure([[5, 1], [0, 4]])
    >>> fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()
    ('predicted class', 'true class')
    """
    c = np.asarray(matrix, dtype=np.int64)
    fig = _figure(5.5, 4.8, left=0.14, right=0.95, bottom=0.11, top=0.92)
    ax = fig.subplots()
    im = ax.imshow(c, cmap="Blues")
    fig.colorbar(im, ax=ax, shrink=0.8)
    k = c.shape[0]
    if k <= 20:
        top = c.max() or 1
        for i in range(k):
            for j in range(k):
                color = "white" if c[i, j] > 0.6 * top else "black"
                ax.text(j, i, str(c[i, j]), ha="center", va="center", fontsize=7, color=color)
    ax.set(xlabel="predicted class", ylabel="true class", title=f"Confusion matrix ({data} data)")
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    return fig


def figures(
    history: History,
    *,
    weights: Any = None,
    confusion: Any = None,
    trace: History | None = None,
    confusion_data: str = "validation",
) -> dict[str, Figure]:
    """Every figure the run's data allows, by file stem.

    Parameters
    ----------
    history : History
        A run's history; the per-layer columns come from a
        :class:`~deltaprop.insight.Monitor`.
    weights : array of shape (n_2, n_1), optional
        w^2, drawn as images when n_1 is a perfect square.
    confusion : array of shape (n_classes, n_classes), optional
        The confusion matrix.
    trace : History, optional
        The monitor's per-mini-batch rows: learning speed and saturation step by step.
    confusion_data : str, default "validation"
        What the confusion matrix was counted on.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        ``training``, ``learning_speed``, ``saturation``, and ``weights`` and ``confusion``
        when those are given.

    Examples
    --------
    >>> history = deltaprop.History([
    ...     {"epoch": 1, "train_cost": 0.40, "val_cost": 0.42, "val_accuracy": 0.80,
    ...      "grad_b_norm_l2": 0.02, "grad_b_norm_l3": 0.20,
    ...      "saturated_l2": 0.30, "saturated_l3": 0.05},
    ...     {"epoch": 2, "train_cost": 0.30, "val_cost": 0.33, "val_accuracy": 0.86,
    ...      "grad_b_norm_l2": 0.03, "grad_b_norm_l3": 0.15,
    ...      "saturated_l2": 0.25, "saturated_l3": 0.04},
    ... ])
    >>> list(figures(history, confusion=[[5, 1], [0, 4]]))
    ['training', 'learning_speed', 'saturation', 'confusion']
    """
    out = {
        "training": training_figure(history),
        "learning_speed": learning_speed_figure(history, trace),
        "saturation": saturation_figure(history, trace),
    }
    if weights is not None:
        fig = weights_figure(weights)
        if fig is not None:
            out["weights"] = fig
    if confusion is not None:
        out["confusion"] = confusion_figure(confusion, confusion_data)
    return out


def png_bytes(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG data.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure of this module, or any matplotlib figure.
    dpi : int, default 100
        Resolution: a 7×4 inch figure is 700×400 pixels at 100.

    Returns
    -------
    bytes

    Examples
    --------
    >>> png_bytes(confusion_figure([[5, 1], [0, 4]]))[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def render_pngs(
    history: History,
    *,
    weights: Any = None,
    confusion: Any = None,
    trace: History | None = None,
    confusion_data: str = "validation",
) -> dict[str, bytes]:
    """:func:`figures` rendered as PNG data, by file stem (render once, write and embed).

    Parameters
    ----------
    history : History
        A run's history; the per-layer columns come from a
        :class:`~deltaprop.insight.Monitor`.
    weights : array of shape (n_2, n_1), optional
        w^2.
    confusion : array of shape (n_classes, n_classes), optional
        The confusion matrix.
    trace : History, optional
        The monitor's per-mini-batch rows.
    confusion_data : str, default "validation"
        What the confusion matrix was counted on.

    Returns
    -------
    dict of str to bytes

    Examples
    --------
    >>> history = deltaprop.History([
    ...     {"epoch": 1, "train_cost": 0.40, "val_cost": 0.42, "val_accuracy": 0.80,
    ...      "grad_b_norm_l2": 0.02, "grad_b_norm_l3": 0.20,
    ...      "saturated_l2": 0.30, "saturated_l3": 0.05},
    ...     {"epoch": 2, "train_cost": 0.30, "val_cost": 0.33, "val_accuracy": 0.86,
    ...      "grad_b_norm_l2": 0.03, "grad_b_norm_l3": 0.15,
    ...      "saturated_l2": 0.25, "saturated_l3": 0.04},
    ... ])
    >>> sorted(render_pngs(history))
    ['learning_speed', 'saturation', 'training']
    """
    return {
        name: png_bytes(fig)
        for name, fig in figures(
            history,
            weights=weights,
            confusion=confusion,
            trace=trace,
            confusion_data=confusion_data,
        ).items()
    }


def save_plots(
    directory: str | os.PathLike[str],
    history: History,
    *,
    weights: Any = None,
    confusion: Any = None,
    pngs: dict[str, bytes] | None = None,
) -> list[Path]:
    """Write every figure of :func:`figures` as ``directory/NAME.png``; returns the paths.

    Parameters
    ----------
    directory : str or os.PathLike
        Created if needed; each file is written atomically.
    history : History
        A run's history; the per-layer columns come from a
        :class:`~deltaprop.insight.Monitor`.
    weights : array of shape (n_2, n_1), optional
        w^2.
    confusion : array of shape (n_classes, n_classes), optional
        The confusion matrix.
    pngs : dict of str to bytes, optional
        Figures already rendered by :func:`render_pngs` (then the others are not used).

    Returns
    -------
    list of pathlib.Path

    Examples
    --------
    >>> history = deltaprop.History([
    ...     {"epoch": 1, "train_cost": 0.40, "val_cost": 0.42, "val_accuracy": 0.80,
    ...      "grad_b_norm_l2": 0.02, "grad_b_norm_l3": 0.20,
    ...      "saturated_l2": 0.30, "saturated_l3": 0.05},
    ...     {"epoch": 2, "train_cost": 0.30, "val_cost": 0.33, "val_accuracy": 0.86,
    ...      "grad_b_norm_l2": 0.03, "grad_b_norm_l3": 0.15,
    ...      "saturated_l2": 0.25, "saturated_l3": 0.04},
    ... ])
    >>> [path.name for path in save_plots("figures", history)]
    ['training.png', 'learning_speed.png', 'saturation.png']
    """
    if pngs is None:
        pngs = render_pngs(history, weights=weights, confusion=confusion)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in pngs.items():
        path = directory / f"{name}.png"
        with atomic_write(path) as f:
            f.write(data)
        paths.append(path)
    return paths
