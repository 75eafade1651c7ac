"""The statistical pieces against known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from legame.insights.finding import Finding, verdict_from_interval
from legame.metrics import definitions as d
from legame.metrics import stats


def test_rate_ratio_wald_matches_the_textbook_example() -> None:
    """Rothman, Greenland & Lash, Modern Epidemiology (3rd ed., ch. 14): breast cancer after
    fluoroscopy (Boice & Monson 1977), 41 cases in 28,010 person-years exposed against 15 in
    19,017 unexposed: IRR 1.86, 95% interval 1.03 to 3.35."""
    rr = stats.rate_ratio_wald(41, 28_010, 15, 19_017)
    assert rr.estimate == pytest.approx(1.86, abs=0.005)
    assert rr.ci_low == pytest.approx(1.03, abs=0.005)
    assert rr.ci_high == pytest.approx(3.35, abs=0.005)


def test_rate_ratio_exact_is_clopper_pearson_on_the_conditional_binomial() -> None:
    """Given the total, the exposed count is Binomial(56, pi) with pi = RR e1 / (RR e1 + e0):
    the interval must be scipy's exact (Clopper-Pearson) interval for pi, mapped to RR."""
    rr = stats.rate_ratio_exact(41, 28_010.0, 15, 19_017.0)
    ci = sps.binomtest(41, 56).proportion_ci(confidence_level=0.95, method="exact")
    to_rr = lambda pi: pi / (1 - pi) * 19_017.0 / 28_010.0  # noqa: E731
    assert rr.ci_low == pytest.approx(to_rr(ci.low), rel=1e-9)
    assert rr.ci_high == pytest.approx(to_rr(ci.high), rel=1e-9)
    assert rr.ci_low < stats.rate_ratio_wald(41, 28_010, 15, 19_017).ci_low  # exact is wider


def test_rate_ratio_exact_handles_zero_counts() -> None:
    assert stats.rate_ratio_exact(0, 10.0, 5, 10.0).ci_low == 0.0
    assert stats.rate_ratio_exact(5, 10.0, 0, 10.0).ci_high == math.inf
    assert math.isnan(stats.rate_ratio_wald(5, 10.0, 0, 10.0).ci_low)


def test_rate_ratio_exact_covers_at_least_nominally() -> None:
    """2,000 pairs of Poisson counts with a true rate ratio of 4."""
    rng = np.random.default_rng(0)
    hits = 0
    for _ in range(2000):
        rr = stats.rate_ratio_exact(int(rng.poisson(40.0)), 100.0, int(rng.poisson(10.0)), 100.0)
        hits += rr.ci_low <= 4.0 <= rr.ci_high
    assert hits / 2000 >= 0.94


def test_poisson_rate_interval_matches_the_exact_table() -> None:
    """Garwood's exact interval: 0 events -> (0, 3.689); 10 events -> (4.795, 18.390)
    (e.g. Ulm 1990, Table 1)."""
    zero = stats.poisson_rate(0, 1.0)
    assert zero.ci_low == 0.0 and zero.ci_high == pytest.approx(3.689, abs=1e-3)
    ten = stats.poisson_rate(10, 2.0)
    assert ten.estimate == 5.0
    assert ten.ci_low * 2 == pytest.approx(4.795, abs=1e-3)
    assert ten.ci_high * 2 == pytest.approx(18.390, abs=1e-3)


def test_wilson_matches_scipy() -> None:
    w = stats.wilson(37, 120)
    ci = sps.binomtest(37, 120).proportion_ci(method="wilson")
    assert (w.ci_low, w.ci_high) == pytest.approx((ci.low, ci.high), rel=1e-12)


def test_auc_from_counts_equals_the_shared_definition() -> None:
    rng = np.random.default_rng(1)
    score = rng.integers(0, 11, 500).astype(float)
    y = rng.random(500) < 0.2 + 0.05 * score
    codes, levels = stats.score_codes(score)
    one = stats.resampled_aucs(np.arange(500)[None, :], codes, levels, y)
    assert one[0] == pytest.approx(d.auc(score, y), abs=1e-12)
    idx = rng.integers(0, 500, (3, 500))
    many = stats.resampled_aucs(idx, codes, levels, y)
    for row, value in zip(idx, many, strict=True):
        assert value == pytest.approx(d.auc(score[row], y[row]), abs=1e-12)


def test_percentile_interval_gives_up_when_replicates_are_not_finite() -> None:
    assert stats.percentile_interval(np.r_[np.arange(100.0), np.nan]) == pytest.approx(
        (2.475, 96.525)
    )
    lo, hi = stats.percentile_interval(np.r_[np.arange(10.0), [np.nan] * 5])
    assert math.isnan(lo) and math.isnan(hi)


def test_bootstrap_is_seeded() -> None:
    x = np.arange(50.0)

    def run(seed: int) -> np.ndarray:
        return stats.bootstrap(np.random.default_rng(seed), 50, lambda i: x[i].mean(1), 300)

    assert np.array_equal(run(3), run(3))
    assert not np.array_equal(run(3), run(4))
    sizes = [c.shape for c in stats.count_chunks(np.random.default_rng(0), 7, 5)]
    assert sum(s[0] for s in sizes) == 5 and all(s[1] == 7 for s in sizes)


@pytest.mark.parametrize(
    "lo,hi,direction,expected",
    [
        (1.2, 3.0, "above", "supported"),
        (0.2, 0.9, "above", "contradicted"),
        (0.8, 1.3, "above", "not_supported"),
        (-0.04, 0.03, "below", "supported"),
        (0.06, 0.2, "below", "contradicted"),
        (float("nan"), 2.0, "above", "not_supported"),
    ],
)
def test_verdict_from_interval(lo: float, hi: float, direction: str, expected: str) -> None:
    line = 0.05 if direction == "below" else 1.0
    assert verdict_from_interval(lo, hi, line, direction) == expected  # type: ignore[arg-type]


def test_finding_to_dict_is_json_ready() -> None:
    f = Finding(
        id="x",
        claim="c (seed 001)",
        estimate=float("nan"),
        ci_low=np.float64(1.0),
        ci_high=None,
        n=3,
        method="m",
        verdict="not_supported",
        summary="s",
        details={"a": [np.float64(float("inf")), (1, 2)], "b": np.int64(4)},
    )
    out = f.to_dict()
    assert out["estimate"] is None and out["ci_low"] == 1.0
    assert out["details"] == {"a": [None, [1, 2]], "b": 4}
