"""Apply the ordered migrations in ``store/migrations/`` to a workspace.

Each migration runs in its own transaction together with the row that records it in
``schema_version``, so a store is always at exactly one version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import duckdb

from legame.errors import StoreError
from legame.store.failures import rollback

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available() -> list[Migration]:
    """Every migration shipped with this legame, in order."""
    found = []
    for entry in resources.files("legame.store.migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise StoreError(f"Two migrations share a version number: {versions}.")
    return found


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    """The version a store is at (0 for an empty database)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchall()[0][0]
    if not exists:
        return 0
    return int(con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0])


def upgrade(con: duckdb.DuckDBPyConnection) -> list[Migration]:
    """Bring the store to the newest version; return the migrations applied."""
    migrations = available()
    newest = migrations[-1].version if migrations else 0
    version = current_version(con)
    if version > newest:
        raise StoreError(
            f"This workspace is at schema version {version}, newer than this legame knows "
            f"({newest}). Upgrade legame to open it."
        )
    applied = []
    for migration in migrations:
        if migration.version <= version:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                "name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
            )
            con.execute(migration.sql)
            con.execute(
                "INSERT INTO schema_version VALUES (?, ?, now()::TIMESTAMP)",
                [migration.version, migration.name],
            )
            con.execute("COMMIT")
        except Exception:
            rollback(con)
            raise
        applied.append(migration)
    return applied
