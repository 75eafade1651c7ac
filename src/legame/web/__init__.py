"""The web dashboard: pages served by the API's own server, at ``/``.

``mount_web(app)`` adds the pages (:mod:`~legame.web.pages`), signing in and out
(:mod:`~legame.web.auth`, :mod:`~legame.web.sessions`) and the static files (CSS, the
chart script, the vendored Vega bundles and Swagger UI, ``static/vendor/``) to a FastAPI
app. ``status_page(request, status)`` is the HTML error page the app answers on a
dashboard path (the API's paths keep their JSON error shape). Templates and charts are
shared with the HTML report (:mod:`legame.report`); every user-facing string comes from the
catalogues in ``i18n/`` (:mod:`~legame.web.i18n`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI, Request
    from fastapi.responses import HTMLResponse

__all__ = ["mount_web", "status_page"]


def mount_web(app: FastAPI) -> None:
    """Serve the dashboard from ``app``: pages at ``/``, assets at ``/static``."""
    from legame.web.mount import mount

    mount(app)


def status_page(
    request: Request, status: int, headers: Mapping[str, str] | None = None
) -> HTMLResponse:
    """The dashboard's HTML error page for an HTTP ``status``, in the request's language."""
    from legame.web.mount import status_page as page

    return page(request, status, headers)
