"""Fit the CLV models with covariates on the store's own tables.

1. The per-customer summary (``customer_summary``, as ``clv fit`` and ``score`` make it) is
   kept as ``_summary``; ``sql/covariates/histories.sql`` reads it in customer_id order.
2. Each static covariate is one query of ``sql/covariates/`` in the same order (a customer
   column, an ``_extra`` attribute, the first order) and each time-varying one a query over
   the purchase occasions (``sql/defs/purchase_occasions.sql``) with one row per repeat
   purchase, in customer_id and purchase order; :mod:`.coding` makes them model columns.
3. Customers who share (frequency, recency, T, static covariate pattern) - and, with
   time-varying covariates, the covariate values of their repeat purchases before the last
   (as a multiset: the likelihood does not depend on their order) and of the last - are one
   row with a weight: the models are fitted on these rows
   (:class:`~legame.models.CovariateBetaGeo`), and the repeat customers' (frequency, mean
   spend, static pattern) on theirs (:class:`~legame.models.CovariateGammaGamma`).

:func:`fit_covariates` makes the summary for ``clv fit``; ``legame score --covariates``
(:mod:`.scores`) fits on the summary it stages, with :func:`fit_summary`, and reads the
time-varying covariates at the cutoff too (``sql/covariates/cutoff_*.sql``), which its
forecasts hold over the horizon.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from legame import sql
from legame.engine import DuckDBEngine, Engine
from legame.errors import InputError
from legame.metrics import definitions as d
from legame.models import CovariateBetaGeo, CovariateGammaGamma
from legame.models import _inputs as inp
from legame.models.covariates import find_patterns
from legame.scoring import Unit, last_order_day, summary_table
from legame.store import Workspace

from . import coding as cd
from .effects import Effect, effects
from .names import Name, catalogue, resolve

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Fewer repeat customers than this and the spend model is not fitted.
MIN_SPEND_ROWS = 3


@dataclass
class CovariateFit:
    """What :func:`fit_covariates` fitted, and the effects of the covariates."""

    until: date
    unit: Unit
    names: tuple[str, ...]
    purchase: CovariateBetaGeo
    spend: CovariateGammaGamma | None
    codings: list[cd.Coding]
    effects: list[Effect]
    rows: int  # fitted rows of the purchase model
    patterns: int  # distinct static covariate patterns
    bins: int
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """The JSON of ``clv fit --covariates``: :meth:`described` and the timings."""
        return {
            **self.described(),
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
        }

    def described(self) -> dict[str, object]:
        """The covariates in the JSON of ``clv fit --covariates`` and of ``score
        --covariates`` alike: names, model columns, baselines, bins, patterns and
        ``covariates``, every effect (:meth:`Effect.to_dict`)."""
        return {
            "covariate_names": list(self.names),
            "covariate_columns": {c.name: list(c.columns) for c in self.codings},
            "baselines": {c.name: c.baseline for c in self.codings if c.baseline is not None},
            "bins": self.bins,
            "patterns": self.patterns,
            "covariates": [e.to_dict() for e in self.effects],
        }


def available_covariates(workspace: Workspace) -> dict[str, str]:
    """Every covariate name the workspace offers, with what it is."""
    return catalogue(_extra_keys(DuckDBEngine(workspace)))


def _extra_keys(eng: Engine) -> list[str]:
    keys = eng.query("covariates/extra_keys")
    return [str(k) for k in keys.column("key").to_pylist()]


def fit_covariates(
    workspace: Workspace,
    names: Iterable[str],
    *,
    until: date | None = None,
    unit: Unit = "week",
    merge_day: bool = True,
    bins: int = cd.DEFAULT_BINS,
    penalizer: float = 0.0,
) -> CovariateFit:
    """Fit BG/NBD and Gamma-Gamma with the named covariates on the store's orders up to
    ``until`` (default: the day of the latest completed order); see the module docstring
    and :mod:`legame.covariates.names` for the names."""
    if unit not in ("day", "week"):
        raise InputError(f"--unit must be day or week; got {unit!r}.")
    check_bins(bins)
    clock = time.perf_counter()
    eng = DuckDBEngine(workspace)
    requested = resolve(names, _extra_keys(eng))
    until = until or last_order_day(workspace)
    summary_table(eng, until=until, unit=unit, merge_day=merge_day)
    try:
        fit, _ = fit_summary(
            eng,
            requested,
            until=until,
            unit=unit,
            merge_day=merge_day,
            bins=bins,
            penalizer=penalizer,
            started=clock,
        )
    finally:
        eng.drop("_summary")
    return fit


def check_bins(bins: int) -> None:
    """``--covariate-bins``: a whole number from 0 to 1000."""
    if not (isinstance(bins, int) and not isinstance(bins, bool) and 0 <= bins <= 1000):
        raise InputError(f"--covariate-bins must be a whole number from 0 to 1000; got {bins!r}.")


def resolve_names(workspace: Workspace, names: Iterable[str]) -> list[Name]:
    """The requested covariates, checked against what the workspace offers
    (:func:`legame.covariates.names.resolve`)."""
    return resolve(names, _extra_keys(DuckDBEngine(workspace)))


@dataclass
class Customers:
    """What the fits read of every summary customer (customer_id order): the histories
    (frequency, recency, T, monetary_value), the static model columns ``Z`` (one row per
    customer), the time-varying ones ``W`` (one row per repeat purchase, each customer's in
    order) and, when asked for, those at the cutoff, ``state`` (one row per customer)."""

    histories: pa.Table
    Z: FloatArray
    W: FloatArray
    state: FloatArray | None = None


def fit_summary(
    eng: Engine,
    requested: Sequence[Name],
    *,
    until: date,
    unit: Unit,
    merge_day: bool,
    bins: int,
    penalizer: float,
    state: bool = False,
    started: float | None = None,
) -> tuple[CovariateFit, Customers]:
    """Fit on the summary the engine holds as ``_summary`` (:func:`fit_covariates` makes it,
    ``legame score`` stages it); with ``state``, read the time-varying covariates at the
    cutoff too (what a forecast holds)."""
    timings: dict[str, float] = {}
    clock = time.perf_counter() if started is None else started
    hist = eng.query("covariates/histories")
    if hist.num_rows == 0:
        raise InputError(f"No completed orders on or before {until}.")
    timings["summary"] = time.perf_counter() - clock
    clock = time.perf_counter()
    x = _floats(hist, "frequency")
    start = datetime.combine(until, datetime.min.time())
    static = [n for n in requested if not n.varying]
    varying = [n for n in requested if n.varying]
    Z, static_codings = _static(eng, static, until=start, bins=bins, customers=x.size)
    W, varying_codings = _varying(eng, varying, x, until=start, merge_day=merge_day)
    now = (
        _at_cutoff(eng, varying, varying_codings, until=start, customers=x.size) if state else None
    )
    timings["covariates"] = time.perf_counter() - clock
    clock = time.perf_counter()
    histories = (x, _floats(hist, "recency"), _floats(hist, "T"))
    purchase, rows, patterns = _fit_purchase(
        histories, Z, W, static_codings, varying_codings, penalizer=penalizer
    )
    timings["fit_purchase"] = time.perf_counter() - clock
    clock = time.perf_counter()
    spend = _fit_spend(x, _floats(hist, "monetary_value"), Z, static_codings, penalizer)
    timings["fit_spend"] = time.perf_counter() - clock
    fit = CovariateFit(
        until=until,
        unit=unit,
        names=tuple(n.name for n in requested),
        purchase=purchase,
        spend=spend,
        codings=static_codings + varying_codings,
        effects=effects(purchase, spend, static_codings, varying_codings),
        rows=rows,
        patterns=patterns,
        bins=bins,
        timings=timings,
    )
    return fit, Customers(hist, Z, W, now)


def _floats(table: pa.Table, name: str) -> FloatArray:
    col = table.column(name).cast(pa.float64())
    return np.asarray(col.to_numpy(), dtype=np.float64)


# -- reading the covariates ------------------------------------------------------------------


def _static_values(eng: Engine, name: Name, *, until: datetime) -> pa.Array:
    if name.source == "column":
        table = eng.query("covariates/customer_column", column=sql.Name(name.name))
        return table.column("value").combine_chunks()
    if name.source == "extra":
        table = eng.query("covariates/customer_extra", key=sql.Text(name.name))
        return table.column("value").combine_chunks()
    table = eng.query("covariates/first_order", until=until)
    return table.column(name.name).combine_chunks()


def _static(
    eng: Engine, names: Sequence[Name], *, until: datetime, bins: int, customers: int
) -> tuple[FloatArray, list[cd.Coding]]:
    columns: list[FloatArray] = []
    codings: list[cd.Coding] = []
    for name in names:
        values = _static_values(eng, name, until=until)
        numeric = name.name == "first_order_value" or (
            name.name != "first_order_channel" and cd.is_numeric(values)
        )
        Z, coding = (
            cd.numeric(name.name, values, bins=bins)
            if numeric
            else cd.categorical(name.name, values)
        )
        columns.append(Z)
        codings.append(coding)
    return (np.column_stack(columns) if columns else np.zeros((customers, 0))), codings


def _varying(
    eng: Engine,
    names: Sequence[Name],
    x: FloatArray,
    *,
    until: datetime,
    merge_day: bool,
) -> tuple[FloatArray, list[cd.Coding]]:
    """One row per repeat purchase (each customer's in order), one column per model column."""
    decisions = int(x.sum())
    as_of = until + timedelta(days=1)
    params: dict[str, sql.Param] = {
        "until": until,
        "merge_day": merge_day,
        "as_of": as_of,
        **d.poor_ticket_params(),
        **d.contact_pressure_params(),
    }
    columns: list[FloatArray] = []
    codings: list[cd.Coding] = []
    for name in names:
        query = {"gesture": "covariates/gestures"}.get(name.name, f"covariates/{name.name}")
        table = eng.query(query, **_used(query, params))
        values = table.column("value").combine_chunks()
        if len(values) != decisions:  # the occasions and the summary disagree: a bug
            raise AssertionError(f"{query}: {len(values)} rows for {decisions} repeat purchases")
        if name.name == "contact_pressure":
            bands = np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.int64)
            labels = np.array([band[0] for band in d.CONTACT_BANDS], dtype=object)
            Z, coding = _banded(name.name, labels[bands])
        elif name.name == "nps_group":
            Z, coding = cd.categorical(name.name, values)
        else:
            counts = np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.float64)
            Z, coding = cd.count(name.name, counts)
        columns.append(Z)
        codings.append(coding)
    return (np.column_stack(columns) if columns else np.zeros((decisions, 0))), codings


def _at_cutoff(
    eng: Engine,
    names: Sequence[Name],
    codings: Sequence[cd.Coding],
    *,
    until: datetime,
    customers: int,
) -> FloatArray:
    """Each customer's time-varying covariates at the cutoff (``sql/covariates/cutoff_*``),
    coded as the fit coded them at the purchases: one row per customer."""
    params: dict[str, sql.Param] = {
        "as_of": until + timedelta(days=1),
        **d.poor_ticket_params(),
        **d.contact_pressure_params(),
    }
    columns: list[FloatArray] = []
    for name, coding in zip(names, codings, strict=True):
        query = "covariates/cutoff_" + {"gesture": "gestures"}.get(name.name, name.name)
        values = eng.query(query, **_used(query, params)).column("value").combine_chunks()
        if name.name == "contact_pressure":
            bands = np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.int64)
            labels = np.array([band[0] for band in d.CONTACT_BANDS], dtype=object)
            values = pa.array(labels[bands], type=pa.string())
        columns.append(cd.apply(coding, values))
    return np.column_stack(columns) if columns else np.zeros((customers, 0))


def _banded(name: str, labels: npt.NDArray[np.object_]) -> tuple[FloatArray, cd.Coding]:
    """Contact-pressure bands one-hot against ``low`` (the first band), whatever is most
    common."""
    levels = [band[0] for band in d.CONTACT_BANDS]
    present = [lv for lv in levels[1:] if np.any(labels == lv)]
    if not present:
        raise InputError(
            f"The covariate {name!r} is {levels[0]} at every repeat purchase fitted: it cannot "
            "explain the dropout. Leave it out."
        )
    Z = np.column_stack([(labels == lv).astype(np.float64) for lv in present])
    coding = cd.Coding(
        name=name,
        kind="categorical",
        columns=tuple(f"{name}={lv}" for lv in present),
        levels=tuple(present),
        baseline=levels[0],
        counts={lv: int(np.sum(labels == lv)) for lv in levels},
    )
    return Z, coding


def _used(query: str, params: dict[str, sql.Param]) -> dict[str, sql.Param]:
    """The parameters a query takes, among ``params``."""
    text = sql.text(query)
    return {k: v for k, v in params.items() if f"${k}" in text}


# -- grouping and fitting --------------------------------------------------------------------


def _columns_of(codings: Sequence[cd.Coding]) -> tuple[str, ...]:
    return tuple(c for coding in codings for c in coding.columns)


def multiset_keys(x: FloatArray, W: FloatArray) -> tuple[IntArray, IntArray]:
    """Per customer: a key of the multiset of its decisions' covariate vectors before the
    last (a sum of random 64-bit words per vector: equal multisets, equal keys; a collision
    needs two of 2**64 values to meet), and the last decision's vector (-1: none)."""
    n = x.size
    if not W.shape[1]:
        return np.zeros(n, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    _, v = np.unique(W, axis=0, return_inverse=True)
    v = v.reshape(-1).astype(np.int64)
    words = np.random.default_rng(0).integers(
        np.iinfo(np.int64).min, np.iinfo(np.int64).max, size=int(v.max()) + 1, dtype=np.int64
    )
    owner = np.repeat(np.arange(n, dtype=np.int64), x.astype(np.int64))
    last_of = np.cumsum(x.astype(np.int64)) - 1
    is_last = np.zeros(v.size, dtype=bool)
    has = x > 0
    is_last[last_of[has]] = True
    with np.errstate(over="ignore"):
        key = np.zeros(n, dtype=np.int64)
        np.add.at(key, owner[~is_last], words[v[~is_last]])
    last = np.full(n, -1, dtype=np.int64)
    last[has] = v[last_of[has]]
    return key, last


def group_rows(columns: Sequence[npt.NDArray[np.generic]]) -> tuple[IntArray, FloatArray, IntArray]:
    """Rows that agree on every column: a representative row of each group, the group sizes,
    and each row's group."""
    codes: IntArray | None = None
    size = 1
    for col in columns:
        _, c = (
            inp.factorize(np.asarray(col, dtype=np.float64))
            if col.dtype.kind == "f"
            else (
                None,
                np.unique(col, return_inverse=True)[1].reshape(-1),
            )
        )
        c = np.asarray(c, dtype=np.int64)
        k = int(c.max()) + 1 if c.size else 1
        if codes is None:
            codes, size = c, k
            continue
        if size * k >= 1 << 62:
            codes = np.unique(codes, return_inverse=True)[1].reshape(-1).astype(np.int64)
            size = int(codes.max()) + 1
        codes = codes * k + c
        size *= k
    assert codes is not None
    keys, group = np.unique(codes, return_inverse=True)
    group = group.reshape(-1)
    first = np.zeros(keys.size, dtype=np.int64)
    first[group[::-1]] = np.arange(group.size - 1, -1, -1)
    return first, np.bincount(group).astype(np.float64), group.astype(np.int64)


def _fit_purchase(
    histories: tuple[FloatArray, FloatArray, FloatArray],
    Z: FloatArray,
    W: FloatArray,
    static: list[cd.Coding],
    varying: list[cd.Coding],
    *,
    penalizer: float,
) -> tuple[CovariateBetaGeo, int, int]:
    x, t_x, T = histories
    patterns = find_patterns(Z)
    parts: list[npt.NDArray[np.generic]] = [x, t_x, T, patterns.index.astype(np.int64)]
    if W.shape[1]:
        key, last = multiset_keys(x, W)
        parts += [key, last]
    rep, counts, _ = group_rows(parts)
    model = CovariateBetaGeo(
        covariate_names=_columns_of(static),
        varying_names=_columns_of(varying),
        penalizer=penalizer,
    )
    dec = decisions_of(x, W, rep) if W.shape[1] else None
    model.fit(x[rep], t_x[rep], T[rep], Z[rep], dec, weights=counts)
    return model, int(rep.size), patterns.count


def decisions_of(x: FloatArray, W: FloatArray, rows: IntArray) -> FloatArray:
    """The decision rows of ``W`` (each customer's repeat purchases, in order) of some
    customers, in the order of ``rows``."""
    first = np.r_[0, np.cumsum(x.astype(np.int64))[:-1]]
    lengths = x[rows].astype(np.int64)
    starts = np.repeat(first[rows], lengths)
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return W[starts + offsets]


def _fit_spend(
    x: FloatArray,
    m: FloatArray,
    Z: FloatArray,
    static: list[cd.Coding],
    penalizer: float,
) -> CovariateGammaGamma | None:
    repeat = (x > 0) & np.isfinite(m) & (m > 0)
    if not repeat.any():
        return None
    Zr = Z[repeat]
    pattern = find_patterns(Zr).index.astype(np.int64)
    rep, counts, _ = group_rows([x[repeat], m[repeat], pattern])
    if rep.size < MIN_SPEND_ROWS:
        return None
    return CovariateGammaGamma(covariate_names=_columns_of(static), penalizer=penalizer).fit(
        x[repeat][rep], m[repeat][rep], Zr[rep], weights=counts
    )
