"""The HTML report as a download from the dashboard: ``/report.html`` (viewer).

It is the file ``legame report`` writes (:func:`legame.report.render_report`), in the
request's language, as an attachment. The route is here rather than with the dashboard's
CSV downloads (:mod:`legame.web.downloads`) because the report is drawn with the
dashboard's templates: :mod:`legame.report` imports :mod:`legame.web`, not the other way.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from legame.web.auth import need
from legame.web.downloads import attachment, file_name
from legame.web.respond import language
from legame.web.sessions import WebSession

router = APIRouter(include_in_schema=False)


@router.get("/report.html")
def report_download(
    request: Request, session: Annotated[WebSession, Depends(need("viewer"))]
) -> Response:
    """The self-contained HTML report of the workspace, to save."""
    from legame.report import render_report
    from legame.web.period import page_period

    with request.app.state.store.session() as ws:
        chosen = page_period(request, ws)  # the overview's period: the page's, or the cookie's
        html = render_report(ws, language(request).lang, period=chosen.period.spec)
    headers = attachment(file_name("report", "html"), "text/html; charset=utf-8")
    # Saved, then opened from the disk: never run at the dashboard's origin.
    headers["Content-Security-Policy"] = "sandbox"
    return Response(html, headers=headers)
