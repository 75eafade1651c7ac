"""The engine interface."""

from __future__ import annotations

from abc import ABC, abstractmethod

import pyarrow as pa

from legame import sql
from legame.sql import Param
from legame.store import Workspace


class Engine(ABC):
    """Runs ``legame.sql`` queries against a workspace's tables."""

    name: str

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def query(self, query: str, **params: Param) -> pa.Table:
        """Run a named query and return its result as an Arrow table."""
        return self.run(sql.render(query, **params))

    @abstractmethod
    def run(self, statement: str) -> pa.Table:
        """Run DuckDB SQL text (translated as needed) and return the result."""

    @abstractmethod
    def keep(self, name: str, query: str, **params: Param) -> None:
        """Keep a named query's result as the temporary table ``name``."""

    @abstractmethod
    def put(self, name: str, table: pa.Table) -> None:
        """Make an Arrow table available to later queries as ``name``."""

    @abstractmethod
    def drop(self, name: str) -> None:
        """Forget a temporary table made by ``keep`` or ``put``."""

    @abstractmethod
    def write(self, table: str, query: str, **params: Param) -> int:
        """Replace the workspace table ``table`` with a named query's result, atomically;
        return the number of rows written."""

    def close(self) -> None:  # noqa: B027 - engines with resources override it
        """Release what the engine holds (the workspace stays open)."""
