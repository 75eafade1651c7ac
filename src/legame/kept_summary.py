"""The per-customer summary kept from one score to the next: after a day's orders,
``legame score`` reads only the orders of the customers they changed.

Every score stores ``customer_value`` (the summary of every customer, as
``sql/customer_summary.sql`` makes it) and, in the same transaction, the one row of
``customer_value_basis`` (``sql/summary_kept/basis.sql``): the cutoff, the last import batch
of the workspace, and whether the next score may keep those rows. It may when the summary
held every completed order of the workspace: none dated after its cutoff, one occasion per
day, made by the DuckDB engine without covariates (Spark reads a lake, not the workspace's
orders; covariates add a pattern per customer). The next score keeps them when its own
cutoff too leaves no completed order out. Then only the customers with an order that a later
batch inserted or updated, or that an update took from them, are summarised again from their
orders; every other row is kept, with recency, T and the last twelve months' revenue
measured again to the new cutoff (``sql/summary_kept/``). The result is what the summary of
every order would be; a test checks it after inserts, updates, status changes, an order
moved to another customer and an erasure.

An erasure deletes the customer's rows from ``orders`` and ``customer_value`` alike, so
what is kept stays true. Anything else makes a basis that is not reusable, and the next
score reads every order.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from legame import sql
from legame.engine import DuckDBEngine, Engine
from legame.store import Workspace
from legame.store.bookkeeping import has_table

#: The table beside customer_value that says whether the next score may keep its rows.
BASIS = "customer_value_basis"
#: The name customer_value has while the score makes the new one from it.
BEFORE = "_customer_value_before"
#: The query that makes the basis row (written with the score's tables).
BASIS_QUERY = "summary_kept/basis"


def last_batch(workspace: Workspace) -> int:
    """The workspace's last import batch, of any table (0 before the first)."""
    return int(workspace.con.execute(sql.render("summary_kept/last_batch")).fetchall()[0][0])


def complete(workspace: Workspace, until: date) -> bool:
    """Whether no completed order is dated after the ``until`` day (a summary to that
    cutoff holds every completed order)."""
    before = datetime.combine(until + timedelta(days=1), time.min)
    found = workspace.con.execute(sql.render("future_orders", before=before)).fetchall()
    return int(found[0][0]) == 0


def kept_batch(workspace: Workspace, *, complete_now: bool, merge_day: bool) -> int | None:
    """The import batch the stored ``customer_value`` is as of, when this score may keep its
    rows (the stored basis says it may, and ``complete_now``: this cutoff leaves no completed
    order out); None when the summary must be made from every order."""
    if not (complete_now and merge_day) or not has_table(workspace, BASIS):
        return None
    rows = workspace.con.execute(sql.render("summary_kept/read_basis")).fetchall()
    if len(rows) != 1 or not rows[0][1] or not has_table(workspace, "customer_value"):
        return None
    return int(rows[0][0])


def basis_params(
    eng: Engine, *, until: date, orders_batch: int, reusable: bool
) -> dict[str, sql.Param]:
    """The parameters of the basis row the score writes: reusable only from the DuckDB
    engine (and when the caller says the summary held every order)."""
    return {
        "basis_until": until,
        "basis_batch": orders_batch,
        "basis_reusable": reusable and isinstance(eng, DuckDBEngine),
    }


def stage_kept(eng: DuckDBEngine, orders_batch: int, **params: sql.Param) -> tuple[int, int]:
    """Stage ``customer_value`` from the stored one, the customers whose orders changed
    since ``orders_batch`` summarised again (``sql/summary_kept/customer_value.sql``, with
    the summary's parameters); return its rows and how many customers were summarised
    again."""
    eng.keep("_touched", "summary_kept/touched", orders_batch=orders_batch)
    try:
        touched = eng.workspace.count("_touched")
        rows = eng.restage("customer_value", "summary_kept/customer_value", BEFORE, **params)
    finally:
        eng.drop("_touched")
    return rows, touched
