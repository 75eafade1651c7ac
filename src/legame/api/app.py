"""The FastAPI application: `legame serve` runs it on uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from legame import __version__
from legame.api import errors
from legame.api.limits import BodyLimits
from legame.api.routes import router
from legame.api.schemas import Health
from legame.api.state import Store
from legame.web import mount_web


def create_app(db: str | Path) -> FastAPI:
    """The app over the workspace at ``db`` (opened once, at startup)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.store = Store(Path(db))
        try:
            yield
        finally:
            app.state.store.close()

    app = FastAPI(
        title="legame",
        version=__version__,
        description="Customer loyalty built on what creates it. Every endpoint but /health "
        "needs an API key (`legame keys create`) as `Authorization: Bearer KEY`.",
        lifespan=lifespan,
    )
    errors.install(app)
    app.add_middleware(BodyLimits)

    @app.get("/health", response_model=Health, tags=["health"])
    def health() -> dict[str, object]:
        """Liveness: the server runs and the workspace is open."""
        with app.state.store.session() as ws:
            return {"status": "ok", "version": __version__, "schema_version": ws.version}

    app.include_router(router)
    mount_web(app)
    return app
