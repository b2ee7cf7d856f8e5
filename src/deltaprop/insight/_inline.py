"""A matplotlib Figure that a notebook shows as an image, with no ``%matplotlib`` magic.

The figures of :mod:`.plots` are built without pyplot, so that nothing depends on a display
or on global state. IPython shows an object as an image when it has ``_repr_png_``; a plain
Figure has none unless pyplot's inline backend was loaded (``%matplotlib inline``), so the
last line of a cell would print ``<Figure size 700x400 with 2 Axes>``. This subclass adds it.
Where the inline backend is loaded, IPython uses its own formatter instead: one image either
way.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure


class InlineFigure(Figure):
    """A :class:`matplotlib.figure.Figure` that displays itself inline in a notebook."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()
