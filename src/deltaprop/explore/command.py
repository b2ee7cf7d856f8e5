"""``deltaprop explore``: its options, and starting the server.

Registered by ``deltaprop.cli.main``; the server library (Starlette, uvicorn) is imported only
when the command runs, so that the rest of the command line works without the extra.
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import webbrowser
from typing import Any

from ..errors import CommandError

LOCAL = ("127.0.0.1", "localhost", "::1")


def add_parser(sub: Any) -> None:
    """Add the ``explore`` subcommand to the ``deltaprop`` parser's subparsers."""
    p = sub.add_parser(
        "explore",
        help="an interactive explorer in the browser: watch backpropagation learn",
        description="Start a local web server and open the explorer: 2-D sets, digits, MNIST "
        "or your own arrays; the network drawn with a^l or δ^l, every number with its "
        "equation (eq. 25, BP1–BP4); step by step; the genie. Needs pip install "
        "'deltaprop[explore]'.",
    )
    p.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: %(default)s, this machine only)",
    )
    p.add_argument(
        "--allow-remote",
        action="store_true",
        help="needed with a --host other than this machine: anyone who can reach "
        "it and has the token can run code-heavy training on it",
    )
    p.add_argument(
        "--no-browser", action="store_true", help="print the address only; do not open a browser"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C; returns the exit status."""
    if args.host not in LOCAL and not args.allow_remote:
        raise CommandError(
            f"--host {args.host} listens beyond this machine; add --allow-remote to say so"
        )
    try:
        import starlette  # noqa: F401  (the extra's libraries, named when one is missing)
        import uvicorn  # noqa: F401

        from .security import local_hosts, new_token
        from .server import Server, make_app
    except ImportError as exc:
        raise CommandError(
            f"the explorer needs its extra ({exc.name} is missing): "
            "pip install 'deltaprop[explore]'"
        ) from None
    try:
        sock = _listen(args.host, args.port)
    except OSError as exc:
        raise CommandError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    port = sock.getsockname()[1]
    token = new_token()
    app = make_app(token, local_hosts(port, args.host))
    shown = args.host if args.host not in ("0.0.0.0", "::") else "127.0.0.1"
    shown = f"[{shown}]" if ":" in shown else shown
    address = f"http://{shown}:{port}/?token={token}"
    if args.host not in LOCAL:
        print(
            f"warning: listening on {args.host}, reachable from other machines; anyone "
            "with the address (and its token) can use it",
            file=sys.stderr,
        )
    print(f"deltaprop explore: {address}\n(Ctrl-C stops the server)", flush=True)
    server = Server(app)
    if not args.no_browser:
        threading.Timer(0.5, webbrowser.open, [address]).start()
    server.run(sockets=[sock])
    return 0


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)  # the address works as soon as it is printed (requests wait)
    except OSError:
        sock.close()
        raise
    return sock


def background(token: str | None = None) -> tuple[str, Any, threading.Thread]:
    """Serve on 127.0.0.1 (a free port) in a thread, for tests and benchmarks: returns the
    address with its token, the uvicorn server (``server.should_exit = True`` stops it) and
    the thread."""
    import time

    from .security import local_hosts, new_token
    from .server import Server, make_app

    sock = _listen("127.0.0.1", 0)
    port = sock.getsockname()[1]
    token = token or new_token()
    app = make_app(token, local_hosts(port))
    server = Server(app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        time.sleep(0.01)
    return f"http://127.0.0.1:{port}/?token={token}", server, thread
