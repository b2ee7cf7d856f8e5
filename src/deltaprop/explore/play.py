"""The route handlers of the playground's features (see :mod:`.server`): a weight set by hand
while paused, and settings changed while training. Like :mod:`.routes`, each answers JSON,
and a user's mistake is a 4xx answer ``{"error": "<one line>"}``.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from .edit import set_weight
from .inputs import BadRequest, json_object
from .live import checked_change
from .routes import as_json, session_of
from .session import Session


async def weight(request: Request) -> Response:
    """Set w^layer_jk of a paused run (of both runs of a pair): ``{"layer": 2, "j": 0, "k":
    1, "value": 0.5}``; the answer has the weight and the costs before and after
    (:func:`.edit.set_weight`)."""
    session = session_of(request)
    body = await json_object(request, '{"layer": 2, "j": 0, "k": 1, "value": 0.5}')
    where = [body.get(key) for key in ("layer", "j", "k", "value")]
    if session.pair is None:
        return as_json(await run_in_threadpool(set_weight, session, *where))
    # two runs side by side: the weight is set in both, so they still differ in one setting
    runs = session.pair.runs
    if not all(run.at_rest for run in runs):
        raise BadRequest("pause the training first: a weight is set between mini-batches", 409)
    answers = [await run_in_threadpool(set_weight, run, *where) for run in runs]
    return as_json(answers[runs.index(session)])


async def change(request: Request) -> Response:
    """Change live settings of a run, ``{"eta": 0.05}``: from the next mini-batch, without a
    new network; both runs of a pair, but for the setting they compare. The answer is the
    run's changed values."""
    session = session_of(request)
    body = await json_object(request, '{"eta": 0.05}')
    if session.state in ("finished", "stopped", "failed"):
        raise BadRequest("the run has ended: press Reset for a new one with these settings", 409)
    try:
        changed = checked_change(session.settings, body)
        each = None if session.pair is None else _for_each(session, body)
    except ValueError as exc:
        raise BadRequest(str(exc).splitlines()[0]) from None
    if each is None and changed:  # a value the run already has is no change: nothing marked
        session.request_change(changed)
    elif each is not None:
        session.pair.change(each)
    return as_json({"changed": changed})


def _for_each(session: Session, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The change of each run of ``session``'s pair: the first's, and the second's less the
    setting the pair compares (each checked against that run's own settings)."""
    first, second = session.pair.runs
    compared = first.settings.compare
    return (
        checked_change(first.settings, body),
        checked_change(second.settings, {k: v for k, v in body.items() if k != compared}),
    )
