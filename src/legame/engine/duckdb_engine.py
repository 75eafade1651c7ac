"""The default engine: the queries run inside the workspace's own DuckDB connection."""

from __future__ import annotations

import pyarrow as pa

from legame import sql
from legame.engine.base import Engine
from legame.sql import Param


class DuckDBEngine(Engine):
    name = "duckdb"

    def run(self, statement: str) -> pa.Table:
        return self.workspace.con.sql(statement).to_arrow_table()

    def keep(self, name: str, query: str, **params: Param) -> None:
        self.workspace.con.execute(
            f'CREATE OR REPLACE TEMP TABLE "{name}" AS {sql.render(query, **params)}'
        )

    def put(self, name: str, table: pa.Table) -> None:
        con = self.workspace.con
        con.register("_arrow_in", table)
        try:
            con.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS SELECT * FROM _arrow_in')
        finally:
            con.unregister("_arrow_in")

    def drop(self, name: str) -> None:
        self.workspace.con.execute(f'DROP TABLE IF EXISTS temp."{name}"')

    def write(self, table: str, query: str, **params: Param) -> int:
        with self.workspace.transaction() as con:
            con.execute(f'CREATE OR REPLACE TABLE "{table}" AS {sql.render(query, **params)}')
            return int(con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0])
