"""What the page is sent: small JSON-ready pictures of the network, computed cheaply.

Everything here reads arrays the library computed (a training step's z, a, δ and gradients,
or the forward pass of :func:`deltaprop.core.backprop.forward` over a grid of the plane);
nothing recomputes the mathematics. Large layers are shown by at most :data:`SHOWN` neurons.

Pictures of a signed quantity (a over the plane, the first layer's weights as images) are
sent as bytes on one diverging scale from −top to top (byte 127.5 is 0), ``top`` the
:func:`scale_top` of the largest |value| drawn, so that one legend reads them all.
"""

from __future__ import annotations

import base64
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.backprop import forward
from ..insight.layerstats import saturated_fraction

if TYPE_CHECKING:
    from ..network import Network
    from ..training.callbacks import Step
    from .data import ExploreData
    from .features import Features

#: the most neurons of one layer the page draws
SHOWN = 16
#: the side of the grid over the plane that the heat maps are computed on
GRID = 32


def points_of(data: ExploreData) -> dict[str, Any]:
    """The 2-D points to draw, train and test (at most 2000 of each), with their classes (or
    a regression's targets)."""
    return {
        "train": np.round(data.train_points[:2000], 4).tolist(),
        "train_y": np.round(data.y_train[:2000], 4).tolist(),
        "test": np.round(data.test_points[:2000], 4).tolist(),
        "test_y": np.round(data.y_test[:2000], 4).tolist(),
    }


def shown_neurons(net: Network, data: ExploreData) -> list[list[int]]:
    """For each layer l = 1 … L, the neurons the page draws: all of a small layer; of a wide
    input layer, the inputs that vary most over the training data; else the first SHOWN."""
    out = []
    for layer, n in enumerate(net.sizes):
        if n <= SHOWN:
            out.append(list(range(n)))
        elif layer == 0:
            spread = np.var(data.X_train[:2000], axis=0)
            out.append(sorted(int(k) for k in np.argsort(-spread, kind="stable")[:SHOWN]))
        else:
            out.append(list(range(SHOWN)))
    return out


def _round(a: Any, digits: int = 5) -> Any:
    return np.round(np.asarray(a, dtype=np.float64), digits).tolist()


def layer_figures(step: Step, net: Network, shown: list[list[int]]) -> dict[str, Any]:
    """The colours of the drawing from one step: each shown neuron's mean a^l (before
    dropout's mask) and mean δ^l (= ∂C/∂b^l, BP3) over the mini-batch, and each shown edge's
    w and ∂C₀/∂w (BP4: the optimiser's gradient less the L2/L1 term)."""
    mean_a, mean_delta, w, grad_w = [], [], [], []
    mean_a.append(_round(step.activations[0][:, shown[0]].mean(axis=0)))
    for i in range(len(net.weights)):
        rows, cols = shown[i + 1], shown[i]
        cut = np.ix_(rows, cols)
        mean_a.append(_round(step.activations[i + 1][:, rows].mean(axis=0)))
        mean_delta.append(_round(step.grad_b[i][rows]))
        w.append(_round(net.weights[i][cut], 4))
        bp4 = step.grad_w[i][cut] if step.penalty is None else _bp4(step, i, cut)
        grad_w.append(_round(bp4, 6))
    return {"a": mean_a, "delta": mean_delta, "w": w, "grad_w": grad_w}


def _bp4(step: Step, i: int, cut: Any) -> np.ndarray:
    assert step.penalty is not None
    return np.asarray(step.grad_w[i][cut], np.float64) - step.penalty[i][cut]


def learning_figures(step: Step, net: Network) -> dict[str, Any]:
    """Per layer l = 2 … L: the learning speed ‖∂C/∂b^l‖ and the fraction of saturated
    neurons (σ'(z) small) in the mini-batch."""
    speed, saturation = [], []
    for i, sigma in enumerate(net.sigmas):
        speed.append(float(np.linalg.norm(step.grad_b[i])))
        s = saturated_fraction(sigma, step.zs[i], step.activations[i + 1], np)
        saturation.append(None if s is None else float(s))
    return {"speed": speed, "saturation": saturation}


def scale_top(largest: float) -> float:
    """The top of a colour scale for values up to ``largest`` in size: the smallest of 1, 2
    or 5 × 10^k at least ``largest`` (1 for none), so the legend's numbers are plain.

    Examples
    --------
    >>> scale_top(0.83), scale_top(1.0), scale_top(3.2), scale_top(0.0004), scale_top(0.0)
    (1.0, 1.0, 5.0, 0.0005, 1.0)
    """
    if not math.isfinite(largest) or largest <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(largest))
    for step in (1.0, 2.0, 5.0, 10.0):
        top = float(f"{step * power:.12g}")  # 0.0005, not 0.0005000000000000001
        if top >= largest * (1 - 1e-12):
            return top
    return float(f"{10 * power:.12g}")


def _bytes(values: np.ndarray, low: float, high: float) -> str:
    """Values scaled to 0 … 255 between ``low`` and ``high``, as base64 bytes."""
    scale = 255.0 / (high - low) if high > low else 0.0
    q = np.clip((values - low) * scale, 0, 255).astype(np.uint8)
    return base64.b64encode(q.tobytes()).decode("ascii")


def plane_figures(
    net: Network,
    bounds: tuple[float, float, float, float],
    shown: list[list[int]],
    features: Features | None = None,
    regression: bool = False,
) -> dict[str, Any]:
    """Every shown neuron's a^l over a GRID × GRID grid of the plane (eq. 25 by ``forward``,
    from the ``features`` of each point where the inputs are features), the first row the top
    of the plane (y1), on one scale −top … top for all of them (with each map's lowest and
    highest a); and the decision surface: the predicted class and its output a^L at each
    point; for a regression, the output a^L itself (:func:`surface`)."""
    x0, x1, y0, y1 = bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, GRID), np.linspace(y1, y0, GRID))
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1)  # (GRID², 2)
    inputs = (grid if features is None else features(grid)).astype(net.config.dtype)
    _, a_list = forward(net.weights, net.biases, net.sigmas, inputs, np)
    drawn = [np.asarray(a_list[i][:, shown[i]], np.float64) for i in range(1, len(a_list))]
    top = scale_top(max(float(np.max(np.abs(a))) for a in drawn))
    maps = [[_map(column, top) for column in a.T] for a in drawn]
    out = a_list[-1]
    if regression:
        return {"grid": GRID, "maps": maps, "surface": surface(out[:, 0])}
    classes = np.argmax(out, axis=1) if out.shape[1] > 1 else (out[:, 0] > 0.5).astype(int)
    confidence = np.max(out, axis=1) if out.shape[1] > 1 else np.abs(out[:, 0] - 0.5) * 2
    return {
        "grid": GRID,
        "top": top,
        "maps": maps,
        "classes": base64.b64encode(classes.astype(np.uint8).tobytes()).decode("ascii"),
        "confidence": _bytes(confidence, 0.0, 1.0),
    }


def surface(values: np.ndarray) -> dict[str, Any]:
    """A regression's output a^L over the grid, on one diverging scale: ``top`` the largest
    |a^L| (the page's legend), ``q`` bytes where 0 is −top, 127.5 is 0 and 255 is +top."""
    top = float(np.max(np.abs(values))) if values.size else 0.0
    top = top if np.isfinite(top) and top > 0 else 1.0
    return {"top": top, "q": _bytes(values, -top, top)}


def image_figures(net: Network, side: int, count: int = SHOWN) -> dict[str, Any]:
    """The first ``count`` rows of w^2 as side × side images, on one scale −top … top (byte
    127.5 is w = 0), with each row's lowest and highest w."""
    rows = np.asarray(net.weights[0][:count], np.float64)
    top = scale_top(float(np.max(np.abs(rows))))
    return {
        "side": side,
        "top": top,
        "images": [_bytes(row, -top, top) for row in rows],
        "low": rows.min(axis=1).tolist(),
        "high": rows.max(axis=1).tolist(),
    }


def _map(a: np.ndarray, top: float) -> dict[str, Any]:
    """One neuron's a over the grid: its lowest and highest value, and its bytes."""
    return {"low": float(a.min()), "high": float(a.max()), "q": _bytes(a, -top, top)}


def plane_bounds(X: np.ndarray) -> tuple[float, float, float, float]:
    """A square around the 2-D points, with a margin."""
    low, high = X.min(axis=0), X.max(axis=0)
    centre, half = (low + high) / 2, float(np.max(high - low)) / 2 * 1.1 + 1e-6
    return (
        float(centre[0] - half),
        float(centre[0] + half),
        float(centre[1] - half),
        float(centre[1] + half),
    )
