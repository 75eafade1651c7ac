"""One workspace shared by the threads of a long-running process (the HTTP server).

The file is opened once. Each request works in a ``session``: its own cursor on the shared
connection (DuckDB gives it a consistent snapshot; writes still take the workspace's
writer lock). An erasure needs the file to itself, since it rewrites it: ``exclusive``
waits for the sessions in flight to end, holds new ones back, and hands over the one
connection, which the erasure closes and opens again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from legame.store.workspace import Workspace


class SharedWorkspace:
    """A workspace opened once; ``session()`` per request, ``exclusive()`` to rewrite it."""

    def __init__(self, db: str | Path) -> None:
        self.workspace = Workspace.open(db)
        self.path = self.workspace.path
        self._state = threading.Condition()
        self._sessions = 0
        self._exclusive = False

    @contextmanager
    def session(self) -> Iterator[Workspace]:
        with self._state:
            self._state.wait_for(lambda: not self._exclusive)
            self._sessions += 1
        try:
            cursor = self.workspace.con.cursor()
            try:
                cursor.execute("SET TimeZone = 'UTC'")
                yield Workspace(self.path, cursor)
            finally:
                cursor.close()
        finally:
            with self._state:
                self._sessions -= 1
                self._state.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[Workspace]:
        """The workspace with no session open on it (new ones wait until this ends)."""
        with self._state:
            self._state.wait_for(lambda: not self._exclusive)
            self._exclusive = True
            self._state.wait_for(lambda: self._sessions == 0)
        try:
            yield self.workspace
        finally:
            with self._state:
                self._exclusive = False
                self._state.notify_all()

    def close(self) -> None:
        self.workspace.close()
