"""Holdout validation of the purchase models: ``legame clv validate`` and ``score --model auto``.

Fit on the orders up to a cutoff (the calibration period), predict what each customer of
that cohort buys from the day after it to a later day (the holdout), and compare with what
they bought:

* predicted and actual repeat purchases, in total and by calibration frequency (0, 1, ...,
  7+: the table of Fader, Hardie & Lee 2005, figure 4, :func:`legame.models.holdout_table`);
* the tracking curves: the cohort's repeat purchases per week and cumulated, from its first
  purchase to the end of the holdout, against what the model expects of customers of those
  ages (its expected purchases curve of a new customer; FHL 2005, figures 2 and 3);
* the mean absolute error of each customer's holdout purchases, overall and by the RFM
  segment the customer had at the cutoff;
* how well P(alive) ranks the customers who then buy nothing in the holdout (the AUC of
  1 - P(alive)), and, where the model gives the distribution of future purchases, how well
  the probability of no purchase in the holdout does.

Each model is fitted as ``score`` fits it (:func:`legame.models.robust.fit_robust`): where
the likelihood is flat (a young or small shop) it falls back to a reduced or penalised model
and ``fit_status`` says which.

The counts come from the engine (the named queries in ``legame/sql/validate``) grouped into
distinct (history, segment, holdout purchases) rows with their customer counts: the cost
grows with distinct histories, not with customers.

**Which model forecasts best**: the lowest mean absolute error per customer; models within
1e-4 of it are tied, and the tie goes to the smallest total error |predicted - actual|, then
to the first of bgnbd, mbgnbd, paretonbd (equal forecasts: fits that fell back to the same
reduced model).

**``score --model auto``** (:func:`choose_model`) validates every model on a holdout cut from
the workspace's own history: the last quarter of the days from the first completed order to
the cutoff, at least 28 days, with at least 28 days of calibration before it. A shorter
history, or no model that fits, gets BG/NBD, and the choice says why.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal, get_args

import numpy as np
import pyarrow as pa

from legame import sql
from legame.engine import DuckDBEngine
from legame.errors import ConvergenceError, InputError
from legame.metrics import cutoff
from legame.metrics import definitions as d
from legame.metrics.rfm import rfm_cuts
from legame.metrics.stats import auc_from_counts
from legame.models import BetaGeo, ModifiedBetaGeo, ParetoNBD, holdout_table
from legame.models.base import PurchaseModel
from legame.models.clv import expected_gap
from legame.models.robust import fit_robust
from legame.store import Workspace
from legame.summary_plan import keep_summary

ValidatedModel = Literal["bgnbd", "mbgnbd", "paretonbd"]
MODELS: tuple[ValidatedModel, ...] = get_args(ValidatedModel)
#: The purchase models validation fits: each has ``expected_purchases`` (a new customer's curve).
Fitted = BetaGeo | ModifiedBetaGeo | ParetoNBD
MODEL_TYPES: dict[str, type[Fitted]] = {
    "bgnbd": BetaGeo,
    "mbgnbd": ModifiedBetaGeo,
    "paretonbd": ParetoNBD,
}
UNIT_DAYS: dict[str, float] = {"day": 1.0, "week": 7.0}
#: Calibration frequencies 0 .. MAX_FREQUENCY-1 have a row each, the rest share "7+".
MAX_FREQUENCY = 7
#: Mean absolute errors closer than this are a tie (broken by the total error).
MAE_TIE = 1e-4
#: score --model auto: the holdout is this share of the history, at least MIN_DAYS days,
#: and the calibration before it at least MIN_DAYS days.
AUTO_HOLDOUT_SHARE = 0.25
MIN_DAYS = 28
#: score --model auto on a history too short to cut a holdout from, or when no model fits.
FALLBACK: ValidatedModel = "bgnbd"


@dataclass(frozen=True)
class ModelValidation:
    """One model's forecast of the holdout against what happened."""

    model: str
    params: dict[str, float]
    converged: bool
    #: How the model was fitted (:func:`legame.models.robust.fit_robust`): "converged", or
    #: the penalised or reduced model it fell back to.
    fit_status: str
    loglik: float
    predicted_total: float
    actual_total: float
    mae: float
    #: How well each ranking finds the customers who bought nothing in the holdout (AUC,
    #: ties one half): churn risk (the customers ordered by the label, high, medium, low, by
    #: the rule the scores use, and within a level by the probability of no purchase it
    #: comes from), the label alone, 1 - P(alive), and the probability of no purchase in the
    #: holdout.
    churn_auc: float | None
    churn_label_auc: float | None
    p_alive_auc: float | None
    p_no_purchase_auc: float | None
    #: Customers per churn risk level at the cutoff, and their holdout purchases.
    churn_levels: list[dict[str, Any]]
    by_frequency: list[dict[str, Any]]
    by_segment: list[dict[str, Any]]
    tracking: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        error = self.predicted_total - self.actual_total
        return {
            "model": self.model,
            "params": self.params,
            "converged": self.converged,
            "fit_status": self.fit_status,
            "loglik": self.loglik,
            "predicted_total": self.predicted_total,
            "actual_total": self.actual_total,
            "total_error": error,
            "relative_error": error / self.actual_total if self.actual_total else None,
            "mae": self.mae,
            "churn_auc": self.churn_auc,
            "churn_label_auc": self.churn_label_auc,
            "p_alive_auc": self.p_alive_auc,
            "p_no_purchase_auc": self.p_no_purchase_auc,
            "churn_levels": self.churn_levels,
            "by_frequency": self.by_frequency,
            "by_segment": self.by_segment,
            "tracking": self.tracking,
        }


@dataclass
class Validation:
    """What :func:`validate` found: the split, every model's results and the best one."""

    until: date
    holdout_until: date
    unit: str
    merge_day: bool
    customers: int
    holdout_periods: float
    models: list[ModelValidation] = field(default_factory=list)
    #: Models that could not be fitted on the calibration period, with the reason.
    failed: dict[str, str] = field(default_factory=dict)
    best: str | None = None
    best_reason: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data: a number that cannot be computed (the mean of an empty group, a
        model without a log-likelihood) is None."""
        return _finite(
            {
                "until": self.until.isoformat(),
                "holdout_until": self.holdout_until.isoformat(),
                "unit": self.unit,
                "merge": "day" if self.merge_day else "none",
                "customers": self.customers,
                "holdout_periods": self.holdout_periods,
                "models": [m.to_dict() for m in self.models],
                "failed": self.failed,
                "best": self.best,
                "best_reason": self.best_reason,
                "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
            }
        )


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


@dataclass(frozen=True)
class ModelChoice:
    """What ``score --model auto`` chose, and why."""

    model: ValidatedModel
    reason: str
    until: date | None = None
    holdout_until: date | None = None
    mae: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "reason": self.reason,
            "until": None if self.until is None else self.until.isoformat(),
            "holdout_until": None if self.holdout_until is None else self.holdout_until.isoformat(),
            "mae": self.mae,
        }


# -- the data --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Holdout:
    """Distinct (history, segment, holdout purchases) rows with their customer counts, and
    what the tracking curves need (days counted from the cohort's first purchase day)."""

    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    segment: np.ndarray
    holdout: np.ndarray
    poor_tickets: np.ndarray  # 1: a poor ticket in the 90 days before the cutoff
    n: np.ndarray
    histories: tuple[np.ndarray, ...]  # distinct (x, t_x, T) and their customers: the fits'
    origin: date
    start_days: np.ndarray  # first purchase day of each group of the cohort
    start_counts: np.ndarray
    repeat_days: np.ndarray  # days with repeat purchases of the cohort
    repeat_counts: np.ndarray
    calibration_days: int  # days from the origin to the end of the cutoff day
    end_days: int  # ... to the end of the holdout's last day


def _column(table: pa.Table, name: str) -> np.ndarray:
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False))


def _gather(
    workspace: Workspace, *, until: date, holdout_until: date, unit: str, merge_day: bool
) -> _Holdout:
    """Summarise the calibration period and count the holdout in the engine."""
    start_of_until = datetime.combine(until, datetime.min.time())
    holdout_end = datetime.combine(holdout_until + timedelta(days=1), datetime.min.time())
    eng = DuckDBEngine(workspace)
    try:
        keep_summary(
            eng,
            "_summary",
            until=start_of_until,
            end=start_of_until if merge_day else start_of_until + timedelta(days=1),
            unit_days=UNIT_DAYS[unit],
            merge_day=merge_day,
        )
        as_of = datetime.combine(until + timedelta(days=1), datetime.min.time())
        eng.keep("_voice", "customer_voice", **d.voice_params(as_of))
        rows = eng.query(
            "validate/holdout_histories",
            until=start_of_until,
            holdout_end=holdout_end,
            merge_day=merge_day,
            **rfm_cuts(eng.query("rfm_keys")),
        )
        histories = eng.query("history_counts")
        starts = eng.query("validate/cohort_starts")
        repeats = eng.query("validate/weekly_repeats", holdout_end=holdout_end, merge_day=merge_day)
    finally:
        eng.drop("_summary")
        eng.drop("_voice")
        eng.close()
    if rows.num_rows == 0:
        raise InputError(
            f"No completed orders on or before {until}: nothing to calibrate on. "
            "Pass an --until after the first orders."
        )
    first_days = starts.column("first_day").to_pylist()
    origin = min(first_days)

    def offsets(days: list[date]) -> np.ndarray:
        return np.array([(d - origin).days for d in days], dtype=np.int64)

    return _Holdout(
        x=_column(rows, "frequency").astype(np.float64),
        t_x=_column(rows, "recency").astype(np.float64),
        T=_column(rows, "T").astype(np.float64),
        segment=_column(rows, "segment").astype(str),
        holdout=_column(rows, "holdout").astype(np.float64),
        poor_tickets=_column(rows, "poor_tickets_90d").astype(np.int64),
        n=_column(rows, "n").astype(np.float64),
        histories=tuple(
            _column(histories, name).astype(np.float64)
            for name in ("frequency", "recency", "T", "n")
        ),
        origin=origin,
        start_days=offsets(first_days),
        start_counts=_column(starts, "customers").astype(np.float64),
        repeat_days=offsets(repeats.column("day").to_pylist()),
        repeat_counts=_column(repeats, "purchases").astype(np.float64),
        calibration_days=(until - origin).days + 1,
        end_days=(holdout_until - origin).days + 1,
    )


# -- the measures ----------------------------------------------------------------------------


def weighted_auc(score: np.ndarray, outcome: np.ndarray, weights: np.ndarray) -> float | None:
    """AUC of ``score`` for a 0/1 ``outcome`` with each row standing for ``weights`` customers
    (ties one half): :func:`legame.metrics.stats.auc_from_counts` over the distinct scores.
    None when either class is empty."""
    levels, index = np.unique(score, return_inverse=True)
    pos = np.bincount(index, weights * outcome, minlength=levels.size)
    neg = np.bincount(index, weights * (1 - outcome), minlength=levels.size)
    value = float(auc_from_counts(pos, neg))
    return None if np.isnan(value) else value


def _p_no_purchase(model: PurchaseModel, data: _Holdout, t: float) -> np.ndarray | None:
    """P(no purchase in the holdout | history) from the model's distribution of future
    purchases, for the models that have one."""
    pmf = getattr(model, "_purchase_pmf", None)
    if pmf is None:
        return None
    try:
        return np.asarray(pmf(data.x, data.t_x, data.T, t, 1)[:, 0], dtype=np.float64)
    except NotImplementedError:
        return None


def _tracking(
    model: Fitted, data: _Holdout, unit_days: float, actual: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Per week from the cohort's first purchase day: the model's expected repeat purchases of
    the cohort (each customer a new customer from their first purchase day) beside the actual
    ones, weekly and cumulated."""
    ages = np.arange(data.end_days + 1, dtype=np.float64) / unit_days
    curve = np.asarray(model.expected_purchases(ages), dtype=np.float64)
    out = []
    for week in actual:
        end = week["end_day"]
        elapsed = np.clip(end - data.start_days, 0, None)
        out.append({**week, "predicted_cumulative": float(curve[elapsed] @ data.start_counts)})
    previous = 0.0
    for row in out:
        row["predicted"] = row["predicted_cumulative"] - previous
        previous = row["predicted_cumulative"]
    return [{k: v for k, v in row.items() if k != "end_day"} for row in out]


def _actual_weeks(data: _Holdout) -> list[dict[str, Any]]:
    rows = []
    cumulative = 0.0
    for start in range(0, data.end_days, 7):
        end = min(start + 7, data.end_days)
        inside = (data.repeat_days >= start) & (data.repeat_days < end)
        weekly = float(data.repeat_counts[inside].sum())
        cumulative += weekly
        rows.append(
            {
                "week": start // 7 + 1,
                "start": (data.origin + timedelta(days=start)).isoformat(),
                "days": end - start,  # 7 but in a last, partial week
                "holdout": start >= data.calibration_days,
                "actual": weekly,
                "actual_cumulative": cumulative,
                "end_day": end,
            }
        )
    return rows


def _by_segment(predicted: np.ndarray, data: _Holdout, errors: np.ndarray) -> list[dict[str, Any]]:
    names, index = np.unique(data.segment, return_inverse=True)
    customers = np.bincount(index, data.n)
    actual = np.bincount(index, data.n * data.holdout)
    forecast = np.bincount(index, data.n * predicted)
    absolute = np.bincount(index, data.n * errors)
    return [
        {
            "segment": str(name),
            "customers": float(customers[i]),
            "actual": float(actual[i]),
            "predicted": float(forecast[i]),
            "mae": float(absolute[i] / customers[i]),
        }
        for i, name in sorted(enumerate(names), key=lambda item: -customers[item[0]])
    ]


#: The churn risk labels, from the least to the most at risk.
CHURN_LEVELS = ("low", "medium", "high")


def churn_risk(workspace: Workspace, risk: pa.Table) -> np.ndarray:
    """The churn risk label of each row of ``risk`` (``p_no_purchase``, ``expected_gap``,
    ``recency``, ``T``, ``poor_tickets_90d``) by the rule of the
    scores (``sql/defs/churn_risk.sql``), as its level in :data:`CHURN_LEVELS`."""
    eng = DuckDBEngine(workspace)
    try:
        eng.put("_risk", risk.append_column("i", pa.array(np.arange(risk.num_rows))))
        labels = eng.query("validate/churn_risk").column("churn_risk").to_pylist()
    finally:
        eng.drop("_risk")
        eng.close()
    return np.array([CHURN_LEVELS.index(label) for label in labels], dtype=np.int64)


def _churn_levels(level: np.ndarray, data: _Holdout) -> list[dict[str, Any]]:
    customers = np.bincount(level, data.n, minlength=len(CHURN_LEVELS))
    purchases = np.bincount(level, data.n * data.holdout, minlength=len(CHURN_LEVELS))
    none = np.bincount(level, data.n * (data.holdout == 0), minlength=len(CHURN_LEVELS))
    return [
        {
            "churn_risk": name,
            "customers": float(customers[i]),
            "holdout_purchases": float(purchases[i]),
            "no_purchase_share": float(none[i] / customers[i]) if customers[i] else None,
        }
        for i, name in enumerate(CHURN_LEVELS)
    ]


def _evaluate(
    workspace: Workspace, name: str, model: Fitted, data: _Holdout, t: float, unit_days: float
) -> ModelValidation:
    table = holdout_table(
        model,
        data.x,
        data.t_x,
        data.T,
        data.holdout,
        t,
        weights=data.n,
        max_frequency=MAX_FREQUENCY,
    )
    predicted = model._purchase_curve(data.x, data.t_x, data.T)(t)
    errors = np.abs(predicted - data.holdout)
    customers = float(data.n.sum())
    none_bought = (data.holdout == 0).astype(np.float64)
    alive = model._alive(data.x, data.t_x, data.T)
    p0 = _p_no_purchase(model, data, t)
    level = None
    if p0 is not None:
        level = churn_risk(
            workspace,
            pa.table(
                {
                    "p_no_purchase": p0,
                    "expected_gap": expected_gap(model, data.x, data.T),
                    "recency": data.t_x,
                    "T": data.T,
                    "poor_tickets_90d": data.poor_tickets,
                }
            ),
        )
    return ModelValidation(
        model=name,
        params=dict(model.params_),
        converged=bool(model.converged_),
        fit_status=str(getattr(model, "fit_status_", "converged")),
        loglik=float(model.loglik_),
        predicted_total=table.total_predicted,
        actual_total=table.total_actual,
        mae=float(data.n @ errors / customers),
        churn_auc=None if level is None else weighted_auc(2 * level + p0, none_bought, data.n),
        churn_label_auc=None if level is None else weighted_auc(level, none_bought, data.n),
        p_alive_auc=weighted_auc(1.0 - alive, none_bought, data.n),
        p_no_purchase_auc=None if p0 is None else weighted_auc(p0, none_bought, data.n),
        churn_levels=[] if level is None else _churn_levels(level, data),
        by_frequency=table.rows(),
        by_segment=_by_segment(predicted, data, errors),
        tracking=_tracking(model, data, unit_days, _actual_weeks(data)),
    )


def rank(results: Sequence[ModelValidation]) -> tuple[str | None, str]:
    """The model that forecasts best, and why: the lowest mean absolute error per customer;
    within :data:`MAE_TIE` of it, the smallest total error |predicted - actual|; and between
    equal forecasts (fits that fell back to the same reduced model) the first of
    :data:`MODELS`."""
    if not results:
        return None, "no model could be fitted on the calibration period"
    low = min(r.mae for r in results)
    tied = [r for r in results if r.mae - low <= MAE_TIE]
    order: dict[str, int] = {name: i for i, name in enumerate(MODELS)}
    best = min(
        tied,
        key=lambda r: (round(abs(r.predicted_total - r.actual_total), 6), order.get(r.model, 0)),
    )
    if len(results) == 1:
        return best.model, "the only model validated"
    others = ", ".join(f"{r.model} {r.mae:.4f}" for r in results if r is not best)
    reason = f"lowest mean absolute error per customer ({best.mae:.4f}; {others})"
    if len(tied) > 1:
        reason += (
            f", tied with {', '.join(r.model for r in tied if r is not best)} and the smallest "
            f"total error ({best.predicted_total - best.actual_total:+,.1f} purchases)"
        )
    return best.model, reason


# -- the commands ----------------------------------------------------------------------------


def _models(model: str | Sequence[str]) -> list[ValidatedModel]:
    names = list(MODELS) if model == "all" else [model] if isinstance(model, str) else model
    for name in names:
        if name not in MODELS:
            raise InputError(f"--model must be bgnbd, mbgnbd, paretonbd or all; got {name!r}.")
    return [n for n in MODELS if n in names]


def validate(
    workspace: Workspace,
    *,
    until: date,
    holdout_until: date | None = None,
    model: str | Sequence[str] = "bgnbd",
    unit: str = "week",
    merge_day: bool = True,
    today: date | None = None,
) -> Validation:
    """Fit each model (``"all"``, one of :data:`MODELS` or a list) on the orders up to
    ``until`` and compare its forecast with the purchases from the day after it to
    ``holdout_until`` (default: the day of the latest completed order,
    :func:`legame.metrics.cutoff.last_order_day`)."""
    names = _models(model)
    if unit not in UNIT_DAYS:
        raise InputError(f"--unit must be day or week; got {unit!r}.")
    holdout_until = holdout_until or cutoff.last_order_day(workspace, today=today)
    if holdout_until is None or holdout_until <= until:
        raise InputError(
            f"The holdout must end after --until {until}; it ends on "
            f"{holdout_until or 'no day (there are no orders)'}. Pass an earlier --until or "
            "a later --holdout-until."
        )
    started = time.perf_counter()
    data = _gather(
        workspace, until=until, holdout_until=holdout_until, unit=unit, merge_day=merge_day
    )
    unit_days = UNIT_DAYS[unit]
    t = (holdout_until - until).days / unit_days
    result = Validation(
        until=until,
        holdout_until=holdout_until,
        unit=unit,
        merge_day=merge_day,
        customers=int(data.n.sum()),
        holdout_periods=t,
    )
    result.timings["data"] = time.perf_counter() - started
    for name in names:
        started = time.perf_counter()
        try:
            x, t_x, T, counts = data.histories
            fitted = fit_robust(MODEL_TYPES[name], x, t_x, T, weights=counts)
        except ConvergenceError as exc:
            if len(names) == 1:
                raise
            result.failed[name] = str(exc).splitlines()[0]
            continue
        result.models.append(_evaluate(workspace, name, fitted, data, t, unit_days))
        result.timings[name] = time.perf_counter() - started
    result.best, result.best_reason = rank(result.models)
    return result


def auto_split(
    workspace: Workspace, *, until: date | None = None, today: date | None = None
) -> tuple[date, date] | None:
    """The calibration cutoff and the holdout's last day that ``score --model auto`` uses:
    the last quarter of the days from the first completed order to ``until`` (default: the
    latest order day), at least :data:`MIN_DAYS`; None when the history is too short for
    :data:`MIN_DAYS` days of calibration before such a holdout."""
    last = until or cutoff.last_order_day(workspace, today=today)
    if last is None:
        return None
    before = datetime.combine(last + timedelta(days=1), datetime.min.time())
    first = workspace.con.execute(sql.render("validate/first_order_day", before=before)).fetchall()[
        0
    ][0]
    if first is None:
        return None
    span = (last - first).days + 1
    holdout = max(MIN_DAYS, round(AUTO_HOLDOUT_SHARE * span))
    if span - holdout < MIN_DAYS:
        return None
    return last - timedelta(days=holdout), last


def choose_model(
    workspace: Workspace,
    *,
    until: date | None = None,
    unit: str = "week",
    merge_day: bool = True,
    today: date | None = None,
) -> ModelChoice:
    """The model ``score --model auto`` uses: the one :func:`validate` ranks best on a holdout
    cut from the workspace's own history (:func:`auto_split`), or :data:`FALLBACK` with the
    reason when there is too little history or no model fits."""
    split = auto_split(workspace, until=until, today=today)
    if split is None:
        return ModelChoice(
            FALLBACK,
            f"{FALLBACK} by default: the history is too short to cut a holdout from "
            f"(at least {2 * MIN_DAYS} days of orders are needed)",
        )
    calibration_end, holdout_end = split
    found = validate(
        workspace,
        until=calibration_end,
        holdout_until=holdout_end,
        model="all",
        unit=unit,
        merge_day=merge_day,
    )
    mae = {m.model: m.mae for m in found.models}
    first_holdout_day = calibration_end + timedelta(days=1)
    span = f"fitted to {calibration_end}, checked on {first_holdout_day} to {holdout_end}"
    if found.best is None:
        return ModelChoice(
            FALLBACK,
            f"{FALLBACK} by default: no model could be fitted on the calibration period ({span})",
            calibration_end,
            holdout_end,
        )
    best: ValidatedModel = _models(found.best)[0]
    return ModelChoice(best, f"{found.best_reason}; {span}", calibration_end, holdout_end, mae)


# -- stored --------------------------------------------------------------------------------


def save_validation(workspace: Workspace, result: Validation) -> None:
    """Replace the stored validation with this one (what the dashboard and the report show)."""
    with workspace.transaction() as con:
        con.execute(sql.render("saved_validation/clear"))
        con.execute(sql.render("saved_validation/save"), [json.dumps(result.to_dict())])


def load_validation(workspace: Workspace) -> dict[str, Any] | None:
    """The stored validation (as :meth:`Validation.to_dict`) with ``computed_at``; None
    before the first ``legame clv validate``."""
    rows = workspace.con.execute(sql.render("saved_validation/load")).fetchall()
    if not rows:
        return None
    payload, at = rows[0]
    return {**json.loads(payload), "computed_at": at}
