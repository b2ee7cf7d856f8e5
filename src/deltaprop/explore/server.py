"""The explorer's web server: a Starlette application behind :class:`~.security.Guard`.

Routes (all need the token): ``/`` the page and ``/static/…`` its files; ``POST
/api/session`` makes a run from the page's settings; ``POST /api/upload?name=F`` takes a
.npy or .csv file; for a run ``ID``: ``POST /api/ID/control`` (start, pause, step, stop),
``GET /api/ID/events`` (server-sent events: a snapshot whenever there is a new one),
``GET /api/ID/state`` (the latest snapshot), ``GET /api/ID/record`` (the paused mini-batch's
arrays in full), ``POST /api/ID/genie``, ``GET /api/ID/model.npz`` and
``GET /api/ID/report.html``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import tempfile
from collections import OrderedDict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    JSONResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..insight.genie import genie
from .data import MAX_UPLOAD_BYTES, read_upload
from .security import Guard
from .session import Session, _plain
from .settings import Settings

STATIC = Path(__file__).parent / "static"
#: runs kept at once (one per open page); the oldest is stopped to make room
MAX_SESSIONS = 4
#: seconds an event stream waits for a new snapshot before it checks that its page is still
#: connected
EVENT_TIMEOUT = 5.0


class Explorer:
    """The server's state: the runs of the open pages and the uploaded arrays."""

    def __init__(self) -> None:
        self.sessions: OrderedDict[str, Session] = OrderedDict()
        self.uploads: OrderedDict[str, np.ndarray] = OrderedDict()

    def add(self, session: Session) -> str:
        """Keep ``session``; stops the oldest beyond MAX_SESSIONS."""
        key = secrets.token_hex(8)
        self.sessions[key] = session
        while len(self.sessions) > MAX_SESSIONS:
            _, old = self.sessions.popitem(last=False)
            old.close()
        return key

    def close(self) -> None:
        """Stop every run."""
        for session in self.sessions.values():
            session.close()


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _json(value: Any) -> Response:
    text = json.dumps(value, allow_nan=False, default=_plain)
    return Response(text, media_type="application/json")


def make_app(token: str, hosts: set[str]) -> Any:
    """The guarded ASGI application.

    Parameters
    ----------
    token : str
        The secret every request must carry.
    hosts : set of str
        The Host header values accepted (see :func:`~.security.local_hosts`).
    """
    explorer = Explorer()

    def session_of(request: Request) -> Session:
        key = request.path_params["sid"]
        if key not in explorer.sessions:
            raise KeyError(key)
        return explorer.sessions[key]

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"cache-control": "no-store"})

    async def new_session(request: Request) -> Response:
        body = await request.json()
        points, upload = body.pop("drawn", None), body.pop("upload", None)
        try:
            settings = Settings.from_dict(body)
            array = explorer.uploads.get(upload) if upload else None
            session = await run_in_threadpool(Session, settings, array, points)
        except (ValueError, FileNotFoundError, OSError) as exc:
            return _error(str(exc).splitlines()[0])
        key = explorer.add(session)
        d = session.data
        return _json({
            "id": key, "sizes": list(session.net.sizes), "shown": session.shown,
            "kind": d.kind, "n_classes": d.n_classes, "side": session.side,
            "bounds": session.bounds, "n_train": len(d.y_train), "n_test": len(d.y_test),
            "points": _points(d) if d.kind == "plane" else None,
            "activations": [f.name for f in session.net.sigmas],
            "cost": session.net.cost_function.name,
        })  # fmt: skip

    async def upload(request: Request) -> Response:
        name = request.query_params.get("name", "")
        size = int(request.headers.get("content-length") or 0)
        if size > MAX_UPLOAD_BYTES:
            return _error(f"the file is over {MAX_UPLOAD_BYTES // 2**20} MiB", 413)
        chunks, total = [], 0
        async for chunk in request.stream():
            total += len(chunk)
            if total > MAX_UPLOAD_BYTES:
                return _error(f"the file is over {MAX_UPLOAD_BYTES // 2**20} MiB", 413)
            chunks.append(chunk)
        try:
            array = read_upload(name, b"".join(chunks))
        except ValueError as exc:
            return _error(str(exc))
        key = secrets.token_hex(8)
        explorer.uploads[key] = array
        while len(explorer.uploads) > MAX_SESSIONS:
            explorer.uploads.popitem(last=False)
        return _json({"upload": key, "rows": array.shape[0], "columns": array.shape[1]})

    async def control(request: Request) -> Response:
        try:
            session = session_of(request)
            session.control(str((await request.json()).get("action")))
        except KeyError:
            return _error("no such run: reload the page", 404)
        except ValueError as exc:
            return _error(str(exc))
        return _json({"state": session.state})

    async def state(request: Request) -> Response:
        try:
            session = session_of(request)
        except KeyError:
            return _error("no such run: reload the page", 404)
        since = int(request.query_params.get("since", "0"))
        return Response(_event_body(session, since), media_type="application/json")

    async def events(request: Request) -> Response:
        try:
            session = session_of(request)
        except KeyError:
            return _error("no such run: reload the page", 404)

        async def stream() -> Any:
            # Woken by the training thread when it publishes (no polling: the server's
            # thread then takes the interpreter from training only when there is news).
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
                        body = _event_body(session, sent_points)
                        sent_points = len(session.curves)
                        yield f"data: {body}\n\n"
                    try:
                        await asyncio.wait_for(news.wait(), timeout=EVENT_TIMEOUT)
                    except asyncio.TimeoutError:  # nothing new: is the page still there?
                        if await request.is_disconnected():
                            return
            finally:
                session.listeners.remove(notify)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"cache-control": "no-store"})  # fmt: skip

    async def record(request: Request) -> Response:
        try:
            session = session_of(request)
        except KeyError:
            return _error("no such run: reload the page", 404)
        if session.record is None:
            return _error("no mini-batch recorded: pause or step first", 409)
        return _json(session.record)

    async def genie_route(request: Request) -> Response:
        try:
            session = session_of(request)
            body = await request.json()
            layer, neuron, dz = int(body["layer"]), int(body["neuron"]), float(body["dz"])
        except KeyError:
            return _error("give layer, neuron and dz of a run that exists", 404)
        except (TypeError, ValueError):
            return _error("layer and neuron must be integers and dz a number")
        if session.state not in ("paused", "idle", "finished", "stopped"):
            return _error("pause the training first: the genie nudges a network at rest", 409)
        net, X, Y = session.genie_subject()
        try:
            result = await run_in_threadpool(genie, net, X, Y,
                                             neurons=[(layer, neuron)], dz=dz)  # fmt: skip
        except ValueError as exc:
            return _error(str(exc))
        n = result.neurons[0]
        return _json({
            "layer": n.layer, "neuron": n.neuron, "delta": n.delta, "dz": n.dz,
            "change": n.change, "predicted": n.delta * n.dz, "cost": result.cost,
            "sigma_prime": n.sigma_prime, "n_samples": result.n_samples,
        })  # fmt: skip

    async def model(request: Request) -> Response:
        try:
            session = session_of(request)
        except KeyError:
            return _error("no such run: reload the page", 404)
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
        try:
            session = session_of(request)
        except KeyError:
            return _error("no such run: reload the page", 404)
        try:
            from .keep import report_html
        except ImportError:
            return _error("the report's figures need matplotlib: pip install matplotlib")
        try:
            text = await run_in_threadpool(report_html, session)
        except ValueError as exc:
            return _error(str(exc), 409)
        return Response(
            text,
            media_type="text/html",
            headers={"content-disposition": 'attachment; filename="report.html"'},
        )

    routes = [
        Route("/", index),
        Route("/api/session", new_session, methods=["POST"]),
        Route("/api/upload", upload, methods=["POST"]),
        Route("/api/{sid}/control", control, methods=["POST"]),
        Route("/api/{sid}/state", state),
        Route("/api/{sid}/events", events),
        Route("/api/{sid}/record", record),
        Route("/api/{sid}/genie", genie_route, methods=["POST"]),
        Route("/api/{sid}/model.npz", model),
        Route("/api/{sid}/report.html", report),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        explorer.close()  # stop every run's thread when the server stops

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.explorer = explorer
    return Guard(app, token, hosts)


def _points(data: Any) -> dict[str, Any]:
    """The 2-D points to draw, train and test (at most 2000 of each)."""
    return {
        "train": np.round(data.X_train[:2000], 4).tolist(),
        "train_y": data.y_train[:2000].tolist(),
        "test": np.round(data.X_test[:2000], 4).tolist(),
        "test_y": data.y_test[:2000].tolist(),
    }


def _event_body(session: Session, since: int) -> str:
    """The latest snapshot with the curve points after the first ``since``."""
    with session.lock:
        snapshot, points = session.snapshot_json, session.curves[since:]
        if since > len(session.curves):  # the curves were thinned: send them all again
            points, since = session.curves, 0
    return (f'{{"snapshot": {snapshot}, "since": {since}, '
            f'"points": {json.dumps(points, default=_plain)}}}')  # fmt: skip
