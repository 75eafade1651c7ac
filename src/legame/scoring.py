"""Build ``customer_scores``: one row per customer, every measure in one place.

The steps, each in the engine except the fits, all in one transaction (readers see the old
scores or the new ones):

1. ``customer_summary`` per customer (one query over the orders), stored at once as the
   table ``customer_value`` (order facts and purchase history of every customer, those
   without orders added), readable as ``_summary`` where there is a history;
2. the distinct (frequency, recency, T) histories with their counts: the purchase model
   (BG/NBD or Pareto/NBD) is fitted on them, and the repeat customers' (frequency,
   monetary value) pairs fit Gamma-Gamma; meanwhile, on another thread, where the RFM
   quintiles start (by selection over the keys, in O(customers), instead of three sorts of
   all customers): 0.9 to 2.6 s at 50 million orders, most of it hidden behind the counts
   and the fits;
3. predictions once per distinct history (expected purchases in the horizon, P(alive),
   discounted expected purchases for CLV), stored as ``history_predictions``;
4. the sparse ``customer_voice`` (the customers with a survey answer, a ticket or a message:
   NPS, CSAT, CES, emotional connection, service, contact pressure) and the view
   ``customer_scores`` over the three tables, holding the fitted parameters and the RFM cuts
   as literals: it computes RFM scores, expected spend and CLV as it is read.

Nothing per customer is written twice or after the fits: the summary is stored where it
stays, and the predictions are stored per history. Storing the voice apart keeps the write
proportional to what there is: in a large store most customers have no answer, ticket or
message, and each stored column of every customer costs time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from legame import sql
from legame.engine import DuckDBEngine, Engine, EngineName, engine_for
from legame.errors import InputError
from legame.metrics import cutoff
from legame.metrics import definitions as d
from legame.models import BetaGeo, GammaGamma, ParetoNBD
from legame.models.clv import horizon_predictions
from legame.sql.quote import identifier
from legame.store import Workspace
from legame.store.bookkeeping import has_table
from legame.store.failures import storage_errors
from legame.store.memory import memory_setting
from legame.store.moments import reached

Unit = Literal["day", "week"]
ModelName = Literal["bgnbd", "paretonbd"]
UNIT_DAYS: dict[str, float] = {"day": 1.0, "week": 7.0}
DAYS_PER_YEAR = 365.25
#: Survey answers need at least this many of the ten motivator items for an index.
MIN_MOTIVATOR_ITEMS = 5


def score_memory_limit() -> str:
    """DuckDB's memory budget for the summary and the write of ``score`` (beyond it, DuckDB
    spills to the workspace's temporary folder): by default 40 % of the machine's memory, at
    most 5 GB. 50 million orders (11 million customers) need about 5 GB to summarise without
    spilling (17.8 s here; 22.5 s at 4GB, 25.8 s at 3GB); ``LEGAME_SCORE_MEMORY_LIMIT`` sets
    it. Read when a score starts: a bad value is an error of that command, not of every one."""
    return memory_setting(
        "LEGAME_SCORE_MEMORY_LIMIT",
        f"{min(5 * 10**9, int(0.4 * os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES')))}B",
    )


#: The RFM scores: quintiles of these _summary columns (ties broken by customer_id).
RFM_KEYS = {"r": "last_order_at", "f": "frequency", "m": "revenue"}
QUINTILES = 5


@dataclass
class ScoreReport:
    """What ``score`` did: the fits, the row count and the time of each step."""

    engine: str
    until: date
    unit: Unit
    horizon_days: int
    discount_rate: float
    margin: float
    rows: int = 0
    purchase_model: BetaGeo | ParetoNBD | None = None
    spend_model: GammaGamma | None = None
    timings: dict[str, float] = field(default_factory=dict)
    #: Completed orders dated after today, left out of the default cutoff.
    future_orders: int = 0

    def to_dict(self) -> dict[str, object]:
        pm, sm = self.purchase_model, self.spend_model
        return {
            "engine": self.engine,
            "until": self.until.isoformat(),
            "unit": self.unit,
            "horizon_days": self.horizon_days,
            "discount_rate": self.discount_rate,
            "margin": self.margin,
            "rows": self.rows,
            "model": None if pm is None else type(pm).__name__,
            "params": None if pm is None else pm.params_,
            "spend_params": None if sm is None else sm.params_,
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
            "future_orders": self.future_orders,
        }


def last_order_day(workspace: Workspace, *, today: date | None = None) -> date:
    """The default cutoff (:mod:`legame.metrics.cutoff`): the day of the latest completed
    order on or before ``today`` (default: today in UTC). An order dated in the future (a
    typo such as 2099) never moves the cutoff past today, where every customer would look
    long gone."""
    found = cutoff.last_order_day(workspace, today=today)
    if found is None:
        raise InputError(
            f"There are no completed orders on or before {today or datetime.now(UTC).date()} "
            "in the workspace: ingest orders first."
        )
    return found


def score_totals(workspace: Workspace) -> dict[str, Any]:
    """What every surface reports of ``customer_scores`` (``legame/sql/score_totals.sql``):
    ``total_clv``, the expected CLV of all customers; ``value_at_risk``, the revenue of the
    last 12 months of the customers at high churn risk; and ``high_risk_customers``. Sums
    over no customers are None."""
    cur = workspace.con.execute(sql.render("score_totals"))
    names = [d[0] for d in cur.description]
    return dict(zip(names, cur.fetchall()[0], strict=True))


def _check(model: str, unit: str, horizon_days: int, discount_rate: float, margin: float) -> None:
    if model not in ("bgnbd", "paretonbd"):
        raise InputError(f"--model must be bgnbd or paretonbd; got {model!r}.")
    if unit not in UNIT_DAYS:
        raise InputError(f"--unit must be day or week; got {unit!r}.")
    if horizon_days <= 0:
        raise InputError(f"--horizon must be a positive number of days; got {horizon_days}.")
    if not 0 <= discount_rate < 1:
        raise InputError(f"--discount is an annual rate in [0, 1), e.g. 0.1; got {discount_rate}.")
    if not 0 < margin <= 1:
        raise InputError(f"--margin is a share of revenue in (0, 1], e.g. 0.3; got {margin}.")


def summarize(
    eng: Engine, *, until: date, unit: Unit, merge_day: bool = True, stage: bool = False
) -> tuple[pa.Table, pa.Table]:
    """Make the per-customer summary readable as ``_summary`` in the engine
    (:func:`summary_table`); return the distinct histories (frequency, recency, T, n) and the
    repeat customers' spend pairs."""
    summary_table(eng, until=until, unit=unit, merge_day=merge_day, stage=stage)
    return eng.query("history_counts"), eng.query("spend_counts")


def summary_table(
    eng: Engine, *, until: date, unit: Unit, merge_day: bool = True, stage: bool = False
) -> None:
    """Make the per-customer summary readable as ``_summary`` in the engine.

    With ``stage`` (the score) the summary is staged as the workspace table
    ``customer_value``, every customer in it (those without orders added only when customers
    outnumber the summary's rows: orders ingest adds every customer it meets), and
    ``_summary`` is a view of its rows with a history; otherwise it is a temporary table.
    """
    start_of_until = datetime.combine(until, datetime.min.time())
    end = start_of_until if merge_day else start_of_until + timedelta(days=1)
    if not stage:
        eng.keep(
            "_summary",
            "customer_summary",
            until=start_of_until,
            end=end,
            unit_days=UNIT_DAYS[unit],
            merge_day=merge_day,
        )
        return
    rows = eng.stage(
        "customer_value",
        "customer_summary",
        until=start_of_until,
        end=end,
        unit_days=UNIT_DAYS[unit],
        merge_day=merge_day,
    )
    if rows < eng.query("customer_count").column(0)[0].as_py():
        eng.stage("customer_value", "customers_without_orders", append=True)
    eng.alias("_summary", sql.render("customer_value_with_history"))


def fit_store(
    workspace: Workspace,
    *,
    model: ModelName = "bgnbd",
    until: date | None = None,
    unit: Unit = "week",
    merge_day: bool = True,
) -> tuple[date, BetaGeo | ParetoNBD, GammaGamma | None]:
    """Fit the purchase and spend models on the store's orders up to ``until``."""
    _check(model, unit, 365, 0.0, 1.0)
    until = until or last_order_day(workspace)
    eng = DuckDBEngine(workspace)
    histories, spend = summarize(eng, until=until, unit=unit, merge_day=merge_day)
    eng.drop("_summary")
    if histories.num_rows == 0:
        raise InputError(f"No completed orders on or before {until}.")
    return (until, *fit_models(histories, spend, model))


def fit_models(
    histories: pa.Table, spend: pa.Table, model: ModelName = "bgnbd"
) -> tuple[BetaGeo | ParetoNBD, GammaGamma | None]:
    """Fit the purchase model on weighted distinct histories, and Gamma-Gamma on spend."""
    cols = {name: histories.column(name).to_numpy() for name in ("frequency", "recency", "T", "n")}
    purchase: BetaGeo | ParetoNBD = BetaGeo() if model == "bgnbd" else ParetoNBD()
    purchase.fit(cols["frequency"], cols["recency"], cols["T"], weights=cols["n"])
    spend_model = None
    if spend.num_rows >= 3:
        spend_model = GammaGamma().fit(
            spend.column("frequency").to_numpy(),
            spend.column("monetary_value").to_numpy(),
            weights=spend.column("n").to_numpy(),
        )
    return purchase, spend_model


def predictions(
    model: BetaGeo | ParetoNBD,
    histories: pa.Table,
    *,
    unit: Unit,
    horizon_days: int,
    discount_rate: float,
) -> pa.Table:
    """Per distinct history: expected purchases in the horizon, P(alive), discounted
    expected purchases (CLV per unit of spend and margin), and the expected gap between
    purchases while alive (posterior mean of 1/λ's reciprocal), all in the summary's unit."""
    f = histories.column("frequency").to_numpy().astype(float)
    r = histories.column("recency").to_numpy()
    t_ = histories.column("T").to_numpy()
    params = model.params_
    alpha = params["alpha"]
    rate = (params["r"] + f) / (alpha + t_)
    expected, alive, discounted = horizon_predictions(
        model,
        f,
        r,
        t_,
        t=horizon_days / UNIT_DAYS[unit],
        horizon=max(1, round(horizon_days / (DAYS_PER_YEAR / 12))),
        periods_per_year=DAYS_PER_YEAR / UNIT_DAYS[unit],
        discount_rate=discount_rate,
    )
    return pa.table(
        {
            "frequency": histories.column("frequency"),
            "recency": histories.column("recency"),
            "T": histories.column("T"),
            "expected_purchases": expected,
            "p_alive": alive,
            "discounted_purchases": discounted,
            "expected_gap": 1.0 / np.maximum(rate, 1e-12),
        }
    )


def score(
    workspace: Workspace,
    *,
    engine: EngineName = "duckdb",
    model: ModelName = "bgnbd",
    until: date | None = None,
    unit: Unit = "week",
    horizon_days: int = 365,
    discount_rate: float = 0.10,
    margin: float = 1.0,
    merge_day: bool = True,
    progress: Callable[[str], None] | None = None,
    engine_options: Mapping[str, object] | None = None,
) -> ScoreReport:
    """Fit the models on the store's orders and (re)build ``customer_scores``."""
    _check(model, unit, horizon_days, discount_rate, margin)
    future = 0 if until else cutoff.future_orders(workspace)
    until = until or last_order_day(workspace)
    report = ScoreReport(
        engine, until, unit, horizon_days, discount_rate, margin, future_orders=future
    )
    step = _Stopwatch(report, progress)
    options = dict(engine_options or {})
    if engine == "duckdb":
        options.setdefault("memory_limit", score_memory_limit())
    # One writer at a time: the DuckDB engine's transaction stays open from the summary
    # to the write.
    with workspace.writing(), storage_errors(workspace.path):
        eng = engine_for(workspace, engine, **options)
        try:
            with ThreadPoolExecutor(1) as pool:
                with step("summary"):
                    summary_table(eng, until=until, unit=unit, merge_day=merge_day, stage=True)
                    reached("score.staged")
                    # The RFM keys come out of the engine here, on its connection; where their
                    # quintiles start is NumPy and Arrow work that releases the GIL, done on the
                    # pool beside the engine's counts, the fits and the predictions.
                    cuts = pool.submit(rfm_cuts, eng.query("rfm_keys"))
                    histories, spend = eng.query("history_counts"), eng.query("spend_counts")
                if histories.num_rows == 0:
                    raise InputError(f"No completed orders on or before {until}: nothing to score.")
                with step("fit"):
                    purchase, spend_model = fit_models(histories, spend, model)
                reached("score.fitted")
                report.purchase_model, report.spend_model = purchase, spend_model
                if spend_model is None:
                    raise InputError("Too few repeat customers (< 3) to fit the spend model.")
                with step("predict"):
                    eng.put(
                        "_predictions",
                        predictions(
                            purchase,
                            histories,
                            unit=unit,
                            horizon_days=horizon_days,
                            discount_rate=discount_rate,
                        ),
                    )
                with step("write"):  # with what is left of finding the RFM cuts
                    written = write_scores(
                        eng,
                        until=until,
                        spend=spend_model.params_,
                        margin=margin,
                        cuts=cuts.result(),
                    )
                    report.rows = written["customer_value"]
            for name in ("_summary", "_predictions"):
                eng.drop(name)
        finally:
            eng.close()
    return report


def write_scores(
    eng: Engine,
    *,
    until: date,
    spend: Mapping[str, float],
    margin: float,
    cuts: Mapping[str, sql.Param],
) -> dict[str, int]:
    """The score's write, after ``customer_value`` is staged and ``_predictions`` put:
    ``history_predictions``, ``customer_voice`` and the view ``customer_scores`` (with
    Gamma-Gamma's parameters ``spend``, the margin and the RFM cuts as literals), committed
    with the staged table; the voice's windows end at midnight after ``until``. Returns the
    rows per table."""
    return eng.write(
        {"history_predictions": "history_predictions", "customer_voice": "customer_voice"},
        views={"customer_scores": "customer_scores"},
        as_of=datetime.combine(until + timedelta(days=1), datetime.min.time()),
        p=spend["p"],
        q=spend["q"],
        gamma=spend["gamma"],
        margin=margin,
        min_motivator_items=MIN_MOTIVATOR_ITEMS,
        **d.poor_ticket_params(),
        connected_index=float(d.CONNECTION_THRESHOLD),
        **cuts,
    )


def quintile_starts(n: int, buckets: int = QUINTILES) -> list[int]:
    """0-based positions where buckets 2.. start under ``NTILE(buckets)`` over ``n`` rows:
    the first ``n % buckets`` buckets hold one row more than the others."""
    size, extra = divmod(n, buckets)
    return [(b - 1) * size + min(b - 1, extra) for b in range(2, buckets + 1)]


def rfm_cuts(keys: pa.Table) -> dict[str, sql.Param]:
    """For each RFM key, where its quintiles 2 to 5 start in the order (key, customer_id):
    ``r2`` .. ``r5``, ``f2`` .. , ``m2`` .. the key and ``r2_id`` .. the customer_id there,
    or None where there are fewer customers than quintiles: the parameters of the view
    ``customer_scores``.

    A customer's score is then 1 + the number of cuts at or below its (key, customer_id),
    exactly ``NTILE(5) OVER (ORDER BY key, customer_id)``. Each cut is found by selection:
    the key at that position (a partition, in one buffer for the three keys), then, among
    the customers sharing that key, the customer_id at the remaining offset (Arrow's
    nth-element; cuts on the same key share the tied customers), so the cost is linear in
    the customers rather than three sorts of them.
    """
    ids = keys.column("customer_id").combine_chunks()
    n = keys.num_rows
    starts = quintile_starts(n)
    present = [s for s in starts if s < n]
    work = np.empty(n, dtype=np.int64)
    cuts: dict[str, sql.Param] = {}
    for score, name in RFM_KEYS.items():
        column = keys.column(name).combine_chunks()
        plain = column.cast(pa.int64()) if pa.types.is_timestamp(column.type) else column
        order = plain.to_numpy(zero_copy_only=False)
        nth = work.view(order.dtype) if order.dtype.itemsize == 8 else np.empty_like(order)
        np.copyto(nth, order)
        if present:
            nth.partition(present)
        found: dict[object, tuple[int, pa.Array, np.ndarray]] = {}  # key: below, tied ids, rows
        previous = -1
        for bucket, start in enumerate(starts, start=2):
            key: sql.Param = None
            who: sql.Param = None
            if start < n:
                value = nth[start]
                if value not in found:
                    # Positions up to the previous cut hold keys at most the previous key,
                    # which is below this one; positions after this cut hold keys at least it.
                    below = previous + 1 + int(np.count_nonzero(nth[previous + 1 : start] < value))
                    tied = np.flatnonzero(order == value)
                    found[value] = (below, ids.take(pa.array(tied)), tied)
                below, group, tied = found[value]
                offset = start - below
                who = sql.Text(group[0 if tied.size == 1 else _nth_smallest(group, offset)].as_py())
                key = column[int(tied[0])].as_py()
                previous = start
            cuts[f"{score}{bucket}"] = key
            cuts[f"{score}{bucket}_id"] = who
    return cuts


def _nth_smallest(values: pa.Array, offset: int) -> int:
    """The index in ``values`` of its ``offset``-th smallest element (0-based)."""
    return int(pc.partition_nth_indices(values, pivot=offset)[offset].as_py())


class _Stopwatch:
    def __init__(self, report: ScoreReport, progress: Callable[[str], None] | None) -> None:
        self.report, self.progress = report, progress

    def __call__(self, name: str) -> _Stopwatch:
        self.name = name
        return self

    def __enter__(self) -> None:
        if self.progress:
            self.progress(self.name)
        self.started = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.report.timings[self.name] = time.perf_counter() - self.started


def export_table(workspace: Workspace, table: str, out: str | Path) -> int:
    """Write a workspace table to CSV or Parquet (by the file's extension)."""
    path = Path(out)
    fmt = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"--out must end in .csv or .parquet; got {path.name!r}.")
    if not has_table(workspace, table):
        raise InputError(f"There is no {table} table yet: run `legame score` first.")
    path.parent.mkdir(parents=True, exist_ok=True)
    options = "FORMAT csv, HEADER" if fmt == "csv" else "FORMAT parquet"
    tmp = path.with_name(path.name + ".partial")
    # The path is a bound parameter: quotes and semicolons in it are part of the name.
    # sql-built: options is one of the two constants above.
    workspace.con.execute(f"COPY {identifier(table)} TO ? ({options})", [str(tmp)])
    tmp.replace(path)  # a reader never sees a half-written file
    return workspace.count(table)
