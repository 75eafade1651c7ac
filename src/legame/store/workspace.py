"""A workspace: one embedded DuckDB file holding every canonical table.

``Workspace.create`` makes a new store (and is safe on an existing one: it only applies
pending migrations); ``Workspace.open`` refuses a path that holds no workspace yet, so a
typo in ``--db`` does not silently create an empty store.

Writers are serialised. Across processes DuckDB does it: one process at a time opens a
file for writing. Within a process (the HTTP server answers requests on threads, each on
its own cursor) every write holds the workspace's writer lock (``Workspace.writing``) from
before its transaction begins until after it commits, so concurrent writers end with
exactly what some serial order of them gives, and each one's counts are true. Readers
never wait for it: DuckDB gives each reader a consistent snapshot.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb

from legame.errors import StoreError
from legame.sql.quote import identifier, string_literal
from legame.store import migrate
from legame.store.failures import explain, rollback, storage_errors
from legame.store.memory import memory_setting

#: Where a workspace lives when neither ``--db`` nor ``LEGAME_DB`` says otherwise.
DEFAULT_DB = "legame.duckdb"
DB_ENV = "LEGAME_DB"


def resolve_db(db: str | os.PathLike[str] | None = None) -> Path:
    """The workspace path: the explicit argument, else ``$LEGAME_DB``, else ``./legame.duckdb``."""
    if db is not None and str(db) != "":
        return Path(db)
    env = os.environ.get(DB_ENV)
    return Path(env) if env else Path(DEFAULT_DB)


_writers: dict[str, threading.RLock] = {}
_writers_guard = threading.Lock()


def writer_lock(path: Path) -> threading.RLock:
    """The lock every write to the workspace at ``path`` holds in this process."""
    key = os.path.realpath(path)
    with _writers_guard:
        return _writers.setdefault(key, threading.RLock())


def _opened_limit() -> str | None:
    """The memory limit a workspace's connection is opened with: ``LEGAME_MEMORY_LIMIT``,
    or None for DuckDB's default."""
    if not os.environ.get("LEGAME_MEMORY_LIMIT"):
        return None
    return memory_setting("LEGAME_MEMORY_LIMIT", "")


def _connect(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    config: dict[str, Any] = {}
    limit = _opened_limit()
    if limit is not None:
        config["memory_limit"] = limit
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=config)
    except duckdb.IOException as exc:
        explained = explain(exc, path)
        if explained is not None:
            raise explained from exc
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

    def __init__(
        self, path: Path, con: duckdb.DuckDBPyConnection, *, read_only: bool = False
    ) -> None:
        self.path = path
        self.con = con
        self.read_only = read_only
        self.writer = writer_lock(path)

    @classmethod
    def create(cls, db: str | os.PathLike[str] | None = None) -> Workspace:
        """Create a workspace (or bring an existing one to the newest schema version)."""
        path = resolve_db(db)
        if path.parent and not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
        ws = cls(path, _connect(path, read_only=False))
        with ws.writing():
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
        ws = cls(path, con, read_only=read_only)
        version = migrate.current_version(con)
        if version == 0:
            con.close()
            raise StoreError(
                f"{path} is a DuckDB file but not a legame workspace: run `legame init`."
            )
        if not read_only:
            with ws.writing():
                migrate.upgrade(con)
                from legame.store.erasure import finish_pending

                finish_pending(ws)
        return ws

    @property
    def version(self) -> int:
        return migrate.current_version(self.con)

    def count(self, table: str) -> int:
        found = self.con.execute(f"SELECT count(*) FROM {identifier(table)}").fetchall()
        return int(found[0][0])

    def counts(self) -> dict[str, int]:
        """Rows per canonical table, in schema order."""
        from legame.store.schema import TABLES

        return {name: self.count(name) for name in TABLES}

    @contextmanager
    def writing(self) -> Iterator[Workspace]:
        """Hold the writer lock: no other thread of this process writes meanwhile."""
        with self.writer:
            yield self

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run a block in one transaction, under the writer lock: all of it is written,
        or none of it."""
        with self.writing(), storage_errors(self.path):
            self.con.execute("BEGIN TRANSACTION")
            try:
                yield self.con
                self.con.execute("COMMIT")
            except BaseException:
                rollback(self.con)
                raise

    def reopen(self) -> None:
        """Close the connection and open the file again (after it was replaced on disk)."""
        self.con.close()
        self.con = _connect(self.path, read_only=self.read_only)

    def restore_memory_limit(self) -> None:
        """Give the connection back the memory limit it was opened with, after a command
        set its own. Not the text DuckDB shows for it: that is rounded (``18.8 GiB``), and
        setting it back lowered the limit by 0.1 GiB each time. The limit is the process's
        (``LEGAME_MEMORY_LIMIT``, read here as ``_connect`` read it), not kept per workspace:
        the server makes a workspace per request."""
        opened = _opened_limit()
        if opened is None:
            self.con.execute("RESET memory_limit")
        else:
            limit = string_literal(opened)
            self.con.execute(f"SET memory_limit = {limit}")  # sql-built: a checked size, quoted

    @contextmanager
    def unordered(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The connection, its statements building tables without keeping the rows' order
        (DuckDB then builds them on every thread); the setting as it was after."""
        con = self.con
        ordered = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()
        con.execute("SET preserve_insertion_order = false")
        try:
            yield con
        finally:
            # sql-built: a boolean DuckDB gave.
            con.execute(f"SET preserve_insertion_order = {str(ordered[0][0]).lower() == 'true'}")

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
