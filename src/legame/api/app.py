"""The FastAPI application: `legame serve` runs it on uvicorn."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from legame import __version__
from legame.api import errors
from legame.api.docs import install_docs
from legame.api.downloads import router as report_download
from legame.api.limits import BodyLimits
from legame.api.routes import router
from legame.api.schemas import Health
from legame.api.state import Store
from legame.api.throttle import FailedKeys
from legame.views.customer_index import Keeper
from legame.web import mount_web


def create_app(
    db: str | Path, *, failed_keys: FailedKeys | None = None, warm: bool = False
) -> FastAPI:
    """The app over the workspace at ``db`` (opened once, at startup). ``failed_keys``
    counts wrong API keys per client (default: :data:`~legame.api.throttle.MAX_FAILURES` in
    :data:`~legame.api.throttle.WINDOW_SECONDS`). With ``warm``, the default overview and
    the kept copy of the customer list (:mod:`legame.views.customer_index`) are made as the
    server starts, on a thread of its own (`legame serve` asks for it); ``app.state.warmed``
    is set when they are ready. Without it, the copy is made on the first list read."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.store = Store(Path(db))
        app.state.customer_index = Keeper(app.state.store.session)
        app.state.warmed = threading.Event()
        warming = threading.Thread(
            target=_warm,
            args=(app.state.store, app.state.customer_index, app.state.warmed),
            daemon=True,
        )
        if warm:
            warming.start()
        try:
            yield
        finally:
            if warming.is_alive():
                warming.join()
            app.state.customer_index.close()
            app.state.store.close()

    app = FastAPI(
        title="legame",
        version=__version__,
        description="Customer loyalty built on what creates it. Every endpoint but /health "
        "needs an API key (`legame keys create`) as `Authorization: Bearer KEY`; a client "
        "that presents too many wrong keys gets 429 for a while.",
        lifespan=lifespan,
        # FastAPI's docs pages load Swagger UI and ReDoc from a CDN: /docs is served from
        # the package instead (legame.api.docs), and there is no ReDoc.
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.failed_keys = failed_keys or FailedKeys()
    errors.install(app)
    app.add_middleware(BodyLimits)

    @app.get("/health", response_model=Health, tags=["health"])
    def health() -> dict[str, object]:
        """Liveness: the server runs and the workspace is open."""
        with app.state.store.session() as ws:
            return {"status": "ok", "version": __version__, "schema_version": ws.version}

    app.include_router(router)
    app.include_router(report_download)  # /report.html, the dashboard's report download
    install_docs(app)
    mount_web(app)
    return app


def _warm(store: Store, customers: Keeper, warmed: threading.Event) -> None:
    """Compute the default overview and the copy of the customer list, so their first
    visitors do not wait for them (:mod:`legame.views.cache` keeps the one and
    ``customers`` the other while the data stays the same)."""
    from legame.views import overview

    try:
        with store.session() as ws:
            overview(ws)
    except Exception:  # a store without data yet, a failing query: the page will say
        logging.getLogger("legame").warning("Could not prepare the overview.", exc_info=True)
    try:
        customers.prepare()
    except Exception:  # the list is read from the store instead
        logging.getLogger("legame").warning(
            "Could not make the customer list's copy.", exc_info=True
        )
    warmed.set()
