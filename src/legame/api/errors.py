"""One JSON error body for every 4xx (and the rare 5xx): ``{"error": {"code", "message",
"details"}}``. legame's own exceptions map to statuses here, once.

That is on the API's paths (:data:`API_PATHS`). Every other path is the dashboard's, and
its errors are HTML pages in the reader's language (:func:`legame.web.status_page`): a
missing page, a form that does not validate or is too large, a bug.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from legame.errors import InputError, LegameError, NotFoundError, StoreError

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorBody(BaseModel):
    error: ErrorDetail


def error_response(
    status: int, message: str, details: Any = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"code": _CODES.get(status, "error"), "message": message, "details": details}}
    return JSONResponse(body, status_code=status, headers=dict(headers) if headers else None)


#: Paths (prefixes) whose errors are JSON; the rest are the dashboard's pages.
API_PATHS = ("/api/", "/health", "/openapi.json", "/docs", "/redoc")


def is_api(path: str) -> bool:
    return path.startswith(API_PATHS) or path == "/api"


def status_of(exc: LegameError) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, InputError):
        return 422
    if isinstance(exc, StoreError):
        return 503
    return 400


def install(app: FastAPI) -> None:
    from legame.web import status_page

    @app.exception_handler(LegameError)
    async def _legame(request: Request, exc: LegameError) -> Response:
        if not is_api(request.url.path):
            return await run_in_threadpool(status_page, request, status_of(exc))
        return error_response(status_of(exc), str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        if not is_api(request.url.path):
            return await run_in_threadpool(status_page, request, 422)
        details = [
            {
                "location": list(map(str, e.get("loc", ()))),
                "message": e.get("msg", ""),
                "type": e.get("type", ""),
            }
            for e in exc.errors()
        ]
        return error_response(422, "The request is not valid: see details.", details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if not is_api(request.url.path):
            return await run_in_threadpool(status_page, request, exc.status_code, exc.headers)
        return error_response(exc.status_code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        if not is_api(request.url.path):
            return await run_in_threadpool(status_page, request, 500)
        return error_response(500, f"Internal error ({type(exc).__name__}); this is a bug.")


#: What every operation documents for its error statuses.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": _CODES[status].replace("_", " ")}
    for status in (400, 401, 403, 404, 413, 422, 429, 503)
}
