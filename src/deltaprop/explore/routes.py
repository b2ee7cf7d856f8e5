"""The explorer's route handlers, one module-level function a route (see :mod:`.server`).

Each handler reads the server's state from ``request.app.state.explorer`` (an
:class:`~.state.ExplorerState`) and answers JSON; a user's mistake is a 4xx answer with one
line saying what to give instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse

from ..insight.genie import genie
from .data import MAX_UPLOAD_BYTES, read_upload
from .session import Session, plain
from .settings import Settings, options
from .state import ExplorerState

STATIC = Path(__file__).parent / "static"
#: seconds an event stream waits for a new snapshot before it checks that its page is still
#: connected
EVENT_TIMEOUT = 5.0


async def no_such_run(request: Request, exc: Exception) -> Response:
    return error("no such run: reload the page", 404)


def error(message: str, status: int = 400) -> JSONResponse:
    """A one-line error answer."""
    return JSONResponse({"error": message}, status_code=status)


def as_json(value: Any) -> Response:
    """``value`` as JSON (arrays as lists; never NaN or inf)."""
    return Response(
        json.dumps(value, allow_nan=False, default=plain), media_type="application/json"
    )


def explorer_of(request: Request) -> ExplorerState:
    explorer: ExplorerState = request.app.state.explorer
    return explorer


def session_of(request: Request) -> Session:
    """The run the route's ``{sid}`` names; NoSuchRun if there is none."""
    return explorer_of(request).session(request.path_params["sid"])


async def index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", headers={"cache-control": "no-store"})


async def options_route(request: Request) -> Response:
    """Every option the page offers, from the one declaration of each (:func:`.options`)."""
    return as_json(options())


async def new_session(request: Request) -> Response:
    """A run from the page's settings (and the drawn points or an uploaded array)."""
    explorer = explorer_of(request)
    body = await request.json()
    points, upload = body.pop("drawn", None), body.pop("upload", None)
    try:
        settings = Settings.from_dict(body)
        array = explorer.uploads.get(upload) if upload else None
        session = await run_in_threadpool(Session, settings, array, points)
    except (ValueError, FileNotFoundError, OSError) as exc:
        return error(str(exc).splitlines()[0])
    key = explorer.add(session)
    return as_json({"id": key, **session.description()})


async def upload(request: Request) -> Response:
    """A .npy or .csv file of rows (the last column the class), kept for a later run."""
    name = request.query_params.get("name", "")
    size = int(request.headers.get("content-length") or 0)
    too_large = f"the file is over {MAX_UPLOAD_BYTES // 2**20} MiB"
    if size > MAX_UPLOAD_BYTES:
        return error(too_large, 413)
    chunks, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > MAX_UPLOAD_BYTES:
            return error(too_large, 413)
        chunks.append(chunk)
    try:
        array = read_upload(name, b"".join(chunks))
    except ValueError as exc:
        return error(str(exc))
    key = explorer_of(request).add_upload(array)
    return as_json({"upload": key, "rows": array.shape[0], "columns": array.shape[1]})


async def control(request: Request) -> Response:
    """start, pause, step or stop the run."""
    session = session_of(request)
    try:
        session.control(str((await request.json()).get("action")))
    except ValueError as exc:
        return error(str(exc))
    return as_json({"state": session.state})


async def state(request: Request) -> Response:
    """The latest snapshot, with the curve points after the first ``since``."""
    session = session_of(request)
    since = int(request.query_params.get("since", "0"))
    return Response(event_body(session, since), media_type="application/json")


async def events(request: Request) -> Response:
    """Server-sent events: the latest snapshot whenever the training thread publishes."""
    session = session_of(request)
    return StreamingResponse(
        snapshots(request, session),
        media_type="text/event-stream",
        headers={"cache-control": "no-store"},
    )


async def snapshots(request: Request, session: Session) -> AsyncIterator[str]:
    """The event stream of one page. Woken by the training thread when it publishes (no
    polling: the server's thread then takes the interpreter from training only when there
    is news)."""
    loop, news = asyncio.get_running_loop(), asyncio.Event()

    def notify() -> None:
        with contextlib.suppress(RuntimeError):  # the server has stopped
            loop.call_soon_threadsafe(news.set)

    session.listeners.append(notify)
    version, sent_points = -1, 0
    try:
        while True:
            news.clear()
            if session.version != version:
                version = session.version
                body = event_body(session, sent_points)
                sent_points = len(session.curves)
                yield f"data: {body}\n\n"
            try:
                await asyncio.wait_for(news.wait(), timeout=EVENT_TIMEOUT)
            except asyncio.TimeoutError:  # nothing new: is the page still there?
                if await request.is_disconnected():
                    return
    finally:
        session.listeners.remove(notify)


async def record(request: Request) -> Response:
    """The paused mini-batch's arrays in full."""
    session = session_of(request)
    if session.record is None:
        return error("no mini-batch recorded: pause or step first", 409)
    return as_json(session.record)


async def genie_route(request: Request) -> Response:
    """Nudge z of one neuron by dz and compare the cost's change with δ·dz."""
    session = session_of(request)
    try:
        body = await request.json()
        layer, neuron, dz = int(body["layer"]), int(body["neuron"]), float(body["dz"])
    except KeyError:
        return error("give layer, neuron and dz of a run that exists", 404)
    except (TypeError, ValueError):
        return error("layer and neuron must be integers and dz a number")
    if session.state not in ("paused", "idle", "finished", "stopped"):
        return error("pause the training first: the genie nudges a network at rest", 409)
    net, X, Y = session.genie_subject()
    try:
        result = await run_in_threadpool(genie, net, X, Y, neurons=[(layer, neuron)], dz=dz)
    except ValueError as exc:
        return error(str(exc))
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
        net.save(path)
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
        text = await run_in_threadpool(report_html, session)
    except ValueError as exc:
        return error(str(exc), 409)
    return Response(
        text,
        media_type="text/html",
        headers={"content-disposition": 'attachment; filename="report.html"'},
    )


def event_body(session: Session, since: int) -> str:
    """The latest snapshot with the curve points after the first ``since``."""
    with session.lock:
        snapshot, points = session.snapshot_json, session.curves[since:]
        if since > len(session.curves):  # the curves were thinned: send them all again
            points, since = session.curves, 0
    body = json.dumps(points, default=plain)
    return f'{{"snapshot": {snapshot}, "since": {since}, "points": {body}}}'
