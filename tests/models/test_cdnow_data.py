"""The CDNOW fixture (DuckDB SQL over the raw transactions) matches the published summaries."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from conftest import CdnowSummary


def _published(folder: Path, name: str) -> np.ndarray:
    return np.genfromtxt(folder / name, delimiter=",", names=True)


def test_cdnow_rfm_from_raw_transactions_matches_published_summary(
    cdnow: CdnowSummary, cdnow_dir: Path
) -> None:
    """``cdnow_customers_summary.csv`` (shipped with lifetimes) rounds recency and T to 0.01
    week; frequency must match exactly, the times within that rounding."""
    pub = _published(cdnow_dir, "cdnow_customers_summary.csv")
    assert cdnow.id.size == 2357
    np.testing.assert_array_equal(cdnow.id, pub["ID"])
    np.testing.assert_array_equal(cdnow.frequency, pub["frequency"])
    np.testing.assert_allclose(cdnow.recency, pub["recency"], rtol=0, atol=0.005 + 1e-9)
    np.testing.assert_allclose(cdnow.T, pub["T"], rtol=0, atol=0.005 + 1e-9)


def test_cdnow_mean_repeat_spend_matches_published_zbar(
    cdnow: CdnowSummary, cdnow_dir: Path
) -> None:
    """``zbar`` in ``cdnow_customers_summary_with_transactions.csv``: the mean dollar value of
    the repeat purchase days, rounded to the cent (0 for customers with no repeat purchase)."""
    pub = _published(cdnow_dir, "cdnow_customers_summary_with_transactions.csv")
    np.testing.assert_array_equal(cdnow.frequency, pub["x"])
    np.testing.assert_allclose(cdnow.monetary_value, pub["zbar"], rtol=0, atol=0.005 + 1e-9)


def test_cdnow_sql_agrees_with_a_plain_python_count(cdnow: CdnowSummary, cdnow_dir: Path) -> None:
    """A second, independent reading of the raw file (Python, no SQL) gives the same
    calibration frequencies and holdout purchase-day counts as the DuckDB query."""
    days: dict[int, set[date]] = defaultdict(set)
    with open(cdnow_dir / "CDNOW_sample.txt") as fh:
        for line in fh:
            _, sample_id, ymd, _, _ = line.split()
            days[int(sample_id)].add(date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:])))
    cal_end, hold_end = date(1997, 9, 30), date(1998, 6, 30)
    freq = np.array([sum(d <= cal_end for d in days[i]) - 1 for i in cdnow.id], dtype=float)
    hold = np.array([sum(cal_end < d <= hold_end for d in days[i]) for i in cdnow.id], dtype=float)
    np.testing.assert_array_equal(cdnow.frequency, freq)
    np.testing.assert_array_equal(cdnow.holdout, hold)
    assert cdnow.frequency.sum() == 2457  # repeat purchase days in the 39 calibration weeks
