"""The teaching figures: what each one marks is what the numbers say, and the PNG files they
make decode to real pictures."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")
from matplotlib.image import imread

from deltaprop.insight import figures


def _decoded(fig, path):
    size = figures.save_figure(fig, path)
    pixels = imread(path)  # (height, width, channels), floats in [0, 1]
    assert pixels.shape[1::-1] == size
    assert pixels[..., :3].std() > 0.05, "a blank picture"
    return pixels


def _red(pixels):
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return (r > 0.7) & (g < 0.3) & (b < 0.3)


def test_sigmoid_figure_marks_exactly_the_saturated_inputs(tmp_path):
    z = np.array([-9.0, -1.0, 0.0, 2.0, 4.5, 4.7, 8.0])  # σ'(4.5) = 0.0109, σ'(4.7) = 0.0089
    fig = figures.sigmoid_figure(z)
    ax = fig.axes[0]
    learning, stuck = ax.lines[2], ax.lines[3]
    assert learning.get_xdata().tolist() == [-1.0, 0.0, 2.0, 4.5]
    assert stuck.get_xdata().tolist() == [-9.0, 4.7, 8.0]
    assert _red(_decoded(fig, tmp_path / "s.png")).sum() > 20  # the red crosses are drawn


def test_weight_change_figure_paints_the_unmoved_pixels_red(tmp_path):
    rng = np.random.default_rng(0)
    before = rng.standard_normal((30, 784))
    after = before + 0.1 * rng.standard_normal((30, 784))
    frame = np.ones((28, 28), bool)
    frame[3:-3, 3:-3] = False  # a border 3 pixels wide never moves
    after[:, frame.ravel()] = before[:, frame.ravel()]
    fig = figures.weight_change_figure(before, after)
    assert fig.axes[0].get_title() == f"{frame.sum()} of 784 pixels never moved (red)"
    pixels = _decoded(fig, tmp_path / "w.png")
    red = _red(pixels)
    rows, cols = np.nonzero(red)
    # the red is a frame around the image: its middle has none
    mid_r, mid_c = (rows.min() + rows.max()) // 2, (cols.min() + cols.max()) // 2
    assert not red[mid_r - 20 : mid_r + 20, mid_c - 20 : mid_c + 20].any()
    assert red.sum() > 0.3 * (np.ptp(rows) * np.ptp(cols))  # 3-wide frame: 38% of 28×28


def test_genie_digit_and_plateau_figures_decode(tmp_path):
    dz = np.logspace(-4, 1, 11)
    _decoded(figures.genie_figure(dz, 0.1 * dz + 0.02 * dz**2, 0.1 * dz), tmp_path / "g.png")
    x = np.zeros(784)
    x[300:320] = 1.0
    fig = figures.digit_figure(x, np.linspace(0, 1, 10), label=5)
    bars = fig.axes[1].patches
    assert [round(b.get_height(), 3) for b in bars][5] == round(5 / 9, 3)
    assert bars[5].get_facecolor() != bars[4].get_facecolor()  # the true class stands out
    _decoded(fig, tmp_path / "d.png")
    steps = np.linspace(0.01, 1, 50)
    fig = figures.plateau_figure(
        {"quadratic": (steps, 1e-3 + 0 * steps), "ce": (steps, 0.5 + 0 * steps)}
    )
    assert fig.axes[0].get_yscale() == "log"
    _decoded(fig, tmp_path / "p.png")
    assert figures.weight_change_figure(np.zeros((2, 5)), np.ones((2, 5))) is None
