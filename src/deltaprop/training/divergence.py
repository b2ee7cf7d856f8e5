"""Divergence: how the training loop notices that a run has blown up, and undoes its epoch.

A learning rate too large for the network makes the updates grow until the cost overflows to
inf or NaN. The loop keeps a copy of the parameters at the start of each epoch
(:func:`snapshot`), checks the costs of its mini-batches once per chunk of them
(:func:`first_non_finite`) and the parameters and the optimiser's state once at its end
(:func:`non_finite`); on the first thing that is not finite it puts the copy back and raises
the :class:`~deltaprop.errors.DivergenceError` of :func:`diverged`, which says where it
happened and what learning rate to try.
"""

from __future__ import annotations

from typing import Any

from ..core.workspace import ArrayList
from ..errors import DivergenceError
from ._plaindata import arrays_in


def snapshot(params: ArrayList, xp: Any) -> list[Any]:
    """Copies of the parameters: of their one flat buffer where there is one."""
    if params.flat is not None:
        return [xp.asarray(params.flat, copy=True)]
    return [xp.asarray(p, copy=True) for p in params]


def first_non_finite(costs: Any, xp: Any) -> int | None:
    """The index of the first entry of ``costs`` (a 1-D array) that is inf or NaN, or None.
    One read-back for the whole array: reading numbers back one by one stalls a GPU."""
    if bool(xp.all(xp.isfinite(costs))):
        return None
    return int(xp.argmax(xp.astype(~xp.isfinite(costs), xp.int8)))


def non_finite(params: ArrayList, optimizer_state: dict[str, Any], xp: Any) -> str | None:
    """What holds inf or NaN: "the weights", "the optimizer's state", or None."""
    arrays = [params.flat] if params.flat is not None else list(params)
    for what, group in (
        ("the weights", arrays),
        ("the optimizer's state", arrays_in(optimizer_state)),
    ):
        if not all(bool(xp.all(xp.isfinite(a))) for a in group):
            return what
    return None


def diverged(
    params: ArrayList,
    saved: list[Any],
    epoch: int,
    batch: int,
    eta: float,
    cost: float | None,
    bad: str = "the weights",
) -> DivergenceError:
    """Put the :func:`snapshot` ``saved`` back into ``params`` and return the error to raise:
    ``cost`` is mini-batch ``batch``'s non-finite cost, or None when its update made ``bad``
    (the weights or the optimiser's state) so."""
    targets = [params.flat] if params.flat is not None else params
    for p, copy in zip(targets, saved):
        p[...] = copy
    what = (
        f"the cost of mini-batch {batch} of epoch {epoch} is {cost}"
        if cost is not None
        else f"the update of mini-batch {batch} of epoch {epoch} made {bad} inf or NaN"
    )
    return DivergenceError(
        f"training diverged: {what} with eta = {eta:g}; try a smaller learning rate (e.g. "
        f"eta = {eta / 10:g}). The network keeps the weights it had at the start of epoch "
        f"{epoch}.",
        epoch=epoch,
        batch=batch,
        eta=eta,
    )
