"""The explorer's route handlers, one module-level function a route (see :mod:`.server`).

Each handler reads the server's state from ``request.app.state.explorer`` (an
:class:`~.state.ExplorerState`) and answers JSON; a user's mistake is a 4xx answer
``{"error": "<one line saying what to give instead>"}``, whatever the request holds.

The contract with the page:

- a run that cannot go on ends in state ``"failed"`` with ``"error": "<one line: what
  happened and what to change>"`` in its snapshot; every snapshot is valid JSON (NaN and inf
  are sent as ``null``);
- a run the server closed (to make room for another, or because the server stopped) answers
  **410** ``{"error": "<why it was closed>", "closed": true}`` on every ``/api/ID/…`` route
  (but stop, which answers that it is closed),
  and an open event stream first sends ``event: closed`` with that JSON, then ends; an ID
  the server never made is a 404;
- the least recently watched run makes room for a new one, never a run with an open event
  stream; when every run is watched, a new one is refused with a 503 saying to close a page.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse

from ..insight.genie import genie
from .data import MAX_UPLOAD_BYTES, read_named_upload
from .inputs import BadRequest, body_of, json_object, since_of, whole
from .session import Session
from .settings import Settings, options
from .state import ExplorerState, RunClosed, ServerBusy
from .twin import Pair, twin_description
from .wire import closed_event, to_json

STATIC = Path(__file__).parent / "static"
#: seconds an event stream waits for a new snapshot before it checks that its page is still
#: connected
EVENT_TIMEOUT = 5.0
#: the page's actions on a run
ACTIONS = ("start", "pause", "step", "stop")
#: the largest Δz the genie is asked for
MAX_DZ = 1e3
#: seconds a new run waits for room when every run kept is watched (see room_for_a_run)
ROOM_WAIT = 0.2


def error(message: str, status: int = 400) -> JSONResponse:
    """A one-line error answer."""
    return JSONResponse({"error": message}, status_code=status)


async def bad_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BadRequest)
    return error(exc.message, exc.status)


async def no_such_run(request: Request, exc: Exception) -> Response:
    return error("no such run: reload the page", 404)


async def run_closed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RunClosed)
    return JSONResponse({"error": exc.reason, "closed": True}, status_code=410)


async def server_busy(request: Request, exc: Exception) -> Response:
    return error(str(exc), 503)


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (no such route or file, a method a route does not take), as
    the explorer's other errors: one line of JSON."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error("no such page: open the address deltaprop explore printed", 404)
    message = f"{exc.detail}"
    if exc.status_code == 405:
        message = f"{request.method} is not accepted here; use {(exc.headers or {})['Allow']}"
    return JSONResponse({"error": message}, status_code=exc.status_code, headers=exc.headers)


async def client_gone(request: Request, exc: Exception) -> Response:
    return error("the request ended before its body was sent: send it again", 400)


def as_json(value: Any) -> Response:
    """``value`` as JSON (arrays as lists; NaN and inf as null)."""
    return Response(to_json(value), media_type="application/json")


def explorer_of(request: Request) -> ExplorerState:
    explorer: ExplorerState = request.app.state.explorer
    return explorer


def session_of(request: Request) -> Session:
    """The run the route's ``{sid}`` names; RunClosed (410) or NoSuchRun (404) if none."""
    return explorer_of(request).session(request.path_params["sid"])


# -- the routes ---------------------------------------------------------------------------


async def index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", headers={"cache-control": "no-store"})


async def options_route(request: Request) -> Response:
    """Every option the page offers, from the one declaration of each (:func:`.options`)."""
    return as_json(options())


async def new_session(request: Request) -> Response:
    """A run from the page's settings (and the drawn points or an uploaded array)."""
    explorer = explorer_of(request)
    body = await json_object(request, '{"data": "spiral", "hidden": "8,8", "eta": 0.1}')
    points, key = body.pop("drawn", None), body.pop("upload", None)
    if key is not None and not isinstance(key, str):
        raise BadRequest("upload must be the key the upload answered, a string")
    array = explorer.uploads.get(key) if key else None
    if key and array is None and body.get("data") == "upload":
        raise BadRequest(
            "that upload is no longer kept (the server keeps the latest few): upload the file again"
        )
    classes = explorer.upload_classes.get(key) if key else None
    try:
        settings = Settings.from_dict(body)
        twin = settings.twin()  # the second run's settings, if two are compared
        await room_for_a_run(explorer, 1 if twin is None else 2)  # ServerBusy (503) if none
        with np.errstate(all="ignore"):  # odd data say so when they train, on the page
            runs = [await run_in_threadpool(Session, settings, array, points, classes)]
            if twin is not None:
                runs.append(await run_in_threadpool(Session, twin, array, points, classes))
    except (ValueError, OSError) as exc:
        return error(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    answer = {"id": explorer.add(runs[0]), **runs[0].description()}
    if len(runs) == 2:  # side by side, in lockstep
        Pair(*runs)
        about = twin_description(*runs)
        answer["twin"] = {"id": explorer.add(runs[1]), **runs[1].description(), **about}
    return as_json(answer)


async def room_for_a_run(explorer: ExplorerState, runs: int = 1) -> None:
    """Return once ``runs`` new runs fit; ServerBusy if every run kept is watched. A page
    that resets closes its event streams just before it asks for a new run: the server may
    notice it a moment later, so a full house is looked at twice."""
    try:
        explorer.check_room(runs)
    except ServerBusy:
        await asyncio.sleep(ROOM_WAIT)
        explorer.check_room(runs)


async def upload(request: Request) -> Response:
    """A .npy or .csv file of rows (the last column the class), kept for a later run."""
    name = request.query_params.get("name", "")
    content = await body_of(request, MAX_UPLOAD_BYTES, "the file")
    try:
        array, classes = await run_in_threadpool(read_named_upload, name, content)
    except ValueError as exc:
        return error(str(exc).splitlines()[0])
    except (MemoryError, OverflowError):
        return error(f"{name}: declares an array too large to hold: upload a smaller one", 413)
    except Exception as exc:  # the reader parses anything: whatever it trips on, the file is bad
        return error(
            f"{name}: cannot be read ({type(exc).__name__}): upload a .npy or .csv of numbers"
        )
    try:
        key = explorer_of(request).add_upload(array, classes)
    except ValueError as exc:
        return error(str(exc), 413)
    rows, columns = array.shape
    return as_json({"upload": key, "rows": rows, "columns": columns, "classes": classes})


async def control(request: Request) -> Response:
    """start, pause, step or stop the run. Stopping a run the server has closed is already
    done: ``{"state": "closed"}`` (a page stops the run it leaves, which may just have been
    closed to make room)."""
    try:
        session = session_of(request)
    except RunClosed:
        with contextlib.suppress(BadRequest):
            if (await json_object(request, "")).get("action") == "stop":
                return as_json({"state": "closed"})
        raise
    body = await json_object(request, '{"action": "start"}')
    action = body.get("action")
    if action not in ACTIONS:
        got = json.dumps(action)[:40]
        raise BadRequest(f"action must be one of {', '.join(ACTIONS)}; got {got}")
    if session.pair is not None:  # two runs side by side: both, after the same mini-batch
        session.pair.control(action)
    else:
        session.control(action)
    return as_json({"state": session.state})


async def state(request: Request) -> Response:
    """The latest snapshot, with the curve points after the first ``since`` and the epochs'
    figures after epoch ``epoch``."""
    session = session_of(request)
    rows = new_epochs(session, since_of(request, "epoch"))
    body, _, _ = event_body(session, since_of(request), session.curves.cuts, rows)
    return Response(body, media_type="application/json")


async def pace(request: Request) -> Response:
    """Train at another pace from now on (``{"pace": "30"}``), without a fresh network (both
    runs of two side by side)."""
    session = session_of(request)
    body = await json_object(request, '{"pace": "30"}')
    try:
        runs = session.pair.runs if session.pair is not None else (session,)
        values = [run.set_pace(body.get("pace")) for run in runs]
    except ValueError as exc:
        return error(str(exc))
    return as_json({"pace": values[0]})


async def events(request: Request) -> Response:
    """Server-sent events: the latest snapshot whenever the training thread publishes; when
    the server closes the run, ``event: closed`` with why, and the stream ends."""
    session = session_of(request)
    return StreamingResponse(
        snapshots(request, session),
        media_type="text/event-stream",
        headers={"cache-control": "no-store"},
    )


async def snapshots(request: Request, session: Session) -> AsyncIterator[str]:
    """The event stream of one page. Woken by the training thread when it publishes (no
    polling: the server's thread then takes the interpreter from training only when there
    is news), and by the server when it closes the run."""
    loop, news = asyncio.get_running_loop(), asyncio.Event()

    def notify() -> None:
        with contextlib.suppress(RuntimeError):  # the server has stopped
            loop.call_soon_threadsafe(news.set)

    session.listeners.append(notify)  # while it is there, the run is watched
    # the page has the first `sent` points after `cuts` cuts, and the epochs to `sent_epoch`
    version, sent, cuts, sent_epoch = -1, 0, 0, 0
    try:
        while True:
            news.clear()
            if session.version != version:
                version = session.version
                rows = new_epochs(session, sent_epoch)  # sent once each
                sent_epoch = rows[-1]["epoch"] if rows else sent_epoch
                body, sent, cuts = event_body(session, sent, cuts, rows)
                yield f"data: {body}\n\n"
            if session.closed:
                yield closed_event(session.closed)
                return
            try:
                await asyncio.wait_for(news.wait(), timeout=EVENT_TIMEOUT)
            except asyncio.TimeoutError:  # nothing new: is the page still there?
                if await request.is_disconnected():
                    return
    finally:
        session.listeners.remove(notify)
        session.last_seen = time.monotonic()  # watched until now


async def record(request: Request) -> Response:
    """The paused mini-batch's arrays in full."""
    session = session_of(request)
    if session.record is None:
        return error("no mini-batch recorded: pause or step first", 409)
    return as_json(session.record)


async def genie_route(request: Request) -> Response:
    """Nudge z of one neuron by dz and compare the cost's change with δ·dz."""
    session = session_of(request)
    body = await json_object(request, '{"layer": 2, "neuron": 0, "dz": 0.01}')
    layer, neuron, dz = whole(body, "layer"), whole(body, "neuron"), body.get("dz")
    if isinstance(dz, bool) or not isinstance(dz, (int, float)) or not 0 < dz <= MAX_DZ:
        raise BadRequest(f"dz must be a number > 0 and ≤ {MAX_DZ:g}; got {json.dumps(dz)[:40]}")
    if session.state not in ("paused", "idle", "finished", "stopped", "failed"):
        return error("pause the training first: the genie nudges a network at rest", 409)
    net, X, Y = session.genie_subject()
    try:
        with np.errstate(all="ignore"):  # a large dz saturates: ΔC is what it is
            result = await run_in_threadpool(
                genie, net, X, Y, neurons=[(layer, neuron)], dz=float(dz)
            )
    except ValueError as exc:
        return error(str(exc).splitlines()[0])
    n = result.neurons[0]
    return as_json(
        {
            "layer": n.layer,
            "neuron": n.neuron,
            "delta": n.delta,
            "dz": n.dz,
            "change": n.change,
            "predicted": n.delta * n.dz,
            "cost": result.cost,
            "sigma_prime": n.sigma_prime,
            "n_samples": result.n_samples,
        }
    )


async def model(request: Request) -> Response:
    """The network as a deltaprop model file."""
    session = session_of(request)
    net = await run_in_threadpool(session.network_copy)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "network.npz"
        try:
            net.save(path)
        except ValueError as exc:  # a network that cannot be saved (inf or NaN weights)
            return error(f"cannot save this network: {str(exc).splitlines()[0]}", 409)
        data = path.read_bytes()
    return Response(
        data,
        media_type="application/octet-stream",
        headers={"content-disposition": 'attachment; filename="network.npz"'},
    )


async def report(request: Request) -> Response:
    """The run's HTML report (needs matplotlib)."""
    session = session_of(request)
    try:
        from .keep import report_html
    except ImportError:
        return error("the report's figures need matplotlib: pip install matplotlib")
    try:
        with np.errstate(all="ignore"):
            text = await run_in_threadpool(report_html, session)
    except ValueError as exc:
        return error(str(exc).splitlines()[0], 409)
    return Response(
        text,
        media_type="text/html",
        headers={"content-disposition": 'attachment; filename="report.html"'},
    )


def new_epochs(session: Session, after: int) -> list[dict[str, Any]]:
    """The figures of the epochs after epoch ``after`` (the loop's rows; the latest 200)."""
    return [row for row in session.epochs[-200:] if row["epoch"] > after]


def event_body(
    session: Session, sent: int, cuts: int, epochs: list[dict[str, Any]]
) -> tuple[str, int, int]:
    """The latest snapshot with the curve points a page that has the first ``sent`` of
    them, as they were after ``cuts`` thinnings, is missing (all of them, ``"since": 0``,
    when they were thinned since), and the ``epochs`` rows (each sent once: a snapshot
    carries only what changed); and what the page then has: ``(body, sent, cuts)``."""
    snapshot = session.snapshot_json
    since, points, cuts = session.curves.after(cuts, sent)
    curve, rows = to_json(points), to_json(epochs)
    body = f'{{"snapshot": {snapshot}, "since": {since}, "points": {curve}, "epochs": {rows}}}'
    return body, since + len(points), cuts
