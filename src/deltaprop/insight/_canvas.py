"""The canvas every figure of deltaprop is drawn on, and the helpers its per-epoch plots share.

Figures are built without pyplot (:class:`~deltaprop.insight._inline.InlineFigure`, which shows
itself in a notebook), so nothing depends on a display or on global state.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..training.history import History

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def new_figure(width: float = 7.0, height: float = 4.0, **margins: float) -> Figure:
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


def epoch_axis(*axes: Any) -> None:
    """Whole-number ticks on the x axes: epochs are counted."""
    from matplotlib.ticker import MaxNLocator

    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def series(history: History, key: str) -> tuple[np.ndarray, np.ndarray]:
    """(epochs, values) for the epochs that have a finite ``key``."""
    pairs = [
        (row["epoch"], float(row[key]))
        for row in history
        if isinstance(row.get(key), (int, float)) and math.isfinite(row[key])
    ]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
