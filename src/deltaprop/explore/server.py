"""The explorer's web server: its routes and the guard around them.

Routes (all need the token; the handlers are in :mod:`.routes`): ``/`` the page and
``/static/…`` its files; ``GET /api/options`` the options the page's controls are built from;
``POST /api/session`` makes a run from the page's settings; ``POST
/api/upload?name=F`` takes a .npy or .csv file; for a run ``ID``: ``POST /api/ID/control``
(start, pause, step, stop), ``GET /api/ID/events`` (server-sent events: a snapshot whenever
there is a new one), ``GET /api/ID/state`` (the latest snapshot), ``GET /api/ID/record`` (the
paused mini-batch's arrays in full), ``POST /api/ID/genie``, ``GET /api/ID/model.npz`` and
``GET /api/ID/report.html``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import routes
from .security import Guard
from .state import ExplorerState, NoSuchRun

ROUTES = [
    Route("/", routes.index),
    Route("/api/options", routes.options_route),
    Route("/api/session", routes.new_session, methods=["POST"]),
    Route("/api/upload", routes.upload, methods=["POST"]),
    Route("/api/{sid}/control", routes.control, methods=["POST"]),
    Route("/api/{sid}/state", routes.state),
    Route("/api/{sid}/events", routes.events),
    Route("/api/{sid}/record", routes.record),
    Route("/api/{sid}/genie", routes.genie_route, methods=["POST"]),
    Route("/api/{sid}/model.npz", routes.model),
    Route("/api/{sid}/report.html", routes.report),
    Mount("/static", StaticFiles(directory=routes.STATIC), name="static"),
]


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
        explorer.close()  # stop every run's thread when the server stops

    app = Starlette(
        routes=ROUTES,
        lifespan=lifespan,
        exception_handlers={NoSuchRun: routes.no_such_run},
    )
    app.state.explorer = explorer
    return Guard(app, token, hosts)
