"""Periods and the headline of a period (issue 19, item 2): the spec forms, the previous
period, NPS by each customer's latest answer (or every answer, on request), and changes
whose 95% intervals cover a planted difference at their nominal rate."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import numpy as np
import pytest

from legame.errors import InputError
from legame.ingest import ingest
from legame.metrics import headline as hl
from legame.metrics.period import parse_period
from legame.store import Workspace

AS_OF = datetime(2025, 6, 30, 18, 0)


def test_a_number_of_days_ends_with_the_day_the_data_is_as_of() -> None:
    p = parse_period("30d", AS_OF)
    assert (p.start, p.end) == (datetime(2025, 6, 1), datetime(2025, 7, 1))
    assert p.previous_start == datetime(2025, 5, 2)
    assert p.to_dict()["previous"] == {"from": date(2025, 5, 2), "to": date(2025, 5, 31)}


def test_a_year_is_compared_with_the_year_before_and_a_range_includes_both_days() -> None:
    year = parse_period("2024", AS_OF)
    assert (year.start, year.end, year.previous_start) == (
        datetime(2024, 1, 1),
        datetime(2025, 1, 1),
        datetime(2023, 1, 1),
    )
    span = parse_period("2025-03-01..2025-03-31", AS_OF)
    assert span.days == 31 and span.previous_start == datetime(2025, 1, 29)
    everything = parse_period("all", AS_OF)
    assert everything.previous_start is None and everything.to_dict()["from"] is None


@pytest.mark.parametrize("spec", ["0d", "xx", "2025-02-30..2025-03-01", "2025-03-02..2025-03-01"])
def test_a_spec_that_names_no_period_is_refused_with_the_forms_it_can_take(spec: str) -> None:
    with pytest.raises(InputError, match=f"The period must be .* Got '{spec}' instead"):
        parse_period(spec, AS_OF)


def _planted_store(folder: Path) -> Path:
    """June 2025: C1 answers eleven times (a 0, then ten 10s), C2 0, C3 8, C4 9; May 2025:
    C5 and C6 answer 0, C7 10. Orders: three in June, one in May, and one in April (so the
    data covers the previous 30 days)."""
    db = folder / "ws.duckdb"
    answers = ["response_id,customer_id,answered_at,nps,csat,ces"]
    answers.append("R0,C1,2025-06-02 09:00:00,0,,")
    answers += [f"R{i},C1,2025-06-{i + 2:02d} 10:00:00,10,," for i in range(1, 11)]
    answers += [
        "R20,C2,2025-06-10 10:00:00,0,2,6",
        "R21,C3,2025-06-11 10:00:00,8,5,2",
        "R22,C4,2025-06-30 18:00:00,9,4,3",
        "R30,C5,2025-05-05 10:00:00,0,1,7",
        "R31,C6,2025-05-06 10:00:00,0,,",
        "R32,C7,2025-05-07 10:00:00,10,,",
    ]
    (folder / "answers.csv").write_text("\n".join(answers) + "\n")
    (folder / "orders.csv").write_text(
        "order_id,customer_id,ordered_at,amount\n"
        "O0,C8,2025-04-20,5\nO1,C1,2025-06-03,10\nO2,C2,2025-06-04,20\nO3,C1,2025-06-05,30\n"
        "O4,C5,2025-05-10,40\n"
    )
    with Workspace.create(db) as ws:
        ingest(ws, "orders", [folder / "orders.csv"])
        ingest(ws, "survey_responses", [folder / "answers.csv"])
    return db


def test_nps_counts_each_customers_latest_answer_unless_every_answer_is_asked(
    tmp_path: Path,
) -> None:
    with Workspace.open(_planted_store(tmp_path), read_only=True) as ws:
        latest = hl.headline(ws, "30d", today=date(2025, 7, 1))
        every = hl.headline(ws, "30d", every_answer=True, today=date(2025, 7, 1))
    assert latest["data_as_of"] == AS_OF
    assert latest["nps_counts"] == "latest_per_customer"
    # C1's latest is a 10; C2 0, C3 8, C4 9: two promoters, one passive, one detractor
    assert (latest["nps"]["n"], latest["nps"]["nps"]) == (4, pytest.approx(25.0))
    # every answer: 11 promoters, 1 passive, 2 detractors of 14
    assert every["nps_counts"] == "every_answer"
    assert (every["nps"]["n"], every["nps"]["nps"]) == (14, pytest.approx(100 * 9 / 14))
    # May: one promoter, two detractors
    assert latest["nps"]["previous"]["nps"] == pytest.approx(-100 / 3)
    assert latest["nps"]["change"]["estimate"] == pytest.approx(25 + 100 / 3)
    assert (latest["orders"]["value"], latest["orders"]["previous"]) == (3, 1)
    assert (latest["revenue"]["value"], latest["revenue"]["previous"]) == (60.0, 40.0)
    assert latest["csat"]["share"] == pytest.approx(2 / 3) and latest["csat"]["n"] == 3
    assert latest["ces"]["mean"] == pytest.approx(11 / 3)


def test_no_change_is_claimed_against_a_period_before_the_data_began(tmp_path: Path) -> None:
    with Workspace.open(_planted_store(tmp_path), read_only=True) as ws:
        found = hl.headline(ws, "60d", today=date(2025, 7, 1))
    assert found["period"]["compared"] is False  # the data begins on 20 April, not 2 March
    assert found["nps"]["change"] is None and found["orders"]["change"] is None


def _coverage(change: list[dict[str, float]], truth: float) -> float:
    return float(np.mean([c["ci_low"] <= truth <= c["ci_high"] for c in change]))


def test_the_nps_change_interval_covers_a_planted_difference_95_percent_of_the_time() -> None:
    """Two periods of 400 answers each, true NPS +10 then +25 (shares 0.40/0.30 and
    0.45/0.20): over 2,000 seeded draws the interval covers the true +15 about 95% of the
    time (binomial noise at 2,000 draws is ±1 point)."""
    rng = np.random.default_rng(7)
    changes = []
    for _ in range(2000):
        cur = rng.multinomial(400, [0.45, 0.35, 0.20])
        prev = rng.multinomial(400, [0.40, 0.30, 0.30])
        rows = {
            name: {"promoters": c[0], "passives": c[1], "detractors": c[2]}
            for name, c in (("current", cur), ("previous", prev))
        }
        changes.append(hl._nps(rows, True)["change"])
    assert 0.93 <= _coverage(changes, 15.0) <= 0.97


def test_the_csat_and_count_change_intervals_cover_planted_differences() -> None:
    rng = np.random.default_rng(11)
    csat, orders = [], []
    for _ in range(2000):
        a, b = rng.binomial(300, 0.70), rng.binomial(250, 0.60)
        rows = {
            "current": {"csat_n": 300, "csat_satisfied": a},
            "previous": {"csat_n": 250, "csat_satisfied": b},
        }
        csat.append(hl._csat(rows, True)["change"])
        counts = {"current": {"orders": rng.poisson(500)}, "previous": {"orders": rng.poisson(450)}}
        orders.append(hl._count(counts, "orders", True)["change"])
    assert 0.93 <= _coverage(csat, 0.10) <= 0.97
    assert 0.93 <= _coverage(orders, 50.0) <= 0.97
