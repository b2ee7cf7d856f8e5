"""What the explorer sends over the wire: JSON that is always valid, and the event stream's
messages.

JSON has no words for NaN and ±inf, and a diverging run (η = 1e308) or a hostile file holds
them: they are sent as ``null``, so every answer and every snapshot parses on the page.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from ..errors import DivergenceError


def plain(value: Any) -> Any:
    """JSON for what ``json`` cannot write itself: arrays as lists, NumPy scalars as numbers."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot send {type(value).__name__}")


def finite(value: Any) -> Any:
    """``value`` with every NaN and ±inf replaced by None, arrays and NumPy scalars made plain
    Python (lists, dicts and tuples are copied; a tuple becomes a list, as JSON writes it)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    if isinstance(value, (np.ndarray, np.generic)):
        return finite(plain(value))
    return value


def to_json(value: Any) -> str:
    """``value`` as JSON text (arrays as lists), NaN and ±inf as ``null``. The common case,
    everything finite, costs one ``json.dumps``."""
    try:
        return json.dumps(value, allow_nan=False, default=plain)
    except ValueError:  # a NaN or an inf somewhere: write it again without them
        return json.dumps(finite(value), allow_nan=False, default=plain)


def closed_event(reason: str) -> str:
    """The event stream's last message for a run the server closed: ``event: closed`` with
    ``{"error": reason, "closed": true}``."""
    return f"event: closed\ndata: {json.dumps({'error': reason, 'closed': True})}\n\n"


def failure_message(exc: Exception, settings: Any) -> str:
    """The one line a failed run shows: the library's own message for what it refuses (a
    diverged run says which η to try, and here which λ too), else what was raised and what
    to do."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else ""
    if isinstance(exc, DivergenceError) and (settings.l2 or settings.l1):
        return f"{text} With L2 λ = {settings.l2:g} and L1 λ = {settings.l1:g}, try smaller λ too."
    if isinstance(exc, (ValueError, ArithmeticError)) and text:
        return text
    return (
        f"the run stopped on {type(exc).__name__}{': ' + text if text else ''}; change a "
        "setting (a smaller network, η or batch) and press Reset"
    )
