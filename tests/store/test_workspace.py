"""The workspace store: creation, the schema contract, migrations, opening rules."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from legame.errors import StoreError
from legame.store import Workspace, migrate, resolve_db
from legame.store.schema import META_COLUMNS, TABLES
from tests.conftest import run_legame


def test_fresh_workspace_has_every_canonical_table_with_the_schema_columns(ws: Workspace) -> None:
    for table in TABLES.values():
        rows = ws.con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = ? ORDER BY ordinal_position",
            [table.name],
        ).fetchall()
        names = [r[0] for r in rows]
        extra = [name for name, _ in table.extra_columns]
        assert names == [*table.names, *extra, *META_COLUMNS], table.name
        types = dict(rows)
        for col in table.columns:
            assert types[col.name] == col.sql_type, (table.name, col.name)


def test_required_columns_are_not_null_in_the_store(ws: Workspace) -> None:
    nullable = dict(
        ((t, c), n == "YES")
        for t, c, n in ws.con.execute(
            "SELECT table_name, column_name, is_nullable FROM information_schema.columns"
        ).fetchall()
    )
    for table in TABLES.values():
        for col in table.columns:
            assert nullable[(table.name, col.name)] is (not col.required), (table.name, col.name)


def test_schema_version_records_each_migration_in_order(ws: Workspace) -> None:
    shipped = migrate.available()
    assert [m.version for m in shipped] == sorted(m.version for m in shipped)
    assert [m.version for m in shipped] == list(range(1, len(shipped) + 1))
    rows = ws.con.execute("SELECT version, name FROM schema_version ORDER BY version").fetchall()
    assert rows == [(m.version, m.name) for m in shipped]
    assert ws.version == shipped[-1].version


def test_create_twice_keeps_the_data(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Workspace.create(path) as ws:
        ws.con.execute("INSERT INTO customers (customer_id, _batch_id) VALUES ('c1', 0)")
    with Workspace.create(path) as ws:
        assert ws.count("customers") == 1


def test_opening_a_missing_workspace_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="legame init"):
        Workspace.open(tmp_path / "nope.duckdb")


def test_a_plain_duckdb_file_is_not_taken_for_a_workspace(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    duckdb.connect(str(path)).close()
    with pytest.raises(StoreError, match="not a legame workspace"):
        Workspace.open(path)


def test_a_workspace_from_a_newer_legame_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Workspace.create(path) as ws:
        ws.con.execute("INSERT INTO schema_version VALUES (999, 'future', now()::TIMESTAMP)")
    with pytest.raises(StoreError, match="newer than this legame"):
        Workspace.open(path)


def test_db_path_comes_from_option_then_env_then_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEGAME_DB", raising=False)
    assert resolve_db(None) == Path("legame.duckdb")
    monkeypatch.setenv("LEGAME_DB", "/tmp/from-env.duckdb")
    assert resolve_db(None) == Path("/tmp/from-env.duckdb")
    assert resolve_db("given.duckdb") == Path("given.duckdb")


def test_init_command_creates_the_default_file_in_the_current_folder(tmp_path: Path) -> None:
    result = run_legame("init", cwd=tmp_path, env={"LEGAME_DB": ""})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "legame.duckdb").exists()
    assert "schema version" in result.stdout


def test_init_honours_db_option_and_env(tmp_path: Path) -> None:
    assert run_legame("init", "--db", tmp_path / "a.duckdb").returncode == 0
    assert (tmp_path / "a.duckdb").exists()
    env_db = tmp_path / "b.duckdb"
    result = run_legame("init", env={"LEGAME_DB": str(env_db)})
    assert result.returncode == 0, result.stderr
    assert env_db.exists()


def test_status_on_missing_workspace_is_one_red_line_and_exit_1(tmp_path: Path) -> None:
    result = run_legame("status", "--db", tmp_path / "missing.duckdb")
    assert result.returncode == 1
    assert result.stderr.startswith("error: No workspace at")
    assert "Traceback" not in result.stderr
