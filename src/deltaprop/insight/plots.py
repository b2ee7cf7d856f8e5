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
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..io.atomic import atomic_write
from ..training.history import History
from ._canvas import new_figure
from .curves import learning_speed_figure, monitored_layers, saturation_figure, training_figure

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


def require_matplotlib() -> None:
    """Raise ImportError, saying how to install it, if matplotlib is missing.

    Examples
    --------
    >>> require_matplotlib()                     # nothing happens: matplotlib is installed
    """
    new_figure()


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
    fig = new_figure(0.9 * cols + 0.4, 0.9 * rows + 0.7, left=0.02, right=0.98, bottom=0.02)
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
    fig = new_figure(5.5, 4.8, left=0.14, right=0.95, bottom=0.11, top=0.92)
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
    ``history``: the examples' two-epoch History, layers 2 and 3 monitored (``saturated_l2``
    0.30, then 0.25).

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
    ``history``: the examples' two-epoch History, layers 2 and 3 monitored (``saturated_l2``
    0.30, then 0.25).

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
    ``history``: the examples' two-epoch History, layers 2 and 3 monitored (``saturated_l2``
    0.30, then 0.25).

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
