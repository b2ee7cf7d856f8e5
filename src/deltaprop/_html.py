"""Small HTML pieces for the ``_repr_html_`` of deltaprop's results, shown by notebooks.

Every piece of text goes through :func:`html.escape`; numbers are formatted here, once, so
that a History, a Diagnosis and a Network look alike.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import Any

#: rows shown at each end of a long table; the middle is summarised in one row
EDGE_ROWS = 10

_STYLE = (
    "<style>.deltaprop table{border-collapse:collapse;margin:0.3em 0}"
    ".deltaprop th,.deltaprop td{padding:0.15em 0.6em;text-align:right}"
    ".deltaprop th{border-bottom:1px solid #999}.deltaprop caption{text-align:left;"
    "font-weight:bold;padding-bottom:0.2em}.deltaprop p,.deltaprop ul{margin:0.3em 0}</style>"
)


def text(value: Any) -> str:
    """``value`` as escaped text: floats with four significant figures, None as a dash."""
    if value is None:
        return "–"
    if isinstance(value, float):
        if not math.isfinite(value):
            return html.escape(str(value))
        return f"{value:.4g}"
    return html.escape(str(value))


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    caption: str | None = None,
    titles: Sequence[str | None] | None = None,
) -> str:
    """An HTML table; cells are passed through :func:`text` unless already :class:`Raw`.

    ``titles`` gives each header a tooltip (its meaning). Tables of more than
    2 × EDGE_ROWS rows show the first and last EDGE_ROWS and say how many are left out.
    """
    rows = list(rows)
    if len(rows) > 2 * EDGE_ROWS:
        hidden = len(rows) - 2 * EDGE_ROWS
        gap = [Raw(f"… {hidden} more rows …")] + [""] * (len(headers) - 1)
        rows = [*rows[:EDGE_ROWS], gap, *rows[-EDGE_ROWS:]]
    tips = list(titles) if titles is not None else [None] * len(headers)
    head = "".join(
        f'<th title="{html.escape(tip)}">{html.escape(h)}</th>'
        if tip
        else f"<th>{html.escape(h)}</th>"
        for h, tip in zip(headers, tips)
    )
    body = "".join(
        "<tr>" + "".join(f"<td>{cell_html(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class Raw(str):
    """Text that is already HTML: :func:`table` puts it in a cell as it is."""


def cell_html(value: Any) -> str:
    """A table cell's content: :class:`Raw` as it is, anything else through :func:`text`."""
    return str(value) if isinstance(value, Raw) else text(value)


def paragraph(content: str) -> str:
    """A paragraph of plain text (escaped)."""
    return f"<p>{html.escape(content)}</p>"


def bullets(items: Iterable[str]) -> str:
    """A list of plain-text items (escaped); empty when there are none."""
    items = list(items)
    if not items:
        return ""
    return "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>"


def block(*parts: str) -> str:
    """The parts in one ``<div class="deltaprop">``, with the tables' style."""
    return f'<div class="deltaprop">{_STYLE}{"".join(parts)}</div>'


def history_html(history: Any) -> str:
    """A History as a table, one row per epoch, a column per key."""
    keys = history.keys()
    rows = [[row.get(k) for k in keys] for row in history]
    caption = f"History: {len(history)} epoch{'s' * (len(history) != 1)}"
    return block(table(keys, rows, caption=caption))


def network_html(net: Any) -> str:
    """A Network as a table: its layers (sizes, σ), then cost, init, dtype and backend."""
    c, sizes = net.config, net.sizes
    layers = [[1, sizes[0], "input", "–"]]
    for i, (n, sigma) in enumerate(zip(sizes[1:], net.sigmas)):
        weights = f"{n} × {sizes[i]}"
        layers.append([i + 2, n, sigma.name, weights])
    device = net.backend.device
    backend = net.backend.name + ("" if device is None else f" ({device})")
    facts = (
        f"cost {net.cost_function.name}, init {c.init}, dtype {c.dtype}, backend {backend}, "
        f"{net.n_parameters:,} parameters"
    )
    layer_table = table(
        ["layer l", "neurons n_l", "σ", "w^l"], layers, caption=f"Network {list(sizes)}"
    )
    return block(layer_table, paragraph(facts))
