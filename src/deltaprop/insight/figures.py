"""Figures that teach: the pictures of the tutorial, each drawn from numbers the reader has.

Like :mod:`.plots`, each function returns a :class:`matplotlib.figure.Figure` built without
pyplot; :func:`save_figure` writes one as a PNG file and returns its size in pixels.

- :func:`digit_figure`: an input image beside a bar chart of the network's output a^L;
- :func:`sigmoid_figure`: σ and σ' with a layer's weighted inputs z marked, the saturated ones
  (σ'(z) below the threshold) in red;
- :func:`genie_figure`: the genie's measured ΔC against δ·Δz as Δz grows, and where they part;
- :func:`plateau_figure`: the output layer's learning speed per mini-batch for several runs
  (the saturated-output plateau of the quadratic cost);
- :func:`weight_change_figure`: how far each input pixel's weights into layer 2 moved in
  training; pixels that are 0 in every image never move (BP4's a^(l−1) factor).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..io.atomic import atomic_write
from ._canvas import new_figure
from .layerstats import SATURATION_THRESHOLD
from .plots import png_bytes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "digit_figure",
    "genie_figure",
    "plateau_figure",
    "save_figure",
    "sigmoid_figure",
    "weight_change_figure",
]


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: int = 100) -> tuple[int, int]:
    """Write ``fig`` as a PNG file, atomically; returns its (width, height) in pixels.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to write.
    path : str or os.PathLike
        The file to write; its directory must exist.
    dpi : int, default 100
        Resolution: a 7×3.2 inch figure is 700×320 pixels at 100.

    Returns
    -------
    (int, int)
        The image's width and height, read back from the PNG header.

    Examples
    --------
    >>> save_figure(sigmoid_figure([0.0, 6.0]), "sigma.png")
    (700, 320)
    """
    data = png_bytes(fig, dpi=dpi)
    with atomic_write(Path(path)) as f:
        f.write(data)
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def digit_figure(x: Any, output: Any, label: int | None = None) -> Figure:
    """An input image (left) and the network's output a^L as a bar chart (right).

    Parameters
    ----------
    x : array of shape (n_1,)
        One input; drawn as a square image when n_1 is a perfect square (784 → 28×28).
    output : array of shape (n_L,)
        a^L for that input.
    label : int, optional
        The true class: its bar is drawn in green, the others in grey, with y's one-hot
        target marked.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = digit_figure(np.zeros(64), np.linspace(0, 1, 10), label=3)
    >>> [ax.get_title() for ax in fig.axes]
    ['input x = a¹ (label 3)', 'output a$^L$ of the network']
    """
    x, out = np.asarray(x, dtype=np.float64), np.asarray(output, dtype=np.float64)
    side = math.isqrt(x.size)
    fig = new_figure(8.0, 3.2, left=0.03, right=0.97, bottom=0.15, top=0.88, wspace=0.15)
    ax_img, ax_bar = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 2]})
    if side * side == x.size:
        ax_img.imshow(x.reshape(side, side), cmap="gray_r", vmin=0, vmax=1)
    ax_img.set_axis_off()
    suffix = "" if label is None else f" (label {label})"
    ax_img.set_title(f"input x = a¹{suffix}", fontsize=10)
    colors = ["C2" if k == label else "0.6" for k in range(out.size)]
    ax_bar.bar(range(out.size), out, color=colors)
    if label is not None:
        target = np.zeros(out.size)
        target[label] = 1.0
        ax_bar.plot(range(out.size), target, "k_", markersize=18, label="target y (one-hot)")
        ax_bar.legend(loc="upper left", fontsize=8)
    ax_bar.set(ylim=(0, 1.05), xticks=range(out.size), xlabel="output neuron j")
    ax_bar.set_title("output a$^L$ of the network", fontsize=10)
    ax_bar.grid(axis="y", alpha=0.3)
    return fig


def sigmoid_figure(z: Any, threshold: float = SATURATION_THRESHOLD["sigmoid"]) -> Figure:
    """σ(z) and σ'(z) over z ∈ [−10, 10], with the given weighted inputs marked on σ':
    saturated ones (σ'(z) < ``threshold``, where BP1 and BP2 crush δ) in red.

    Parameters
    ----------
    z : array
        Weighted inputs to mark (e.g. z^2 of one image, shape (30,)).
    threshold : float, default 0.01
        The σ' below which a neuron counts as saturated.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = sigmoid_figure([-7.0, 0.5, 8.0])
    >>> fig.axes[0].get_legend().get_texts()[-1].get_text()
    "2 of 3 saturated: σ'(z) < 0.01"
    """
    z = np.asarray(z, dtype=np.float64).ravel()
    grid = np.linspace(-10, 10, 401)
    s = 1.0 / (1.0 + np.exp(-grid))
    fig = new_figure(7.0, 3.2, left=0.09, bottom=0.15, top=0.9)
    ax = fig.subplots()
    ax.plot(grid, s, color="C0", label="σ(z)")
    ax.plot(grid, s * (1 - s), color="C1", label="σ'(z) = σ(z)(1 − σ(z))")
    sz = 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))
    prime = sz * (1 - sz)
    stuck = prime < threshold
    ax.plot(
        z[~stuck],
        prime[~stuck],
        "o",
        color="C2",
        markersize=5,
        label=f"{int((~stuck).sum())} of {z.size} learning",
    )
    ax.plot(
        np.clip(z[stuck], -10, 10),
        prime[stuck],
        "x",
        color="C3",
        markersize=7,
        label=f"{int(stuck.sum())} of {z.size} saturated: σ'(z) < {threshold:g}",
    )
    ax.axhline(threshold, color="C3", linewidth=0.6, linestyle=":")
    ax.set(xlabel="weighted input z (beyond ±10 drawn at the edge)", xlim=(-10.5, 10.5))
    ax.set_title("σ and σ': a saturated neuron (σ' ≈ 0) passes almost no δ back", fontsize=10)
    ax.legend(fontsize=8, loc="center left")
    ax.grid(alpha=0.3)
    return fig


def genie_figure(dz: Any, measured: Any, predicted: Any) -> Figure:
    """The genie's experiment as Δz grows: |ΔC| measured against |δ·Δz| (left, log–log) and
    their relative gap |ΔC − δΔz| / |δΔz| (right), which grows like Δz (the first-order
    approximation's error).

    Parameters
    ----------
    dz : array of shape (k,)
        The nudges Δz, positive.
    measured : array of shape (k,)
        ΔC measured after each nudge.
    predicted : array of shape (k,)
        δ·Δz for each.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> dz = np.array([1e-3, 1e-2, 1e-1])
    >>> fig = genie_figure(dz, 0.1 * dz + dz**2, 0.1 * dz)
    >>> [ax.get_xscale() for ax in fig.axes]
    ['log', 'log']
    """
    dz, dc, pred = (np.asarray(v, dtype=np.float64) for v in (dz, measured, predicted))
    fig = new_figure(9.0, 3.4, left=0.08, wspace=0.3, bottom=0.15)
    ax_c, ax_gap = fig.subplots(1, 2)
    ax_c.loglog(dz, np.abs(dc), "o-", label="|ΔC| measured")
    ax_c.loglog(dz, np.abs(pred), "--", label="|δ·Δz| (first order)")
    ax_c.set(xlabel="Δz", ylabel="change in the cost", title="ΔC ≈ δ·Δz")
    gap = np.abs(dc - pred) / np.abs(pred)
    ax_gap.loglog(dz, gap, "o-", color="C3")
    ax_gap.set(xlabel="Δz", ylabel="|ΔC − δΔz| / |δΔz|", title="where they part")
    for ax in (ax_c, ax_gap):
        ax.grid(alpha=0.3, which="both")
    ax_c.legend(fontsize=8)
    return fig


def plateau_figure(runs: dict[str, tuple[Any, Any]], layer: int = 3) -> Figure:
    """The output layer's learning speed ‖∂C/∂b^L‖ per sampled mini-batch, one line per run
    (e.g. per cost), on a log scale: a plateau is a long low stretch.

    Parameters
    ----------
    runs : dict of str to (x, speed)
        Per run, its label and two arrays of the same length: where each sampled step is (in
        epochs, ``monitor.trace_epochs``) and the speed there (``monitor.trace[:, -1, 2]``).
    layer : int, default 3
        L, for the axis label.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> x = np.linspace(0.01, 1, 50)
    >>> runs = {"quadratic": (x, 1e-3 * np.exp(5 * x)), "cross-entropy": (x, 0.5 + 0 * x)}
    >>> fig = plateau_figure(runs)
    >>> [line.get_label() for line in fig.axes[0].lines]
    ['quadratic', 'cross-entropy']
    """
    fig = new_figure(7.0, 3.6, left=0.12, bottom=0.14)
    ax = fig.subplots()
    for name, (x, speed) in runs.items():
        ax.plot(np.asarray(x), np.asarray(speed), label=name, linewidth=1.2)
    ax.set_yscale("log")
    ax.set(xlabel="epoch (each point: one sampled mini-batch)", ylabel=f"‖∂C/∂b$^{layer}$‖")
    ax.set_title("The output layer's learning speed, from a saturated start", fontsize=10)
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3, which="both")
    return fig


def weight_change_figure(before: Any, after: Any) -> Figure | None:
    """How far training moved the weights out of each input pixel: ‖Δw^2_{·k}‖ over the
    hidden neurons j, as an image (brighter: moved more); pixels whose weights did not move
    at all are drawn in red. None unless the input width is a perfect square.

    Parameters
    ----------
    before, after : arrays of shape (n_2, n_1)
        w^2 before and after training.

    Returns
    -------
    matplotlib.figure.Figure or None

    Examples
    --------
    >>> before = np.zeros((3, 16))
    >>> after = before.copy(); after[:, 5] = 0.1                # only pixel 5 moved
    >>> fig = weight_change_figure(before, after)
    >>> fig.axes[0].get_title()
    '15 of 16 pixels never moved (red)'
    """
    change = np.linalg.norm(np.asarray(after, np.float64) - np.asarray(before, np.float64), axis=0)
    side = math.isqrt(change.size)
    if side * side != change.size:
        return None
    still = change == 0
    fig = new_figure(4.2, 4.4, left=0.04, right=0.96, bottom=0.03, top=0.9)
    ax = fig.subplots()
    ax.imshow(change.reshape(side, side), cmap="gray", interpolation="nearest")
    overlay = np.zeros((side, side, 4))
    overlay[still.reshape(side, side)] = (0.85, 0.1, 0.1, 0.85)
    ax.imshow(overlay, interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(f"{int(still.sum())} of {change.size} pixels never moved (red)", fontsize=10)
    return fig
