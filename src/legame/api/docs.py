"""``/docs``: Swagger UI over the app's own ``/openapi.json``, served from the package.

FastAPI's own docs page loads Swagger UI from a CDN (blank without internet) and ReDoc
likewise; both are off, and this page loads the copy vendored in
``legame/web/static/vendor/swagger-ui/`` (see its README) and ``static/swagger-init.js``,
which starts it with its online validator off. Nothing leaves the server, and the page's
Content-Security-Policy says so.
"""

from __future__ import annotations

from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

#: Scripts and styles from the server only (Swagger UI sets inline styles); requests go to
#: the server itself ("Try it out").
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
VENDOR = "/static/vendor/swagger-ui"
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="{vendor}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi="{openapi}"></div>
<script src="{vendor}/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script>
</body>
</html>
"""


def install_docs(app: FastAPI, path: str = "/docs") -> None:
    """Serve the API's documentation at ``path`` (the app's ``docs_url`` must be None)."""
    openapi = app.openapi_url or "/openapi.json"
    html = PAGE.format(
        title=escape(f"{app.title} API"), vendor=VENDOR, openapi=escape(openapi, quote=True)
    )

    @app.get(path, include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(
            html,
            headers={
                "Content-Security-Policy": CSP,
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "same-origin",
            },
        )
