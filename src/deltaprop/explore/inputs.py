"""What a request to the explorer holds, read and checked: its body (bounded in bytes), a
JSON object of finite numbers, its query's ``since``, a whole number. Anything else is a
:class:`BadRequest`, answered with a 4xx and one line saying what to send instead."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from starlette.requests import Request

#: the largest JSON body accepted (settings and drawn points, a control or a genie request)
MAX_BODY_BYTES = 2**20


class BadRequest(Exception):
    """A request the server cannot do: answered ``status`` with its one-line message."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


async def body_of(request: Request, limit: int, what: str) -> bytes:
    """The request's body, refused with a 413 beyond ``limit`` bytes (declared or sent)."""
    too_large = BadRequest(f"{what} is over {limit / 2**20:g} MiB: send a smaller one", 413)
    declared = request.headers.get("content-length", "")
    if declared.isdecimal() and int(declared) > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


def _not_finite(text: str) -> Any:
    raise BadRequest(f"the body holds {text}, which is not a number in JSON: send finite numbers")


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        _not_finite(text[:40])
    return value


async def json_object(request: Request, example: str) -> dict[str, Any]:
    """The request's body as a JSON object, finite numbers only; a BadRequest saying what to
    send (``example``) for anything else."""
    body = await body_of(request, MAX_BODY_BYTES, "the request's body")
    try:
        value = json.loads(body, parse_constant=_not_finite, parse_float=_number)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply
        where = (
            f" ({exc.msg} at character {exc.pos})" if isinstance(exc, json.JSONDecodeError) else ""
        )
        raise BadRequest(f"the body is not JSON{where}: send an object such as {example}") from None
    if not isinstance(value, dict):
        kinds: dict[type, str] = {list: "a list", str: "a string"}
        kind = kinds.get(type(value), f"the value {json.dumps(value)}")
        raise BadRequest(f"the body is {kind}; send a JSON object such as {example}")
    return value


def since_of(request: Request, name: str = "since") -> int:
    """The ``since`` query parameter: the curve points the page already has (0 if absent);
    or ``epoch``: the last epoch whose figures it has."""
    text = request.query_params.get(name, "0")
    if not (text.isascii() and text.isdigit() and len(text) <= 12):
        what = "the curve points the page has" if name == "since" else "the last epoch it has"
        raise BadRequest(f"{name} must be a whole number ≥ 0 ({what}); got {text[:40]!r}")
    return int(text)


def whole(body: dict[str, Any], name: str) -> int:
    """``body[name]`` as a whole number (an integer, or a string of digits)."""
    value = body.get(name)
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,9}", value.strip()):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"{name} must be a whole number; got {json.dumps(value)[:40]}")
    return value
