"""How the per-customer summary is made: which query, in how many runs.

Two queries make the same rows (a test holds them equal, column by column):

* ``customer_summary``: two group-bys, by customer and purchase occasion, then by customer.
  Every engine runs it, with one occasion per day or per order (``merge_day``).
* ``customer_summary_days``: one group-by per customer, its occasions counted as the days
  set in a bitmap. With one occasion per day (the default) on DuckDB it is about twice as
  fast (10M orders, 2.2M customers: 1.1 s against 2.3 s), since the first group-by of the
  other makes a group for nearly every order.

The one-pass query runs over ranges of customer ids, one run each, for two reasons:

* Its bitmaps cover every day from the first order to the cutoff, and DuckDB keeps them in
  memory (it spills other aggregates, not these): each run's must fit in
  :data:`BUDGET_SHARE` of the engine's memory budget.
* A run over fewer customers keeps a smaller hash table: 50M orders of 11.2M customers were
  summarised in 6.2-6.9 s in six runs of about 1.9M customers, in 7.0 s in three, 8.6 s in
  one, and 11 s in three runs that each read every order and kept a third by a hash of the
  id (a range of ids is a cheaper test). Runs of about :data:`CUSTOMERS_PER_RUN`.

Where the bitmaps alone would need more than :data:`MAX_RUNS` runs (a history of decades,
or a tiny budget) the two group-bys run instead.
"""

from __future__ import annotations

import itertools
from datetime import datetime, time

from legame.engine import DuckDBEngine, Engine
from legame.sql import Param, Text

#: The room the one-pass query takes: a bitmap for each order (DuckDB's threads each keep
#: a group for the customers they meet, and keep it apart each time they set their groups
#: aside, so a customer with several orders may have a bitmap for each until they are
#: merged), and for each customer its group beside (its id, counts, sums, first and last
#: orders, the hash table's slot). The peak memory of the query less that of the process
#: before it, and what this counts: 1M orders of 250K customers over 2,007 days (252-byte
#: bitmaps), 307 MB and 316 MB (tests/measure/test_summary_plan.py); 4M orders of 1M
#: customers, 1.05 and 1.26 GB; 10M orders of 2.2M customers over 731 days (92-byte
#: bitmaps), 1.0 and 1.5 GB; 50M orders of 11.2M customers over 731 days, 4.85 and 7.5 GB.
BYTES_PER_CUSTOMER = 256
#: The share of the memory budget one run's bitmaps and groups may take. Within a memory
#: limit DuckDB sets groups aside more often, and cannot write the bitmaps to disk: 4M
#: orders over 2,007 days ran out at 1.25 times the room counted, and ran at 1.45 times.
BUDGET_SHARE = 0.5
#: Customers a run summarises, about (see above).
CUSTOMERS_PER_RUN = 2_000_000
#: Beyond this many runs for the bitmaps' room, the two group-bys are faster.
MAX_RUNS = 16
#: The customer ids sampled to cut them into ranges.
SAMPLE_IDS = 10_000


def days_runs(eng: Engine, *, until: datetime, merge_day: bool) -> list[dict[str, Param]]:
    """The parameters of each run of ``customer_summary_days`` for the summary to the
    ``until`` day, or none: then ``customer_summary`` makes it (another engine, one
    occasion per order, no completed order, or bitmaps too large for the budget)."""
    if not merge_day or not isinstance(eng, DuckDBEngine):
        return []
    span = eng.query("summary_span", until=until).to_pylist()[0]
    first, orders = span["first_order_at"], span["orders"]
    if first is None:
        return []
    first_day = datetime.combine(first.date(), time.min)
    days = (until.date() - first_day.date()).days
    customers = eng.query("customer_count").column(0)[0].as_py()
    needed = orders * (days // 8 + 1) + customers * BYTES_PER_CUSTOMER
    for_room = -(-needed // int(BUDGET_SHARE * eng.memory_budget()))
    if for_room > MAX_RUNS:
        return []
    runs = max(1, for_room, round(customers / CUSTOMERS_PER_RUN))
    edges = [None, *_cuts(eng, runs), None]
    fixed: dict[str, Param] = {"first_day": first_day, "days": days}
    return [{**fixed, "low": low, "high": high} for low, high in itertools.pairwise(edges)]


def _cuts(eng: Engine, runs: int) -> list[Text]:
    """Where ``runs`` ranges of about as many customers part, from a sample of the ids: each
    id that starts a range after the first, once."""
    if runs < 2:
        return []
    ids = eng.query("summary_id_sample", rows=SAMPLE_IDS).column(0).to_pylist()
    cuts = sorted({ids[len(ids) * k // runs] for k in range(1, runs)} if ids else set())
    return [Text(c) for c in cuts]


def keep_summary(eng: Engine, name: str, **params: Param) -> None:
    """The summary as the engine's temporary table ``name`` (``params``: those of
    ``customer_summary``)."""
    runs = days_runs(eng, until=_until(params), merge_day=bool(params["merge_day"]))
    if not runs:
        eng.keep(name, "customer_summary", **params)
        return
    assert isinstance(eng, DuckDBEngine)
    for n, run in enumerate(runs):
        add = eng.keep_more if n else eng.keep
        add(name, "customer_summary_days", **params, **run)


def stage_summary(eng: Engine, table: str, **params: Param) -> int:
    """The summary staged as the workspace table ``table``; returns its rows."""
    runs = days_runs(eng, until=_until(params), merge_day=bool(params["merge_day"]))
    if not runs:
        return eng.stage(table, "customer_summary", append=False, **params)
    rows = 0
    for n, run in enumerate(runs):
        rows = _stage(eng, table, n > 0, **params, **run)
    return rows


def _stage(eng: Engine, table: str, more: bool, /, **params: Param) -> int:
    return eng.stage(table, "customer_summary_days", append=more, **params)


def _until(params: dict[str, Param]) -> datetime:
    until = params["until"]
    assert isinstance(until, datetime)
    return until
