"""``legame score --covariates``: customer_scores from BG/NBD and Gamma-Gamma with covariates.

:func:`score_with_covariates` runs :func:`legame.scoring.score` with a :class:`ScoreCovariates`:
the score keeps the summary aside, the covariate models are fitted on it
(:func:`.fit.fit_summary`, as ``clv fit --covariates`` fits them) and every customer's
predictions come from their own covariates:

* **static** covariates (purchase rate, dropout, spend): the plain BG/NBD of the customer's
  pattern (:meth:`~legame.models.CovariateBetaGeo.pattern_model`) gives P(alive), the
  expected purchases in the horizon, the discounted purchases (CLV), P(no purchase) and the
  90 % interval of purchases, with the CLV spread from the fit's covariance; the pattern's
  Gamma-Gamma (:meth:`~legame.models.CovariateGammaGamma.pattern_model`) the spend.
* **time-varying** covariates (dropout): the customer's values at each repeat purchase give
  P(alive); their values **at the cutoff are held over the horizon** (the future ones are
  not known; :mod:`legame.models.bgnbd_covariates_forecast`). The spread of the discounted
  purchases is not computed then: ``clv_low`` and ``clv_high`` are NULL.

A customer's *pattern* is their static covariate pattern and, with time-varying covariates,
the multiset of the covariate values at their repeat purchases before the last, those at the
last and those at the cutoff: what the predictions depend on besides the history. The
predictions are computed once per distinct (pattern, frequency, recency, T), stored as
``history_predictions`` with the pattern as a key, and each customer's pattern is stored in
``customer_value``, so the view ``customer_scores`` joins them as without covariates (where
every pattern is 0). The cost grows with the distinct (pattern, history) rows, not with the
customers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from legame.engine import Engine
from legame.errors import NotFittedError
from legame.models import CovariateGammaGamma
from legame.models.base import BaseModel
from legame.models.covariates import find_patterns
from legame.scoring import (
    DAYS_PER_YEAR,
    INTERVAL_LEVEL,
    UNIT_DAYS,
    ModelName,
    ScoreReport,
    Unit,
    check_covariate_options,
    score,
)
from legame.store import Workspace

from .coding import DEFAULT_BINS
from .fit import (
    CovariateFit,
    Customers,
    check_bins,
    decisions_of,
    fit_summary,
    group_rows,
    multiset_keys,
    resolve_names,
)
from .names import Name

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def score_with_covariates(
    workspace: Workspace,
    names: Iterable[str],
    *,
    bins: int = DEFAULT_BINS,
    model: ModelName = "bgnbd",
    engine: str = "duckdb",
    **options: Any,
) -> ScoreReport:
    """:func:`legame.scoring.score` with the named covariates (``legame score --covariates``;
    the names as for ``clv fit --covariates``): BG/NBD only, on the DuckDB engine. The
    report's ``to_dict`` holds the effects under ``covariates``, as ``clv fit`` gives them."""
    check_covariate_options(model, engine)
    check_bins(bins)
    requested = resolve_names(workspace, names)
    return score(
        workspace,
        model=model,
        engine="duckdb",
        covariates=ScoreCovariates(requested, bins=bins),
        **options,
    )


class ScoreCovariates:
    """The covariates of one score (:class:`legame.scoring.Covariates`): the requested names
    (resolved against the workspace) and the bins of numeric ones; after ``fit``, the fit
    and what it read of every customer."""

    def __init__(self, names: Iterable[Name], *, bins: int = DEFAULT_BINS) -> None:
        self.names = list(names)
        self.bins = bins
        self.fitted: CovariateFit | None = None
        self._customers: Customers | None = None
        self._ids: pa.ChunkedArray | None = None

    def fit(
        self, eng: Engine, *, until: date, unit: Unit, merge_day: bool, penalizer: float | None
    ) -> tuple[BaseModel, BaseModel | None]:
        """Fit on the summary the engine holds as ``_summary``, reading the time-varying
        covariates at the cutoff too; the purchase and spend models."""
        self.fitted, self._customers = fit_summary(
            eng,
            self.names,
            until=until,
            unit=unit,
            merge_day=merge_day,
            bins=self.bins,
            penalizer=penalizer or 0.0,
            state=True,
        )
        self._ids = eng.query("covariates/customer_ids").column("customer_id")
        return self.fitted.purchase, self.fitted.spend

    def predictions(
        self, *, unit: Unit, horizon_days: int, discount_rate: float
    ) -> tuple[pa.Table, pa.Table]:
        """The predictions once per distinct (pattern, history), with the columns of
        ``sql/covariates/history_predictions.sql``, and each customer's pattern
        (customer_id, pattern)."""
        if self.fitted is None or self._customers is None or self._ids is None:
            raise NotFittedError("ScoreCovariates.predictions() comes after fit()")
        purchase, spend, c = self.fitted.purchase, self.fitted.spend, self._customers
        hist = c.histories
        x, t_x, T = (_floats(hist, name) for name in ("frequency", "recency", "T"))
        static = find_patterns(c.Z).index.astype(np.int64)
        pattern = _patterns(x, c.W, c.state, static)
        rep, _, _ = group_rows([x, t_x, T, pattern])
        varying = c.W.shape[1] > 0
        table = purchase.horizon_table(
            x[rep],
            t_x[rep],
            T[rep],
            c.Z[rep],
            decisions_of(x, c.W, rep) if varying else None,
            None if c.state is None or not varying else c.state[rep],
            t=horizon_days / UNIT_DAYS[unit],
            horizon=max(1, round(horizon_days / (DAYS_PER_YEAR / 12))),
            periods_per_year=DAYS_PER_YEAR / UNIT_DAYS[unit],
            discount_rate=discount_rate,
            level=INTERVAL_LEVEL,
        )
        taken = pa.array(rep)
        columns: dict[str, pa.Array | pa.ChunkedArray] = {
            "pattern": pa.array(pattern[rep], type=pa.int32()),
            "frequency": hist.column("frequency").take(taken),
            "recency": hist.column("recency").take(taken),
            "T": hist.column("T").take(taken),
            "expected_purchases": pa.array(table.expected),
            "p_alive": pa.array(table.alive),
            "discounted_purchases": pa.array(table.discounted),
            "expected_gap": pa.array(table.expected_gap),
            "p_no_purchase": pa.array(table.p_no_purchase),
            "purchases_low": pa.array(table.purchases_low, type=pa.int32()),
            "purchases_high": pa.array(table.purchases_high, type=pa.int32()),
            "discounted_log_sd": _nullable(table.discounted_log_sd),
            **_spend_columns(spend, c.Z, static[rep]),
        }
        patterns = pa.table(
            {"customer_id": self._ids, "pattern": pa.array(pattern, type=pa.int32())}
        )
        return pa.table(columns), patterns

    def to_dict(self) -> dict[str, object]:
        """The covariates and their effects, as ``clv fit --covariates --json`` gives them
        (:meth:`CovariateFit.described`)."""
        return {} if self.fitted is None else self.fitted.described()


def _floats(table: pa.Table, name: str) -> FloatArray:
    return np.asarray(table.column(name).cast(pa.float64()).to_numpy(), dtype=np.float64)


def _nullable(values: FloatArray) -> pa.Array:
    return pa.array(values, type=pa.float64(), mask=~np.isfinite(values))


def _patterns(x: FloatArray, W: FloatArray, state: FloatArray | None, static: IntArray) -> IntArray:
    """Each customer's pattern: the static pattern, and with time-varying covariates the
    multiset of those before the last repeat purchase, the last one's and the state at the
    cutoff (numbered from 0)."""
    if not W.shape[1] or state is None:
        return static
    key, last = multiset_keys(x, W)
    now = find_patterns(state).index.astype(np.int64)
    return group_rows([static, key, last, now])[2]


def _spend_columns(
    spend: CovariateGammaGamma | None, Z: FloatArray, static: IntArray
) -> dict[str, pa.Array]:
    """Per row (its static pattern ``static``, an index into the patterns of ``Z``): the
    pattern's Gamma-Gamma gamma and that parameter's covariances with ln p, ln q and
    itself."""
    n = static.size
    if spend is None:  # the score stops before writing: nothing to spend on
        return {
            name: pa.nulls(n, pa.float64())
            for name in ("spend_gamma", "spend_cov_pg", "spend_cov_qg", "spend_cov_gg")
        }
    models = spend.pattern_models(find_patterns(Z).values)
    gamma = np.array([m.params_["gamma"] for m in models])
    cov = np.array([m.cov_ for m in models]).reshape(len(models), 3, 3)
    return {
        "spend_gamma": pa.array(gamma[static]),
        "spend_cov_pg": _nullable(cov[static, 0, 2]),
        "spend_cov_qg": _nullable(cov[static, 1, 2]),
        "spend_cov_gg": _nullable(cov[static, 2, 2]),
    }
