"""Turning a page into an HTTP response: its language, its headers, its error pages.

Pages are HTML even when they fail: a missing page, a role that is not enough or a form
without its CSRF token get an HTML error page in the page's language (the JSON error
shape is the API's, under ``/api/v1``). A page that needs a session redirects to the
sign-in form instead (the two signals, ``PageError`` and ``SignInRequired``, are in
:mod:`legame.errors`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from legame.errors import LegameError
from legame.metrics.period import data_as_of
from legame.web.i18n import LANGUAGES, Catalogue, catalogue, negotiate, workspace_currency
from legame.web.period import PERIOD_COOKIE, PagePeriod, picker
from legame.web.render import render_template
from legame.web.sessions import WebSession

LANG_COOKIE = "legame_lang"
#: Scripts only from the server itself (vega-embed runs with its expression interpreter,
#: so no eval); inline styles for Vega's tooltips; nothing else leaves the page.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
#: The pages, in the navigation's order: path, catalogue key, role needed.
NAV: tuple[tuple[str, str, str], ...] = (
    ("/", "nav.overview", "viewer"),
    ("/customers", "nav.customers", "analyst"),
    ("/comments", "comments.nav", "analyst"),
    ("/cases", "cases.nav", "viewer"),
    ("/findings", "nav.findings", "viewer"),
    ("/engagement", "nav.engagement", "viewer"),
    ("/experiments", "experiments.nav", "viewer"),
    ("/validation", "validation.nav", "viewer"),
    ("/messages/check", "nav.message_check", "analyst"),
)


def language(request: Request) -> Catalogue:
    """The request's catalogue: its language, with amounts in the workspace's currency."""
    lang = negotiate(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )
    return catalogue(lang).with_currency(currency(request))


def currency(request: Request) -> str | None:
    """The workspace's currency (its policy file's), read once per request."""
    if not hasattr(request.state, "legame_currency"):
        store = getattr(request.app.state, "store", None)
        found = workspace_currency(store.path) if store is not None else None
        request.state.legame_currency = found
    code: str | None = request.state.legame_currency
    return code


def secure(request: Request) -> bool:
    """Whether cookies get ``Secure``: the page was served over https."""
    return request.url.scheme == "https"


def page(
    request: Request,
    template: str,
    *,
    session: WebSession | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render a page in the request's language, with the navigation the role allows and,
    for a signed-in reader, when the data is as of. A page about a period passes it as
    ``period`` (:class:`~legame.web.period.PagePeriod`): the header then shows the period
    picker, and a period chosen in this request is remembered in a cookie."""
    period: PagePeriod | None = context.pop("period", None)
    context["picker"] = picker(request, period) if period is not None else None
    context["data_as_of"] = period.as_of if period is not None else _as_of(request, session)
    c = language(request)
    nav = [
        {"path": path, "key": key, "current": _current(request.url.path, path)}
        for path, key, role in NAV
        if session is not None and session.key.allows(role)  # type: ignore[arg-type]
    ]
    switch = [
        {
            "code": code,
            "url": str(request.url.include_query_params(lang=code)),
            "current": code == c.lang,
        }
        for code in LANGUAGES
    ]
    html = render_template(
        template, c, session=session, nav=nav, switch=switch, path=request.url.path, **context
    )
    response = HTMLResponse(html, status_code=status, headers=HEADERS)
    if period is not None and period.chosen and period.chosen != request.cookies.get(PERIOD_COOKIE):
        response.set_cookie(
            PERIOD_COOKIE,
            period.chosen,
            max_age=365 * 86400,
            path="/",
            samesite="lax",
            secure=secure(request),
            httponly=True,
        )
    chosen = request.query_params.get("lang")
    if chosen in LANGUAGES and chosen != request.cookies.get(LANG_COOKIE):
        response.set_cookie(
            LANG_COOKIE,
            chosen,
            max_age=365 * 86400,
            path="/",
            samesite="lax",
            secure=secure(request),
            httponly=True,
        )
    return response


def _as_of(request: Request, session: WebSession | None) -> datetime | None:
    """When the data is as of, for the header of a signed-in reader's page (none when the
    store cannot say: the page may be the one that says so)."""
    store = getattr(request.app.state, "store", None)
    if session is None or store is None:
        return None
    try:
        with store.session() as ws:
            return data_as_of(ws)
    except LegameError:
        return None


def _current(here: str, path: str) -> bool:
    return here == path if path == "/" else here == path or here.startswith(f"{path}/")


#: The HTTP statuses whose error page says something of its own (``error.<status>`` in the
#: catalogues); any other says ``error.generic``.
STATUS_MESSAGES = frozenset({400, 403, 404, 405, 413, 422, 429, 500, 503})


def error_page(
    request: Request,
    status: int,
    message: str | None = None,
    session: WebSession | None = None,
    **message_values: Any,
) -> HTMLResponse:
    """The HTML error page: ``message`` is a catalogue key (default: the status's own),
    ``message_values`` fill its placeholders."""
    if message is None:
        message = f"error.{status}" if status in STATUS_MESSAGES else "error.generic"
    return page(
        request,
        "error.html",
        session=session,
        status=status,
        status_code=status,
        message_key=message,
        message_values=message_values,
    )


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


def to_signin(next_path: str) -> Response:
    """To the sign-in form, which returns to ``next_path`` (its whole query string: the
    path is one encoded parameter, so its ``&`` and ``=`` stay its own)."""
    return redirect(f"/signin?next={quote(next_path, safe='/')}")


def safe_next(target: str | None) -> str:
    """A local path to return to after signing in; anything else (another site,
    ``//host``, a scheme, a backslash or a control character, which browsers drop or read
    as ``/``) goes to the overview."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target)
    ):
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"
