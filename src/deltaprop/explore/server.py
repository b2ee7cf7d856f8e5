"""The explorer's web server: its routes and the guard around them.

Routes (all need the token; the handlers are in :mod:`.routes`): ``/`` the page and
``/static/…`` its files; ``GET /api/options`` the options the page's controls are built from;
``POST /api/session`` makes a run from the page's settings; ``POST
/api/upload?name=F`` takes a .npy or .csv file; for a run ``ID``: ``POST /api/ID/control``
(start, pause, step, stop), ``POST /api/ID/pace`` (the speed, changed as it trains), ``GET
/api/ID/events`` (server-sent events: a snapshot whenever
there is a new one), ``GET /api/ID/state`` (the latest snapshot), ``GET /api/ID/record`` (the
paused mini-batch's arrays in full), ``POST /api/ID/genie``, ``GET /api/ID/model.npz``,
``GET /api/ID/report.html``, and the playground's (:mod:`.play`): ``POST /api/ID/weight`` (set
one weight while paused) and ``POST /api/ID/settings`` (change η, λ, dropout or the
optimiser's settings while training).
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import play, routes
from .inputs import BadRequest
from .security import Guard
from .state import ExplorerState, NoSuchRun, RunClosed, ServerBusy

ROUTES = [
    Route("/", routes.index),
    Route("/api/options", routes.options_route),
    Route("/api/session", routes.new_session, methods=["POST"]),
    Route("/api/upload", routes.upload, methods=["POST"]),
    Route("/api/{sid}/control", routes.control, methods=["POST"]),
    Route("/api/{sid}/pace", routes.pace, methods=["POST"]),
    Route("/api/{sid}/state", routes.state),
    Route("/api/{sid}/events", routes.events),
    Route("/api/{sid}/record", routes.record),
    Route("/api/{sid}/genie", routes.genie_route, methods=["POST"]),
    Route("/api/{sid}/weight", play.weight, methods=["POST"]),
    Route("/api/{sid}/settings", play.change, methods=["POST"]),
    Route("/api/{sid}/model.npz", routes.model),
    Route("/api/{sid}/report.html", routes.report),
    Mount("/static", StaticFiles(directory=routes.STATIC), name="static"),
]
EXCEPTION_HANDLERS = {
    BadRequest: routes.bad_request,
    NoSuchRun: routes.no_such_run,
    RunClosed: routes.run_closed,
    ServerBusy: routes.server_busy,
    ClientDisconnect: routes.client_gone,
    HTTPException: routes.http_error,
}
#: why the runs are closed when the server stops (what an open page is told)
STOPPED = "the explorer's server was stopped: start deltaprop explore again and open its address"
#: seconds the stopping server waits for the closed runs' threads
JOIN = 0.5
#: seconds the stopping server waits for answers still in progress (an upload being sent, a
#: page that does not read its event stream) before it cancels them
GRACE = 3


def make_app(token: str, hosts: set[str]) -> Any:
    """The guarded ASGI application.

    Parameters
    ----------
    token : str
        The secret every request must carry.
    hosts : set of str
        The Host header values accepted (see :func:`~.security.local_hosts`).
    """
    explorer = ExplorerState()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        explorer.close(STOPPED)  # stop every run's thread when the server stops
        explorer.join(JOIN)

    app = Starlette(routes=ROUTES, lifespan=lifespan, exception_handlers=EXCEPTION_HANDLERS)
    app.state.explorer = explorer
    return Guard(app, token, hosts)


class Server(uvicorn.Server):
    """uvicorn's server, which first closes the runs when it stops (Ctrl-C, SIGTERM,
    ``should_exit``): each open page's event stream sends ``event: closed`` and ends, so the
    server, which waits for every response in progress, stops at once. A second Ctrl-C while
    it stops is not needed, and ignored (uvicorn's "force quit" leaves its tasks to be
    cancelled with a traceback); answers still in progress after GRACE seconds are cut."""

    def __init__(self, app: Any) -> None:
        config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=GRACE)
        super().__init__(config)
        self.explorer: ExplorerState = app.app.state.explorer

    def handle_exit(self, sig: int, frame: Any) -> None:
        """The first SIGINT or SIGTERM stops the server; more while it stops are ignored."""
        if not self.should_exit:
            super().handle_exit(sig, frame)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """Close the runs (waking their event streams), then stop as uvicorn does."""
        self.explorer.close(STOPPED)
        await super().shutdown(sockets)
