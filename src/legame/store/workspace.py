"""A workspace: one embedded DuckDB file holding every canonical table.

``Workspace.create`` makes a new store (and is safe on an existing one: it only applies
pending migrations); ``Workspace.open`` refuses a path that holds no workspace yet, so a
typo in ``--db`` does not silently create an empty store.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb

from legame.errors import StoreError
from legame.store import migrate

#: Where a workspace lives when neither ``--db`` nor ``LEGAME_DB`` says otherwise.
DEFAULT_DB = "legame.duckdb"
DB_ENV = "LEGAME_DB"


def resolve_db(db: str | os.PathLike[str] | None = None) -> Path:
    """The workspace path: the explicit argument, else ``$LEGAME_DB``, else ``./legame.duckdb``."""
    if db is not None and str(db) != "":
        return Path(db)
    env = os.environ.get(DB_ENV)
    return Path(env) if env else Path(DEFAULT_DB)


def _connect(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    config: dict[str, Any] = {}
    limit = os.environ.get("LEGAME_MEMORY_LIMIT")
    if limit:
        config["memory_limit"] = limit
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=config)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise StoreError(
                f"The workspace {path} is in use by another process (DuckDB allows one "
                "writer at a time). Wait for it to finish, or stop it, and try again."
            ) from exc
        raise StoreError(f"Cannot open the workspace {path}: {exc}") from exc
    # Every timestamp in the store is UTC; local times are derived per customer time zone.
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    return con


class Workspace:
    """An open workspace store. Use as a context manager, or call ``close()``."""

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection) -> None:
        self.path = path
        self.con = con

    @classmethod
    def create(cls, db: str | os.PathLike[str] | None = None) -> Workspace:
        """Create a workspace (or bring an existing one to the newest schema version)."""
        path = resolve_db(db)
        if path.parent and not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
        ws = cls(path, _connect(path, read_only=False))
        migrate.upgrade(ws.con)
        return ws

    @classmethod
    def open(
        cls, db: str | os.PathLike[str] | None = None, *, read_only: bool = False
    ) -> Workspace:
        """Open an existing workspace; pending migrations are applied unless read-only."""
        path = resolve_db(db)
        if not path.exists():
            raise StoreError(
                f"No workspace at {path}. Create one with `legame init --db {path}` "
                f"(or set {DB_ENV})."
            )
        con = _connect(path, read_only=read_only)
        ws = cls(path, con)
        version = migrate.current_version(con)
        if version == 0:
            con.close()
            raise StoreError(
                f"{path} is a DuckDB file but not a legame workspace: run `legame init`."
            )
        if not read_only:
            migrate.upgrade(con)
        return ws

    @property
    def version(self) -> int:
        return migrate.current_version(self.con)

    def count(self, table: str) -> int:
        return int(self.con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0])

    def counts(self) -> dict[str, int]:
        """Rows per canonical table, in schema order."""
        from legame.store.schema import TABLES

        return {name: self.count(name) for name in TABLES}

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run a block in one transaction: all of it is written, or none of it."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Workspace {self.path}>"
