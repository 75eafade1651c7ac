"""The default engine: the queries run inside the workspace's own DuckDB connection.

``stage`` writes its table at once, in a transaction that stays open until ``write`` commits
it with the rest (``close`` before that rolls it back): the staged rows are stored once,
where they will stay, instead of kept aside and copied by the write.

Tables that ``keep`` and ``write`` make are built with ``preserve_insertion_order`` off for
the statement: their rows have no meaningful order (readers sort), and without it DuckDB
builds them on every thread instead of funnelling the result through one. With a
``memory_limit`` the engine's statements run within that budget from the first of those
until ``close`` (DuckDB spills to the workspace's temporary folder beyond it); the
connection's own settings come back after.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import duckdb
import pyarrow as pa

from legame import sql
from legame.engine.base import Engine, replace_table, replace_views
from legame.sql import Param
from legame.sql.quote import identifier, string_literal
from legame.store import Workspace
from legame.store.failures import rollback
from legame.store.memory import size_bytes
from legame.store.moments import reached
from legame.store.write_behind import flush_file


class DuckDBEngine(Engine):
    name = "duckdb"

    def __init__(self, workspace: Workspace, *, memory_limit: str | None = None) -> None:
        super().__init__(workspace)
        self.memory_limit = memory_limit
        self._staged: dict[str, int] = {}  # tables written in the open transaction
        self._open = False
        self._aliases: set[str] = set()
        self._limited = False  # the engine's memory limit holds on the connection

    def run(self, statement: str) -> pa.Table:
        return self.workspace.con.sql(statement).to_arrow_table()

    def keep(self, name: str, query: str, **params: Param) -> None:
        with self._bulk() as con:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {identifier(name)} AS {sql.render(query, **params)}"
            )

    def keep_more(self, name: str, query: str, **params: Param) -> None:
        """Add the rows of a named query to the temporary table ``name`` made by ``keep``."""
        with self._bulk() as con:
            con.execute(
                f"INSERT INTO temp.{identifier(name)} BY NAME {sql.render(query, **params)}"
            )

    def alias(self, name: str, statement: str) -> None:
        # sql-built: the statement is a SELECT legame wrote over its own temp tables.
        self.workspace.con.execute(f"CREATE OR REPLACE TEMP VIEW {identifier(name)} AS {statement}")
        self._aliases.add(name)

    def stage(self, table: str, query: str, *, append: bool = False, **params: Param) -> int:
        con = self.workspace.con
        self._begin()
        with self._bulk():
            if append:
                con.execute(
                    f"INSERT INTO {identifier(table)} BY NAME {sql.render(query, **params)}"
                )
            else:
                replace_table(con, table, sql.render(query, **params))
        self._staged[table] = self.workspace.count(table)
        return self._staged[table]

    def restage(self, table: str, query: str, before: str, **params: Param) -> int:
        """Stage the workspace table ``table`` again from a named query that reads its rows
        as they were, under the name ``before`` (the table is renamed to it in the open
        transaction, and dropped once the new one is made). Returns the new table's rows."""
        con = self.workspace.con
        self._begin()
        con.execute(f"ALTER TABLE {identifier(table)} RENAME TO {identifier(before)}")
        rows = self.stage(table, query, append=False, **params)
        con.execute(f"DROP TABLE {identifier(before)}")
        return rows

    def flush_written(self) -> bool:
        """Have what the open transaction wrote to the workspace file so far written to disk
        before the commit (:mod:`legame.store.write_behind`); False where it cannot be."""
        return flush_file(self.workspace.path)

    def memory_budget(self) -> int:
        """The bytes DuckDB may use for the engine's statements: its ``memory_limit``, else
        the connection's."""
        if self.memory_limit is not None:
            return size_bytes(self.memory_limit)
        setting = self.workspace.con.execute("SELECT current_setting('memory_limit')")
        return size_bytes(str(setting.fetchall()[0][0]))

    def put(self, name: str, table: pa.Table) -> None:
        con = self.workspace.con
        con.register("_arrow_in", table)
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {identifier(name)} AS SELECT * FROM _arrow_in"
            )
        finally:
            con.unregister("_arrow_in")

    @contextmanager
    def shared(self, table: str, columns: Sequence[str]) -> Iterator[None]:
        """Nothing to copy: the queries run in the workspace, where the table is."""
        yield

    def drop(self, name: str) -> None:
        kind = "VIEW" if name in self._aliases else "TABLE"
        # sql-built: kind is VIEW or TABLE.
        self.workspace.con.execute(f"DROP {kind} IF EXISTS temp.{identifier(name)}")
        self._aliases.discard(name)

    def write(
        self,
        tables: Mapping[str, str],
        *,
        views: Mapping[str, str] | None = None,
        **params: Param,
    ) -> dict[str, int]:
        con = self.workspace.con
        rows = dict(self._staged)
        self._begin()
        try:
            with self._bulk():
                for table, query in tables.items():
                    replace_table(con, table, sql.render(query, **params))
                    rows[table] = self.workspace.count(table)
                replace_views(con, views, params)
            reached("score.written")
        except BaseException:
            self._rollback()
            raise
        con.execute("COMMIT")
        reached("score.committed")
        self._open = False
        self._staged.clear()
        return rows

    def close(self) -> None:
        """Roll back what was staged and not written; the connection's memory limit back."""
        self._rollback()
        if self._limited:
            self.workspace.restore_memory_limit()
            self._limited = False

    def _begin(self) -> None:
        if not self._open:
            self.workspace.con.execute("BEGIN TRANSACTION")
            self._open = True

    def _rollback(self) -> None:
        if self._open:
            self._open = False
            self._staged.clear()
            rollback(self.workspace.con)

    @contextmanager
    def _bulk(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Unordered, the setting restored after; and within the memory limit if there is
        one, set at the first such statement and kept until ``close``. After each setting
        of the limit, even to the value it had, DuckDB's next statements ran slower: 10M
        orders summarised in 1.3 s with the limit set before each run, in 1.1 s with it set
        once (medians of four)."""
        con = self.workspace.con
        if self.memory_limit is not None and not self._limited:
            limit = string_literal(self.memory_limit)
            con.execute(f"SET memory_limit = {limit}")  # sql-built: a size, quoted
            self._limited = True
        with self.workspace.unordered():
            yield con
