"""Limits on what one request body may cost, checked before anything parses it.

:class:`BodyLimits` is ASGI middleware. It reads the body of every request (but uploads to
``/api/v1/ingest/``, which stream to disk under their own limit, ``routes.max_upload_mb``)
and answers, in the API's one error shape:

* **413** for a body larger than :data:`MAX_BODY_BYTES`: at once from ``Content-Length``, or
  as soon as a chunked body goes past it, without reading the rest;
* **422** for a JSON body whose arrays and objects nest deeper than :data:`MAX_JSON_DEPTH`
  (the parser would otherwise recurse once per level).

On the dashboard's paths the same refusals are its HTML error pages.

Field by field, the request schemas bound every string and list (``schemas.py``).
"""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from legame.api.errors import error_response, is_api

#: The largest request body, in bytes. The largest valid one, a 200,000-character draft with
#: every character escaped as JSON ``\\uXXXX`` pairs, is 2.4 MB.
MAX_BODY_BYTES = 4 * 1024 * 1024
#: How deep arrays and objects may nest in a JSON body (the API's bodies need 2).
MAX_JSON_DEPTH = 32
#: Paths whose bodies are left alone: uploads, limited as they stream to disk.
UNLIMITED_PREFIXES = ("/api/v1/ingest/",)

_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_STRING = re.compile(rb'"[^"]*"')
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))


def json_depth(body: bytes) -> int:
    """How deep arrays and objects nest in a JSON text (strings skipped), in linear time."""
    import numpy as np

    bare = _STRING.sub(b"", _ESCAPE.sub(b"", body))
    steps = bare.translate(None, _NOT_BRACKETS).translate(_STEPS)
    if not steps:
        return 0
    return int(np.cumsum(np.frombuffer(steps, dtype=np.int8), dtype=np.int32).max())


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return True  # no content type: a client may still send JSON


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimits:
    """Refuse request bodies that are too large (413) or nest too deep (422)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(UNLIMITED_PREFIXES):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > MAX_BODY_BYTES:
            await _refuse(scope, receive, send, _too_large(f"{declared:,} bytes"))
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay([], message, receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                too_large = _too_large(f"more than {MAX_BODY_BYTES:,} bytes")
                await _refuse(scope, receive, send, too_large)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body and _is_json(scope):
            depth = json_depth(body)
            if depth > MAX_JSON_DEPTH:
                response = error_response(
                    422,
                    f"The JSON body nests {depth:,} levels deep, more than the limit of "
                    f"{MAX_JSON_DEPTH}.",
                )
                await _refuse(scope, receive, send, response)
                return
        final: Message = {"type": "http.request", "body": body, "more_body": False}
        await self.app(scope, _replay([final], None, receive), send)


async def _refuse(scope: Scope, receive: Receive, send: Send, response: Response) -> None:
    """Send ``response`` on the API's paths; on the dashboard's, its HTML page of that
    status (rendered in a worker thread: it looks the session up in the store)."""
    if not is_api(scope.get("path", "")):
        from legame.web import status_page

        response = await run_in_threadpool(status_page, Request(scope), response.status_code)
    await response(scope, receive, send)


def _too_large(size: str) -> JSONResponse:
    return error_response(
        413, f"The request body is {size}, more than the limit of {MAX_BODY_BYTES:,} bytes."
    )


def _replay(messages: list[Message], last: Message | None, receive: Receive) -> Receive:
    """A receive that gives ``messages`` (then ``last``), then what ``receive`` gives."""
    pending = [*messages, *([last] if last is not None else [])]

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
