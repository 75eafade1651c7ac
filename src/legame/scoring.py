"""Build ``customer_scores``: one row per customer, every measure in one place.

The steps, each in the engine except the fits, all in one transaction (readers see the old
scores or the new ones):

1. the summary per customer (on DuckDB with one occasion a day, ``customer_summary_days``
   over ranges of customer ids; otherwise ``customer_summary``: the same rows,
   :mod:`legame.summary_plan`), stored as the table ``customer_value`` (order facts and
   purchase history of every customer, those without orders added), readable as
   ``_summary`` where there is a history. On DuckDB with every order read, the summary is
   kept in memory as ``_summary`` and stored on a thread of its own while steps 2 and 3 run
   (:func:`stage_beside`);
2. the distinct (frequency, recency, T) histories with their counts: the purchase model
   (BG/NBD or Pareto/NBD) is fitted on them, and the repeat customers' (frequency,
   monetary value) pairs fit Gamma-Gamma; meanwhile, on another thread, where the RFM
   quintiles start (by selection over the keys, in O(customers), instead of three sorts of
   all customers): 0.9 to 2.6 s at 50 million orders, most of it hidden behind the counts
   and the fits;
3. predictions once per distinct history (expected purchases in the horizon, P(alive),
   discounted expected purchases for CLV; P(no purchase) and the 90 % interval of purchases
   in the horizon, once per distinct (frequency, T) and mixed with P(alive); the spread of
   ln(discounted purchases) from the fit's covariance), stored as ``history_predictions``;
4. the sparse ``customer_voice`` (the customers with a survey answer, a ticket or a message:
   NPS, CSAT, CES, emotional connection, service, contact pressure) and the view
   ``customer_scores`` over the three tables, holding the fitted parameters (Gamma-Gamma's
   covariance too) and the RFM cuts as literals: it computes RFM scores, expected spend, CLV
   and its interval as it is read.

Nothing per customer is written to the workspace twice or after the predictions: the
summary is stored where it stays, and the predictions are stored per history. Storing the
voice apart keeps the write proportional to what there is: in a large store most customers
have no answer, ticket or message, and each stored column of every customer costs time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from statistics import NormalDist
from typing import Any, Literal, Protocol

import numpy as np
import pyarrow as pa

from legame import kept_summary as kept
from legame import sql, summary_plan
from legame.arrow_numpy import to_arrow, to_numpy
from legame.engine import DuckDBEngine, Engine, EngineName, engine_for
from legame.errors import InputError
from legame.metrics import cutoff
from legame.metrics import definitions as d
from legame.metrics.rfm import rfm_cuts
from legame.models import BetaGeo, GammaGamma, ModifiedBetaGeo, ParetoNBD
from legame.models.base import BaseModel, PurchaseModel
from legame.models.clv import expected_gap, horizon_predictions, horizon_table
from legame.models.robust import fit_robust
from legame.sql.quote import identifier
from legame.store import Workspace
from legame.store.bookkeeping import has_table
from legame.store.failures import storage_errors
from legame.store.memory import memory_setting
from legame.store.moments import reached

Unit = Literal["day", "week"]
ModelName = Literal["bgnbd", "mbgnbd", "paretonbd"]
UNIT_DAYS: dict[str, float] = {"day": 1.0, "week": 7.0}
DAYS_PER_YEAR = 365.25
#: The probability the intervals of purchases and of CLV hold (docs/scores.md).
INTERVAL_LEVEL = 0.9


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
    purchase_model: PurchaseModel | BaseModel | None = None
    spend_model: GammaGamma | BaseModel | None = None
    timings: dict[str, float] = field(default_factory=dict)
    #: Completed orders dated after today, left out of the default cutoff.
    future_orders: int = 0
    #: When the last score's summary was kept (:mod:`legame.kept_summary`): the customers
    #: whose orders changed since, summarised again; None when every order was read.
    summarised_again: int | None = None
    #: With ``model="auto"``: the model chosen and why (``legame.validation.ModelChoice``).
    model_choice: dict[str, Any] | None = None
    #: With covariates: their JSON (:meth:`Covariates.to_dict`), effects under ``covariates``.
    covariates: dict[str, object] | None = None

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
            "fit_status": None if pm is None else getattr(pm, "fit_status_", None),
            "spend_fit_status": None if sm is None else getattr(sm, "fit_status_", None),
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
            "future_orders": self.future_orders,
            "summary_kept": self.summarised_again is not None,
            "summarised_again": self.summarised_again,
            "model_choice": self.model_choice,
            **(self.covariates or {}),
        }


class Covariates(Protocol):
    """Covariates for :func:`score` (``legame score --covariates``: made by
    :func:`legame.covariates.score_with_covariates`). ``fit`` fits the purchase and spend
    models on the summary the engine holds as ``_summary``; ``predictions`` gives the
    predictions once per distinct (covariate pattern, history), with the columns of
    ``sql/covariates/history_predictions.sql``, and each customer's pattern (customer_id,
    pattern); ``to_dict`` the JSON of the covariates and their effects."""

    def fit(
        self, eng: Engine, *, until: date, unit: Unit, merge_day: bool, penalizer: float | None
    ) -> tuple[BaseModel, BaseModel | None]: ...

    def predictions(
        self, *, unit: Unit, horizon_days: int, discount_rate: float
    ) -> tuple[pa.Table, pa.Table]: ...

    def to_dict(self) -> dict[str, object]: ...


def check_covariate_options(model: str, engine: str) -> None:
    """Covariates work with BG/NBD on the DuckDB engine."""
    if model != "bgnbd":
        raise InputError(
            f"--covariates works with --model bgnbd (BG/NBD with covariates); got {model!r}."
        )
    if engine != "duckdb":
        raise InputError(
            f"--covariates runs on the DuckDB engine only; got --engine {engine}. Leave out "
            "--engine (or pass --engine duckdb) to score with covariates."
        )


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
    if model not in ("bgnbd", "mbgnbd", "paretonbd"):
        raise InputError(f"--model must be bgnbd, mbgnbd or paretonbd; got {model!r}.")
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
    eng: Engine,
    *,
    until: date,
    unit: Unit,
    merge_day: bool = True,
    stage: bool = False,
    kept_batch: int | None = None,
) -> int | None:
    """Make the per-customer summary readable as ``_summary`` in the engine.

    With ``stage`` (the score) the summary is staged as the workspace table
    ``customer_value``, every customer in it (those without orders added only when customers
    outnumber the summary's rows: orders ingest adds every customer it meets), and
    ``_summary`` is a view of its rows with a history; otherwise it is a temporary table.
    With ``kept_batch`` (DuckDB, :func:`legame.kept_summary.kept_batch`) the stored
    ``customer_value`` is as of that import batch and its rows are kept but for the
    customers whose orders changed since: then returns how many were summarised again
    (otherwise None).
    """
    start_of_until = datetime.combine(until, datetime.min.time())
    end = start_of_until if merge_day else start_of_until + timedelta(days=1)
    params: dict[str, sql.Param] = {
        "until": start_of_until,
        "end": end,
        "unit_days": UNIT_DAYS[unit],
        "merge_day": merge_day,
    }
    if not stage:
        summary_plan.keep_summary(eng, "_summary", **params)
        return None
    touched = None
    if kept_batch is not None and isinstance(eng, DuckDBEngine):
        rows, touched = kept.stage_kept(eng, kept_batch, **params)
        add_customers_without_orders(eng, rows)
    else:
        add_customers_without_orders(
            eng, summary_plan.stage_summary(eng, "customer_value", **params)
        )
    eng.alias("_summary", sql.render("customer_value_with_history"))
    return touched


def stage_customer_value(eng: Engine, query: str, **params: sql.Param) -> None:
    """Stage ``customer_value`` from a query of the summary's rows, with every customer
    without orders added (:func:`add_customers_without_orders`)."""
    add_customers_without_orders(eng, eng.stage("customer_value", query, append=False, **params))


def stage_beside(eng: DuckDBEngine, *, until: date) -> None:
    """Stage ``customer_value`` from the summary kept as ``_summary``, and ``customer_voice``
    (which needs neither the fits nor the summary) as of ``until``, on a thread of its own
    while the models are fitted and predict (which use no engine until it is done), then
    have their pages written to disk there (:meth:`DuckDBEngine.flush_written`), so that the
    commit has only the rest to write.

    DuckDB's write of the summary to the workspace takes a quarter of the time of making it,
    and the fits and predictions are mostly NumPy work on one core; side by side they share
    the machine's cores. At 10M orders (2.2M customers) the whole score took 2.70 s so,
    against 2.77 s with the summary staged first (medians of eight processes; 4.73 against
    4.61 CPU-seconds: the summary is copied once more). At 50M orders the two were alike
    (10.9 and 12.8 s against 11.0 and 11.0 s). The flush took the score from 2.65 s to
    2.54 s at 10M orders (the write step from 0.25 to 0.19 s; medians of nine processes,
    interleaved)."""
    stage_customer_value(eng, "customer_value_from_summary")
    eng.stage("customer_voice", "customer_voice", append=False, **voice_params(until))
    eng.flush_written()
    reached("score.staged")


def add_customers_without_orders(eng: Engine, rows: int) -> None:
    """Add to the staged ``customer_value`` of ``rows`` rows every customer without orders,
    only when customers outnumber those rows (orders ingest adds every customer it meets)."""
    if rows < eng.query("customer_count").column(0)[0].as_py():
        eng.stage("customer_value", "customers_without_orders", append=True)


def fit_store(
    workspace: Workspace,
    *,
    model: ModelName = "bgnbd",
    until: date | None = None,
    unit: Unit = "week",
    merge_day: bool = True,
    penalizer: float | None = None,
) -> tuple[date, PurchaseModel, GammaGamma | None]:
    """Fit the purchase and spend models on the store's orders up to ``until``
    (:func:`fit_models`)."""
    _check(model, unit, 365, 0.0, 1.0)
    _check_penalizer(penalizer)
    until = until or last_order_day(workspace)
    eng = DuckDBEngine(workspace)
    histories, spend = summarize(eng, until=until, unit=unit, merge_day=merge_day)
    eng.drop("_summary")
    if histories.num_rows == 0:
        raise InputError(f"No completed orders on or before {until}.")
    return (until, *fit_models(histories, spend, model, penalizer=penalizer))


def _check_penalizer(penalizer: float | None) -> None:
    if penalizer is not None and not (np.isfinite(penalizer) and penalizer >= 0):
        raise InputError(f"--penalizer must be a number >= 0, e.g. 0.01; got {penalizer}.")


def fit_models(
    histories: pa.Table,
    spend: pa.Table,
    model: ModelName = "bgnbd",
    *,
    penalizer: float | None = None,
) -> tuple[PurchaseModel, GammaGamma | None]:
    """Fit the purchase model on weighted distinct histories, and Gamma-Gamma on spend.

    Both by :func:`legame.models.robust.fit_robust`: where the likelihood is flat or peaks on
    a boundary (a young or small shop), a reduced or penalised model, named by the model's
    ``fit_status_``. ``penalizer`` is the purchase model's first penalty (None: 0); the spend
    model starts without one (its penalty would depend on the currency)."""
    _check_penalizer(penalizer)
    cols = {name: to_numpy(histories.column(name)) for name in ("frequency", "recency", "T", "n")}
    kinds = {"bgnbd": BetaGeo, "mbgnbd": ModifiedBetaGeo, "paretonbd": ParetoNBD}
    purchase: PurchaseModel = fit_robust(
        kinds[model],
        cols["frequency"],
        cols["recency"],
        cols["T"],
        weights=cols["n"],
        penalizer=penalizer,
    )
    spend_model = None
    if spend.num_rows >= 3:
        spend_model = fit_robust(
            GammaGamma,
            to_numpy(spend.column("frequency")),
            to_numpy(spend.column("monetary_value")),
            weights=to_numpy(spend.column("n")),
        )
    return purchase, spend_model


def predictions(
    model: PurchaseModel,
    histories: pa.Table,
    *,
    unit: Unit,
    horizon_days: int,
    discount_rate: float,
    intervals: bool = True,
) -> pa.Table:
    """Per distinct history: expected purchases in the horizon, P(alive), discounted
    expected purchases (CLV per unit of spend and margin), and the expected gap between
    purchases while alive (posterior mean of 1/λ's reciprocal), all in the summary's unit;
    then P(no purchase in the horizon), the 90 % predictive interval of the purchases there,
    and the standard deviation of ln(discounted purchases) from the fit's covariance
    (:func:`legame.models.clv.horizon_table`; NULL where the fit has none).

    ``intervals=False`` leaves those last four NULL, not computed (``legame bench`` measures
    what they cost)."""
    f = to_numpy(histories.column("frequency")).astype(float)
    r = to_numpy(histories.column("recency"))
    t_ = to_numpy(histories.column("T"))
    if not intervals:
        return _without_intervals(model, histories, (f, r, t_), unit, horizon_days, discount_rate)
    table = horizon_table(
        model,
        f,
        r,
        t_,
        t=horizon_days / UNIT_DAYS[unit],
        horizon=max(1, round(horizon_days / (DAYS_PER_YEAR / 12))),
        periods_per_year=DAYS_PER_YEAR / UNIT_DAYS[unit],
        discount_rate=discount_rate,
        level=INTERVAL_LEVEL,
    )
    spread = table.discounted_log_sd
    return pa.table(
        {
            "frequency": histories.column("frequency"),
            "recency": histories.column("recency"),
            "T": histories.column("T"),
            "expected_purchases": to_arrow(table.expected),
            "p_alive": to_arrow(table.alive),
            "discounted_purchases": to_arrow(table.discounted),
            "expected_gap": to_arrow(expected_gap(model, f, t_)),
            "p_no_purchase": to_arrow(table.p_no_purchase),
            "purchases_low": to_arrow(table.purchases_low, pa.int32()),
            "purchases_high": to_arrow(table.purchases_high, pa.int32()),
            "discounted_log_sd": to_arrow(spread, null=~np.isfinite(spread)),
        }
    )


def _without_intervals(
    model: PurchaseModel,
    histories: pa.Table,
    columns: tuple[np.ndarray, np.ndarray, np.ndarray],
    unit: Unit,
    horizon_days: int,
    discount_rate: float,
) -> pa.Table:
    """:func:`predictions` with P(no purchase) and the intervals NULL, not computed;
    ``columns`` are the histories' frequency, recency and T as :func:`predictions` read them."""
    f, r, t_ = columns
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
    n = histories.num_rows
    return pa.table(
        {
            "frequency": histories.column("frequency"),
            "recency": histories.column("recency"),
            "T": histories.column("T"),
            "expected_purchases": to_arrow(expected),
            "p_alive": to_arrow(alive),
            "discounted_purchases": to_arrow(discounted),
            "expected_gap": to_arrow(expected_gap(model, f, t_)),
            "p_no_purchase": pa.nulls(n, pa.float64()),
            "purchases_low": pa.nulls(n, pa.int32()),
            "purchases_high": pa.nulls(n, pa.int32()),
            "discounted_log_sd": pa.nulls(n, pa.float64()),
        }
    )


def score(
    workspace: Workspace,
    *,
    engine: EngineName = "duckdb",
    model: ModelName | Literal["auto"] = "bgnbd",
    until: date | None = None,
    unit: Unit = "week",
    horizon_days: int = 365,
    discount_rate: float = 0.10,
    margin: float = 1.0,
    merge_day: bool = True,
    progress: Callable[[str], None] | None = None,
    engine_options: Mapping[str, object] | None = None,
    penalizer: float | None = None,
    intervals: bool = True,
    covariates: Covariates | None = None,
    keep_summary: bool = True,
) -> ScoreReport:
    """Fit the models on the store's orders and (re)build ``customer_scores``.

    ``model="auto"`` uses the model that holdout validation ranks best on the workspace's
    own history (:func:`legame.validation.choose_model`); the report says which and why.
    ``intervals=False`` (``legame bench`` only) leaves P(no purchase) and the intervals of
    purchases and CLV empty, to measure what they cost. With ``covariates`` (BG/NBD on
    DuckDB; :func:`legame.covariates.score_with_covariates`) the summary is kept aside, the
    covariate models are fitted on it, and ``customer_value`` is staged with each customer's
    covariate pattern, the key of the predictions beside the history. The last score's
    summary is kept where it may be (:mod:`legame.kept_summary`), unless ``keep_summary`` is
    false: then every order is read."""
    if covariates is not None:
        check_covariate_options(model, engine)
    choice = None
    if model == "auto":
        from legame.validation import choose_model

        choice = choose_model(workspace, until=until, unit=unit, merge_day=merge_day)
        model = choice.model
    _check(model, unit, horizon_days, discount_rate, margin)
    _check_penalizer(penalizer)
    future = 0 if until else cutoff.future_orders(workspace)
    until = until or last_order_day(workspace)
    report = ScoreReport(
        engine, until, unit, horizon_days, discount_rate, margin, future_orders=future
    )
    report.model_choice = None if choice is None else choice.to_dict()
    step = _Stopwatch(report, progress)
    options = dict(engine_options or {})
    if engine == "duckdb":
        options.setdefault("memory_limit", score_memory_limit())
    # One writer at a time: the DuckDB engine's transaction stays open from the summary
    # to the write.
    with workspace.writing(), storage_errors(workspace.path):
        eng = engine_for(workspace, engine, **options)
        try:
            # Two threads beside this one: the RFM cuts, and the staging of the summary.
            with ThreadPoolExecutor(2) as pool:
                plain = covariates is None
                staged: Future[None] | None = None
                with step("summary"):
                    # Whether the stored summary may be kept, and this one kept next time.
                    orders_batch = kept.last_batch(workspace)
                    reusable = plain and merge_day and kept.complete(workspace, until)
                    kept_batch = (
                        kept.kept_batch(workspace, complete_now=reusable, merge_day=merge_day)
                        if plain and keep_summary
                        else None
                    )
                    # Every order read on DuckDB: the summary is kept aside and staged beside
                    # the fits (stage_beside); otherwise staged here.
                    beside = plain and kept_batch is None and isinstance(eng, DuckDBEngine)
                    report.summarised_again = summary_table(
                        eng,
                        until=until,
                        unit=unit,
                        merge_day=merge_day,
                        stage=plain and not beside,
                        kept_batch=kept_batch,
                    )
                    if plain and not beside:
                        reached("score.staged")
                    # The RFM keys come out of the engine here, on its connection; where their
                    # quintiles start is NumPy and Arrow work that releases the GIL, done on the
                    # pool beside the engine's counts, the fits and the predictions.
                    cuts = pool.submit(rfm_cuts, eng.query("rfm_keys"))
                    if covariates is None:
                        histories, spend = eng.query("history_counts"), eng.query("spend_counts")
                        if histories.num_rows == 0:
                            raise InputError(
                                f"No completed orders on or before {until}: nothing to score."
                            )
                    if beside:
                        assert isinstance(eng, DuckDBEngine)
                        staged = pool.submit(stage_beside, eng, until=until)
                fitted: tuple[BaseModel, BaseModel | None]
                with step("fit"):
                    if covariates is None:
                        fitted = fit_models(histories, spend, model, penalizer=penalizer)
                    else:
                        fitted = covariates.fit(
                            eng, until=until, unit=unit, merge_day=merge_day, penalizer=penalizer
                        )
                purchase, spend_model = fitted
                reached("score.fitted")
                report.purchase_model, report.spend_model = purchase, spend_model
                if spend_model is None:
                    raise InputError("Too few repeat customers (< 3) to fit the spend model.")
                with step("predict"):
                    if covariates is None:
                        assert isinstance(purchase, PurchaseModel)
                        table = predictions(
                            purchase,
                            histories,
                            unit=unit,
                            horizon_days=horizon_days,
                            discount_rate=discount_rate,
                            intervals=intervals,
                        )
                    else:
                        table, patterns = covariates.predictions(
                            unit=unit, horizon_days=horizon_days, discount_rate=discount_rate
                        )
                        eng.put("_patterns", patterns)
                        stage_customer_value(eng, "covariates/customer_value")
                        reached("score.staged")
                        report.covariates = covariates.to_dict()
                    if staged is not None:
                        staged.result()
                    eng.put("_predictions", table)
                with step("write"):  # with what is left of finding the RFM cuts
                    written = write_scores(
                        eng,
                        until=until,
                        spend=spend_model.params_,
                        margin=margin,
                        cuts=cuts.result(),
                        spend_cov=spend_model.cov_[:3, :3],
                        history=f"{'' if plain else 'covariates/'}history_predictions",
                        basis=kept.basis_params(
                            eng, until=until, orders_batch=orders_batch, reusable=reusable
                        ),
                        voice_staged=staged is not None,
                    )
                    report.rows = written["customer_value"]
            for name in ("_summary", "_predictions", *(() if plain else ("_patterns",))):
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
    spend_cov: np.ndarray | None = None,
    history: str = "history_predictions",
    basis: Mapping[str, sql.Param] | None = None,
    voice_staged: bool = False,
) -> dict[str, int]:
    """The score's write, after ``customer_value`` is staged and ``_predictions`` put:
    ``history_predictions`` (by the query ``history``: ``covariates/history_predictions``
    with covariates), ``customer_voice`` and the view ``customer_scores`` (with
    Gamma-Gamma's parameters ``spend`` and its covariance ``spend_cov`` in log parameters, the
    margin and the RFM cuts as literals), committed with the staged table; the voice's
    windows end at midnight after ``until``. Without a (finite) covariance the CLV interval
    is empty. With them, ``customer_value_basis`` (``basis``: the parameters of
    :data:`legame.kept_summary.BASIS_QUERY`; without, a basis the next score does not keep).
    With ``voice_staged`` ``customer_voice`` is staged already (:func:`stage_beside`).
    Returns the rows per table."""
    if basis is None:
        basis = {"basis_until": until, "basis_batch": 0, "basis_reusable": False}
    tables = {"history_predictions": history, kept.BASIS: kept.BASIS_QUERY}
    if not voice_staged:
        tables["customer_voice"] = "customer_voice"
    return eng.write(
        tables,
        views={"customer_scores": "customer_scores"},
        **voice_params(until),
        p=spend["p"],
        q=spend["q"],
        gamma=spend["gamma"],
        margin=margin,
        connected_index=float(d.CONNECTION_THRESHOLD),
        interval_z=NormalDist().inv_cdf(0.5 + INTERVAL_LEVEL / 2),
        **spend_covariance(spend_cov),
        **cuts,
        **basis,
    )


def voice_params(until: date) -> dict[str, int | datetime]:
    """The parameters of ``customer_voice`` for a score to the ``until`` day: its windows end
    at midnight after it."""
    return d.voice_params(datetime.combine(until + timedelta(days=1), datetime.min.time()))


def spend_covariance(cov: np.ndarray | None) -> dict[str, sql.Param]:
    """The view's ``spend_cov_*`` literals: Gamma-Gamma's covariance in ln(p, q, gamma), or
    NULLs when there is none."""
    names = "pqg"
    finite = cov is not None and bool(np.all(np.isfinite(cov)))
    return {
        f"spend_cov_{names[i]}{names[j]}": float(cov[i, j]) if finite and cov is not None else None
        for i in range(3)
        for j in range(i, 3)
    }


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
