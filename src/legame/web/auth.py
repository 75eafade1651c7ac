"""Signing in and out of the dashboard, and the role each page needs.

``GET /signin`` shows the form with a fresh double-submit token (in a cookie and in a
hidden field); ``POST /signin`` checks both, then the API key, and starts a server-side
session. ``POST /signout`` (CSRF-checked) deletes it. :func:`need` is the dependency a
page takes: no session redirects to sign in, a lower role gets the 403 page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from legame.errors import PageError, SignInRequired
from legame.store.keys import Role, verify
from legame.web import sessions
from legame.web.respond import (
    error_page,
    page,
    redirect,
    safe_next,
    secure,
)
from legame.web.sessions import SESSION_COOKIE, SIGNIN_COOKIE, WebSession

router = APIRouter(include_in_schema=False)


def current_session(request: Request) -> WebSession | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with request.app.state.store.session() as ws:
        return sessions.find(ws, token)


def need(role: Role) -> Callable[..., WebSession]:
    """A page dependency: the session, if its key has ``role`` or higher."""

    def dependency(request: Request) -> WebSession:
        session = current_session(request)
        if session is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise SignInRequired(target)
        request.state.web_session = session
        if not session.key.allows(role):
            raise PageError(403)
        return session

    return dependency


def check_csrf(session: WebSession, presented: str | None) -> None:
    """Refuse a form whose hidden token is not the session's (403)."""
    if not sessions.same_token(session.csrf_token, presented):
        raise PageError(403, "error.csrf")


def _set_cookie(
    response: Response,
    request: Request,
    name: str,
    value: str,
    *,
    max_age: int,
    path: str = "/",
    samesite: Any = "lax",
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite=samesite,
        secure=secure(request),
    )


def _signin_form(
    request: Request, *, next_path: str, status: int = 200, failed: bool = False
) -> Response:
    token = sessions.new_token()
    response = page(
        request,
        "signin.html",
        session=None,
        status=status,
        csrf_token=token,
        next_path=next_path,
        failed=failed,
    )
    _set_cookie(
        response, request, SIGNIN_COOKIE, token, max_age=3600, path="/signin", samesite="strict"
    )
    return response


@router.get("/signin")
def signin_form(request: Request, next: str | None = None) -> Response:
    if current_session(request) is not None:
        return redirect(safe_next(next))
    return _signin_form(request, next_path=safe_next(next))


@router.post("/signin")
def signin(
    request: Request,
    key: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    if not sessions.same_token(request.cookies.get(SIGNIN_COOKIE), csrf_token):
        return error_page(request, 403, "error.csrf")
    # Wrong keys count against the client as they do on the API (legame.api.throttle).
    failed_keys = request.app.state.failed_keys
    client = request.client.host if request.client else None
    wait = failed_keys.retry_after(client)
    if wait is not None:
        refused = error_page(request, 429)
        refused.headers["Retry-After"] = str(wait)
        return refused
    with request.app.state.store.session() as ws:
        found = verify(ws, key.strip())
        if found is None:
            if key.strip():
                failed_keys.failed(client)
            return _signin_form(request, next_path=safe_next(next), status=401, failed=True)
        token, _ = sessions.start(ws, found)
    response = redirect(safe_next(next))
    max_age = int(sessions.session_hours() * 3600)
    _set_cookie(response, request, SESSION_COOKIE, token, max_age=max_age)
    response.delete_cookie(
        SIGNIN_COOKIE, path="/signin", secure=secure(request), httponly=True, samesite="strict"
    )
    return response


@router.post("/signout")
def signout(request: Request, csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    session = current_session(request)
    if session is None:
        return redirect("/signin")
    check_csrf(session, csrf_token)
    with request.app.state.store.session() as ws:
        sessions.end(ws, request.cookies.get(SESSION_COOKIE))
    response = redirect("/signin")
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=secure(request), httponly=True, samesite="lax"
    )
    return response
