"""Fixtures of the model tests: the CDNOW sample summarised from its raw transactions, and
samplers of customer histories with planted parameters.

The shared data folder sits beside the repository (``../shared``), in CI as on a developer's
machine. The suite runs with ``--import-mode=importlib``, so test modules get helpers through
fixtures (``cdnow``, ``cdnow_histories``, ``sim``), not by importing this file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import NamedTuple

import duckdb
import numpy as np
import pytest
from numpy.typing import NDArray

Arr = NDArray[np.float64]

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
CDNOW = SHARED / "data" / "cdnow"

CALIBRATION_END = "1997-09-30"  # 39 weeks after 1997-01-01 (FHL 2005)
HOLDOUT_END = "1998-06-30"  # a further 39 weeks
HOLDOUT_WEEKS = 39.0

# Raw file: whitespace-separated master id, sample id, YYYYMMDD, CDs, dollars. Several purchases
# on one day count as one purchase (FHL 2005); time unit: weeks.
CDNOW_SUMMARY_SQL = f"""
with raw as (
    select string_split_regex(trim(line), '\\s+') as f
    from read_csv($path, columns = {{'line': 'VARCHAR'}}, header = false, delim = '\\t',
                  quote = '', escape = '')
),
days as (
    select cast(f[2] as integer) as id, strptime(f[3], '%Y%m%d')::date as day,
           sum(cast(f[5] as double)) as dollars
    from raw
    group by all
),
firsts as (
    select id, min(day) as first_day from days group by id
),
calibration as (
    select id,
           count(*) - 1 as frequency,
           date_diff('day', first_day, max(day)) / 7.0 as recency,
           date_diff('day', first_day, date '{CALIBRATION_END}') / 7.0 as T,
           coalesce(avg(dollars) filter (where day > first_day), 0.0) as monetary_value
    from days join firsts using (id)
    where day <= date '{CALIBRATION_END}'
    group by id, first_day
),
holdout as (
    select id, count(*) as holdout
    from days
    where day > date '{CALIBRATION_END}' and day <= date '{HOLDOUT_END}'
    group by id
)
select c.id, c.frequency, c.recency, c.T, c.monetary_value, coalesce(h.holdout, 0) as holdout
from calibration c left join holdout h using (id)
order by c.id
"""


@dataclass(frozen=True)
class CdnowSummary:
    id: NDArray[np.int64]
    frequency: NDArray[np.float64]
    recency: NDArray[np.float64]
    T: NDArray[np.float64]
    monetary_value: NDArray[np.float64]
    holdout: NDArray[np.float64]


def load_cdnow() -> CdnowSummary:
    """2,357 CDNOW sample customers: calibration RFM in weeks and holdout purchase days."""
    con = duckdb.connect()
    try:
        cols = con.execute(
            CDNOW_SUMMARY_SQL, {"path": str(CDNOW / "CDNOW_sample.txt")}
        ).fetchnumpy()
    finally:
        con.close()
    return CdnowSummary(
        id=np.asarray(cols["id"], dtype=np.int64),
        frequency=np.asarray(cols["frequency"], dtype=np.float64),
        recency=np.asarray(cols["recency"], dtype=np.float64),
        T=np.asarray(cols["T"], dtype=np.float64),
        monetary_value=np.asarray(cols["monetary_value"], dtype=np.float64),
        holdout=np.asarray(cols["holdout"], dtype=np.float64),
    )


@pytest.fixture(scope="session")
def cdnow() -> CdnowSummary:
    """2,357 CDNOW sample customers: calibration RFM in weeks and holdout purchase days."""
    return load_cdnow()


@pytest.fixture(scope="session")
def cdnow_histories(cdnow: CdnowSummary) -> tuple[Arr, ...]:
    """The CDNOW calibration histories compressed to distinct (x, t_x, T) rows with counts."""
    stacked = np.column_stack([cdnow.frequency, cdnow.recency, cdnow.T])
    uniq, counts = np.unique(stacked, axis=0, return_counts=True)
    return uniq[:, 0], uniq[:, 1], uniq[:, 2], counts.astype(np.float64)


@pytest.fixture(scope="session")
def cdnow_dir() -> Path:
    return CDNOW


# -- samplers with planted parameters ---------------------------------------------------------
# Vectorised samplers of customer histories with known (planted) parameters.
#
# Each returns frequency (repeat purchases), recency (time of the last purchase since the first)
# and T (time from the first purchase to the end), in the unit of the rate parameters.
#
# * BG/NBD (Fader, Hardie & Lee 2005): lambda ~ Gamma(r, rate alpha), p ~ Beta(a, b). After each
#  repeat purchase the customer drops out with probability p, so the number of repeat purchases
#  before dropping out is K ~ Geometric(p) on {1, 2, ...}. Purchases form a Poisson(lambda)
#  process on (0, T]: with N ~ Poisson(lambda T) of them, x = min(N, K), and the x-th of N
#  uniform purchase times, scaled by T, is Beta(x, N - x + 1) distributed.
# * Pareto/NBD (Schmittlein, Morrison & Colombo 1987): lambda ~ Gamma(r, rate alpha),
#  mu ~ Gamma(s, rate beta), lifetime tau ~ Exponential(mu); N ~ Poisson(lambda min(tau, T)),
#  and the last of N uniform times on (0, min(tau, T)) is min(tau, T) * Beta(N, 1).
# * Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV"): nu ~ Gamma(q, rate gamma), each
#  spend ~ Gamma(p, rate nu), so the sum of x spends is Gamma(p x, rate nu).


def _last_purchase(rng: np.random.Generator, x: Arr, n: Arr, span: Arr) -> Arr:
    safe_x = np.maximum(x, 1)
    frac = rng.beta(safe_x, np.maximum(n - x, 0) + 1)
    return np.where(x > 0, span * frac, 0.0)


def sample_bgnbd(
    rng: np.random.Generator, T: Arr, r: float, alpha: float, a: float, b: float
) -> tuple[Arr, Arr, Arr]:
    T = np.asarray(T, dtype=np.float64)
    lam = rng.gamma(r, 1.0 / alpha, T.size)
    p = rng.beta(a, b, T.size)
    k = rng.geometric(np.clip(p, 1e-12, 1.0)).astype(np.float64)
    n = rng.poisson(lam * T).astype(np.float64)
    x = np.minimum(n, k)
    return x, _last_purchase(rng, x, n, T), T


def sample_paretonbd(
    rng: np.random.Generator, T: Arr, r: float, alpha: float, s: float, beta: float
) -> tuple[Arr, Arr, Arr]:
    T = np.asarray(T, dtype=np.float64)
    lam = rng.gamma(r, 1.0 / alpha, T.size)
    mu = rng.gamma(s, 1.0 / beta, T.size)
    tau = rng.exponential(1.0 / np.maximum(mu, 1e-300))
    span = np.minimum(tau, T)
    x = rng.poisson(lam * span).astype(np.float64)
    return x, _last_purchase(rng, x, x, span), T


def sample_gammagamma(
    rng: np.random.Generator, frequency: Arr, p: float, q: float, gamma: float
) -> Arr:
    """Mean spend of each customer's ``frequency`` (> 0) repeat purchases."""
    x = np.asarray(frequency, dtype=np.float64)
    nu = rng.gamma(q, 1.0 / gamma, x.size)
    return rng.gamma(p * x, 1.0 / nu) / x


class DropoutHistories(NamedTuple):
    """The arguments of ``LatentDropout.fit``: per customer, then per dropout decision."""

    frequency: Arr
    recency: Arr
    T: Arr
    covariates: Arr


def sample_dropout(
    n: int,
    beta: float,
    seed: int,
    *,
    r: float = 0.6,
    alpha: float = 6.0,
    a: float = 0.8,
    b: float = 4.0,
    switch_on: float = 0.06,
    homogeneous_p: float | None = None,
) -> DropoutHistories:
    """Histories drawn straight from the latent-dropout model's own likelihood (weeks):
    purchases at rate lam ~ Gamma(r, alpha) from time 0 to T ~ U(20, 104); at each repeat
    purchase the covariate z switches on (for good) with probability ``switch_on``, then the
    customer drops out with probability 1 - (1 - p)^exp(beta z), p ~ Beta(a, b) (or
    ``homogeneous_p`` for everyone)."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = np.full(n, homogeneous_p) if homogeneous_p is not None else rng.beta(a, b, n)
    T = rng.uniform(20.0, 104.0, n)
    x, t = np.zeros(n), np.zeros(n)
    z = np.zeros(n, dtype=bool)
    dec_c, dec_j, dec_z = [], [], []
    act = np.arange(n)
    step = 0
    while act.size:
        t_new = t[act] + rng.exponential(1.0, act.size) / lam[act]
        bought = t_new <= T[act]
        act, t_new = act[bought], t_new[bought]
        step += 1
        t[act] = t_new
        x[act] += 1
        z[act] |= rng.random(act.size) < switch_on
        dec_c.append(act.copy())
        dec_j.append(np.full(act.size, step))
        dec_z.append(z[act].astype(float))
        stay = rng.random(act.size) < (1.0 - p[act]) ** np.exp(beta * z[act])
        act = act[stay]
    c, j, zz = (np.concatenate(v) for v in (dec_c, dec_j, dec_z))
    order = np.lexsort((j, c))  # each customer's decisions in purchase order
    return DropoutHistories(x, np.where(x > 0, t, 0.0), T, zz[order][:, None])


def compress(*columns: Arr) -> tuple[list[Arr], Arr]:
    """Distinct rows of the given columns and how many customers share each."""
    stacked = np.column_stack(columns)
    uniq, counts = np.unique(stacked, axis=0, return_counts=True)
    return [uniq[:, j] for j in range(uniq.shape[1])], counts.astype(np.float64)


@pytest.fixture(scope="session")
def sim() -> SimpleNamespace:
    """The samplers above: sim.bgnbd, sim.paretonbd, sim.gammagamma, sim.dropout,
    sim.compress."""
    return SimpleNamespace(
        bgnbd=sample_bgnbd,
        paretonbd=sample_paretonbd,
        gammagamma=sample_gammagamma,
        dropout=sample_dropout,
        compress=compress,
    )
