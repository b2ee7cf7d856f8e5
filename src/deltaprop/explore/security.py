"""The explorer's guard: a random token (as Jupyter's), and the Host and Origin headers
checked on every request, so that neither another user of the machine, nor another web site
(DNS rebinding, a page posting to localhost) can drive the server.

A plain ASGI middleware around the Starlette application: a request passes when its Host
header names the server, its Origin (when the browser sends one) is the server's own, and it
carries the token, in the address (``?token=…``) or in the cookie set on the first visit.
Every answer, a refusal included, carries :data:`HEADERS`: a Content-Security-Policy that
lets the page load only its own files and never be framed, no MIME sniffing, no Referer.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

COOKIE = "deltaprop_explore"
#: the headers of every answer: the page runs its own scripts and styles only (no inline
#: ones; images may also be data: URLs, as the heat maps drawn into the network are), in no
#: frame; a browser takes each file for its declared type; no address (with its token) leaks
#: in a Referer
HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]

Scope = dict[str, Any]


def cookie_name(token: str) -> str:
    """The cookie that carries ``token``: named after a hash of it, so that two explorers on
    one machine (cookies do not tell ports apart) keep a cookie each."""
    return f"{COOKIE}_{hashlib.sha256(token.encode()).hexdigest()[:12]}"


def new_token() -> str:
    """A random token of 32 hex digits."""
    return secrets.token_hex(16)


def local_hosts(port: int, host: str = "127.0.0.1") -> set[str]:
    """The Host header values that name a server on ``host``:``port``."""
    names = {"127.0.0.1", "localhost", "[::1]", host if ":" not in host else f"[{host}]"}
    if host in ("0.0.0.0", "::"):  # every address of this machine: its names too
        import socket

        name = socket.gethostname()
        names |= {name, socket.getfqdn()}
        with contextlib.suppress(OSError):
            names |= set(socket.gethostbyname_ex(name)[2])
    return {f"{name}:{port}" for name in names}


class Guard:
    """ASGI middleware: 403 unless Host, Origin and token are right.

    Parameters
    ----------
    app : ASGI application
    token : str
    hosts : set of str
        The Host header values accepted, e.g. {"127.0.0.1:8765", "localhost:8765"}; the
        Origin accepted is ``http://`` + one of them.
    """

    def __init__(self, app: Any, token: str, hosts: set[str]) -> None:
        self.app = app
        self.token = token
        self.cookie = cookie_name(token)
        self.hosts = {h.lower() for h in hosts}

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":  # the explorer speaks plain HTTP and server-sent events
            await send({"type": "websocket.close", "code": 1008})
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        why, from_query = self._refuse(scope, headers)
        extra = list(HEADERS)
        if from_query:  # the first visit: the cookie carries the token from now on
            cookie = f"{self.cookie}={self.token}; Path=/; HttpOnly; SameSite=Strict"
            extra.append((b"set-cookie", cookie.encode("latin-1")))

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        if why:
            await _forbidden(send_with_headers, why)
            return
        await self.app(scope, receive, send_with_headers)

    def _refuse(self, scope: Scope, headers: dict[str, str]) -> tuple[str, bool]:
        """Why the request is refused ("" if it is not), and whether its token came in the
        address."""
        if headers.get("host", "").lower() not in self.hosts:
            return "foreign Host header: open the address deltaprop explore printed", False
        origin = headers.get("origin")
        if origin is not None and origin.lower() not in {f"http://{h}" for h in self.hosts}:
            return "foreign Origin: only the explorer's own page may call it", False
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = query.get("token", [""])[0]
        if given and self._is_token(given):
            return "", True
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header is simply no token
            cookie = SimpleCookie()
        morsel = cookie.get(self.cookie)
        if morsel is not None and self._is_token(morsel.value):
            return "", False
        return "no valid token: open the address deltaprop explore printed (with ?token=…)", False

    def _is_token(self, given: str) -> bool:
        """Whether ``given`` is the token, in constant time (as bytes: any text may come)."""
        return secrets.compare_digest(given.encode("utf-8", "replace"), self.token.encode())


async def _forbidden(send: Any, why: str) -> None:
    body = f"403 Forbidden: {why}\n".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
