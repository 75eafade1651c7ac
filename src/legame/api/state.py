"""The server's handle on its workspace: one DuckDB database, a cursor per request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from legame.store import Workspace


class Store:
    """Opens the workspace once; each request works on its own cursor (thread-safe)."""

    def __init__(self, db: Path) -> None:
        self.workspace = Workspace.open(db)
        self.path = self.workspace.path

    @contextmanager
    def session(self) -> Iterator[Workspace]:
        cursor = self.workspace.con.cursor()
        cursor.execute("SET TimeZone = 'UTC'")
        try:
            yield Workspace(self.path, cursor)
        finally:
            cursor.close()

    def close(self) -> None:
        self.workspace.close()
