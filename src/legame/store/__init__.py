"""The workspace store: canonical schema, migrations and the DuckDB backend."""

from legame.store.workspace import DEFAULT_DB, Workspace, resolve_db

__all__ = ["DEFAULT_DB", "Workspace", "resolve_db"]
