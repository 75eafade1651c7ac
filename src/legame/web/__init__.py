"""The web dashboard: pages served by the API's own server, at ``/``.

``mount_web(app)`` adds the pages (:mod:`~legame.web.pages`), signing in and out
(:mod:`~legame.web.auth`, :mod:`~legame.web.sessions`) and the static files (CSS, the
chart script and the vendored Vega bundles, ``static/vendor/``) to a FastAPI app.
Templates and charts are shared with the HTML report (:mod:`legame.report`); every
user-facing string comes from the catalogues in ``i18n/`` (:mod:`~legame.web.i18n`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["mount_web"]


def mount_web(app: FastAPI) -> None:
    """Serve the dashboard from ``app``: pages at ``/``, assets at ``/static``."""
    from legame.web.mount import mount

    mount(app)
