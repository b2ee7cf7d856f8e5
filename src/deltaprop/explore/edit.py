"""Set one weight by hand while the run is paused (click an edge on the page), and see what
it does: the cost of the paused mini-batch's rows and of the measured training rows before
and after, and the network's pictures (the decision surface) drawn again.

The weight is changed in the network's own array, in place (the training loop's optimiser
updates that array), so the run goes on from it when it resumes. The paused mini-batch's
record described the weights before the change: it is put away (its rows kept, for the cost
and the genie), and the next step records a mini-batch from the changed network.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .inputs import BadRequest

if TYPE_CHECKING:
    from .session import Session

#: the largest |w| that may be set by hand
MAX_WEIGHT = 1e3


def _rows(session: Session) -> tuple[np.ndarray, np.ndarray, int]:
    """The rows the cost is measured on: the paused mini-batch's (its x, its targets y, its
    number), or, before any, the first m training rows (number 0)."""
    r = session.record
    if r is not None:
        return r["x"], r["y"], int(r["step"])
    if session.rows is not None:
        return session.rows
    _, x, y = session.genie_subject()
    return x, y, 0


def _where(session: Session, layer: Any, j: Any, k: Any, value: Any) -> float:
    """``value`` as the new w^layer_jk, checked: a weight the network has, a finite number."""
    sizes = session.net.sizes
    for name, v in (("layer", layer), ("j", j), ("k", k)):
        if isinstance(v, bool) or not isinstance(v, int):
            raise BadRequest(f"{name} must be a whole number; got {str(v)[:40]}")
    if not 2 <= layer <= len(sizes):
        raise BadRequest(f"layer must be 2 … {len(sizes)} (w^l joins l − 1 to l); got {layer}")
    n_l, n_prev = sizes[layer - 1], sizes[layer - 2]
    if not (0 <= j < n_l and 0 <= k < n_prev):
        where = f"j in 0 … {n_l - 1} and k in 0 … {n_prev - 1}"
        raise BadRequest(f"w^{layer} has {where}; got {j}, {k}")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise BadRequest(f"value must be a finite number; got {str(value)[:40]}")
    if abs(value) > MAX_WEIGHT:
        raise BadRequest(f"value must be in [−{MAX_WEIGHT:g}, {MAX_WEIGHT:g}]; got {value:g}")
    return float(value)


def set_weight(session: Session, layer: Any, j: Any, k: Any, value: Any) -> dict[str, Any]:
    """Set w^layer_jk of the paused (or not yet started, or ended) run to ``value``; returns
    the weight before and after (as the network holds it, float32), the mean cost C = (1/m)
    Σ_x C_x of the rows of :func:`_rows` before and after, and the cost measured on the
    training and test rows of the curves, before and after. Raises BadRequest (409) while
    the run trains."""
    value = _where(session, layer, j, k, value)
    net = session.net
    with session.lock:
        if not session.at_rest:
            raise BadRequest("pause the training first: a weight is set between mini-batches", 409)
        x, y, step = _rows(session)
        measured = session.measure()
        cost = net.evaluate(x, y)["cost"]
        w = net.weights[layer - 2]
        before = float(w[j, k])
        w[j, k] = value  # in place: the trainer's parameters are these arrays
        after = float(w[j, k])
        new_cost = net.evaluate(x, y)["cost"]
        point = session.measure()
        session.rows, session.record = (x, y, step), None
        where = {"batch": session.batches, "epoch": session.epoch}
        session.curves.add({**where, **point, "cost": new_cost, "edit": True})
        what = {f"w^{layer}_{j},{k}": [before, after]}
        session.changes.append({"batch": session.batches, "what": what})
    session.publish_now()
    return {
        "layer": layer,
        "j": j,
        "k": k,
        "before": before,
        "after": after,
        "step": step,
        "rows": int(x.shape[0]),
        "cost_before": cost,
        "cost_after": new_cost,
        "train_cost_before": measured["train_cost"],
        "train_cost_after": point["train_cost"],
        "test_cost_before": measured["test_cost"],
        "test_cost_after": point["test_cost"],
    }
