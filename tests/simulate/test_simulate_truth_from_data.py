"""The Monte-Carlo truths against the same estimands computed from the raw tables.

The estimands are recomputed here from the CSV-shaped tables, as a finding would (an
independent implementation of the ``truth.json`` meanings), on 50,000 customers; the
standard errors of both sides come from 20 batches of customers, and each data estimate
must lie within 4 combined standard errors of its truth.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from legame.metrics import definitions as d
from legame.simulate import SimulatedData, simulate_tables
from legame.store.schema import MOTIVATORS

AS_OF = 1767225600.0  # 2026-01-01 00:00:00 UTC
DAY = 86400.0
BATCHES = 20


def _secs(col: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(col.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=float)


def _num(col: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(col.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=float)


class _FromTables:
    def __init__(self, data: SimulatedData) -> None:
        t = data.tables
        ids = np.asarray(t["customers"]["customer_id"].to_pylist())
        self.n = ids.size

        def idx(col: pa.ChunkedArray) -> np.ndarray:
            return np.searchsorted(ids, np.asarray(col.to_pylist()))

        orders = t["orders"].filter(pc.equal(t["orders"]["status"], "completed"))
        oc, ot, oa = idx(orders["customer_id"]), _secs(orders["ordered_at"]), _num(orders["amount"])
        ws = AS_OF - d.OUTCOME_WINDOW_DAYS * DAY
        win, pre = ot >= ws, ot < ws
        self.revenue = np.bincount(oc[win], oa[win], self.n)
        self.retained = np.bincount(oc[win], minlength=self.n) >= d.RETENTION_MIN_ORDERS
        n_pre = np.bincount(oc[pre], minlength=self.n)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.aov = np.where(n_pre > 0, np.bincount(oc[pre], oa[pre], self.n) / n_pre, np.nan)

        s = t["survey_responses"]
        sc, st = idx(s["customer_id"]), _secs(s["answered_at"])
        items = np.stack([_num(s[m]) for m in MOTIVATORS], axis=1)
        keep = st < ws
        order = np.lexsort((st[keep], sc[keep]))
        rows = np.flatnonzero(keep)[order]
        last = rows[np.r_[sc[rows][1:] != sc[rows][:-1], True]]
        self.surveyed = np.zeros(self.n, dtype=bool)
        self.surveyed[sc[last]] = True
        self.nps = np.full(self.n, np.nan)
        self.nps[sc[last]] = _num(s["nps"])[last]
        self.csat = np.full(self.n, np.nan)
        self.csat[sc[last]] = _num(s["csat"])[last]
        self.index = np.full(self.n, np.nan)
        self.index[sc[last]] = d.connection_index(items[last])

        g = t["gestures"]
        gc, gt = idx(g["customer_id"]), _secs(g["given_at"])
        full = gt <= AS_OF - d.GRATITUDE_FOLLOWUP_DAYS * DAY
        self.g_cust, self.g_time = gc[full], gt[full]
        self.g_hold = np.asarray(g["arm"].to_pylist())[full] == "holdout"
        key = oc * 1e10 + ot
        order = np.argsort(key)
        key, amt = key[order], oa[order]
        cum = np.r_[0.0, np.cumsum(amt)]
        lo = np.searchsorted(key, self.g_cust * 1e10 + self.g_time, side="right")
        hi = np.searchsorted(
            key, self.g_cust * 1e10 + self.g_time + d.GRATITUDE_FOLLOWUP_DAYS * DAY, side="right"
        )
        self.g_retained = (hi - lo) >= d.RETENTION_MIN_ORDERS
        self.g_spend = cum[hi] - cum[lo]

    # --- the estimands, on a subset of customers --------------------------------------

    def emotion(self, sel: np.ndarray) -> float:
        conn = d.is_connected(self.index)
        a = sel & self.surveyed & conn
        b = sel & self.surveyed & ~conn & (self.csat == d.HIGHLY_SATISFIED_CSAT)
        return float(self.revenue[a].mean() / self.revenue[b].mean())

    def satisfaction(self, sel: np.ndarray) -> float:
        m = sel & self.surveyed & ~np.isnan(self.nps)
        y = self.retained[m]
        return d.auc(self.nps[m], y) - d.auc(self.csat[m], y)

    def spend(self, sel: np.ndarray) -> float:
        m = sel & ~np.isnan(self.aov)
        terc = d.aov_terciles(self.aov[m])
        y = self.retained[m]
        return float(y[terc == 2].mean() - y[terc == 0].mean())

    def gratitude(self, sel: np.ndarray, spend: bool = False) -> float:
        ev = sel[self.g_cust]
        v = self.g_spend if spend else self.g_retained
        return float(v[ev & ~self.g_hold].mean() - v[ev & self.g_hold].mean())


def _estimate(fn: Callable[[np.ndarray], float], n: int) -> tuple[float, float]:
    batch = np.arange(n) % BATCHES
    per = np.array([fn(batch == b) for b in range(BATCHES)])
    return fn(np.ones(n, dtype=bool)), float(per.std(ddof=1) / np.sqrt(BATCHES))


@pytest.fixture(scope="module")
def big() -> tuple[_FromTables, dict[str, dict[str, float]]]:
    data = simulate_tables(customers=50_000, seed=2024, mc_customers=400_000)
    return _FromTables(data), data.truth["effects"]  # type: ignore[return-value]


@pytest.mark.slow
@pytest.mark.parametrize(
    "name,method,value_key",
    [
        ("emotion_value", "emotion", "value"),
        ("satisfaction_not_loyalty", "satisfaction", "value"),
        ("high_spend_not_loyalty", "spend", "value"),
        ("gratitude_uplift", "gratitude", "value"),
        ("gratitude_uplift", "gratitude_spend", "value_spend"),
    ],
)
def test_data_estimate_agrees_with_the_monte_carlo_truth(big, name, method, value_key) -> None:
    est, truth = big
    fn: Callable[[np.ndarray], float] = (
        (lambda sel: est.gratitude(sel, spend=True))
        if method == "gratitude_spend"
        else getattr(est, method)
    )
    value, se = _estimate(fn, est.n)
    entry = truth[name]
    se_key = "se" if value_key == "value" else "se_spend"
    combined = np.hypot(se, entry[se_key])
    assert abs(value - entry[value_key]) < 4 * combined, (value, se, entry[value_key])
    # and the data can tell the planted effects apart from their nulls
    if name in ("emotion_value", "satisfaction_not_loyalty", "gratitude_uplift"):
        assert abs(value - entry["null"]) > 3 * se
