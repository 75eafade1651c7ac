"""What :func:`legame.web.mount_web` adds to the app: routes, static files, error pages."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from legame.errors import LegameError, PageError, SignInRequired
from legame.web import auth, cases, downloads, experiments, pages, preferences, voices
from legame.web.respond import error_page, to_signin

STATIC = Path(str(resources.files("legame.web").joinpath("static")))


def mount(app: FastAPI) -> None:
    app.include_router(auth.router)
    app.include_router(pages.router)
    app.include_router(downloads.router)
    app.include_router(cases.router)
    app.include_router(voices.router)
    app.include_router(experiments.router)
    # The customer's own page, opened by a signed link: no sign-in (legame.web.preferences).
    app.include_router(preferences.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    async def _page_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageError)
        session = getattr(request.state, "web_session", None)
        return error_page(request, exc.status, exc.message, session)

    async def _signin(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        return to_signin(exc.next_path)

    app.add_exception_handler(PageError, _page_error)
    app.add_exception_handler(SignInRequired, _signin)


def status_page(
    request: Request, status: int, headers: Mapping[str, str] | None = None
) -> HTMLResponse:
    """The HTML error page of an HTTP status, for a request to a dashboard path, with the
    navigation of the browser's session if it has one."""
    session = getattr(request.state, "web_session", None)
    if session is None:
        try:
            session = auth.current_session(request)
        except LegameError:  # the store itself may be why the request failed
            session = None
    response = error_page(request, status, session=session)
    for name, value in (headers or {}).items():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response
