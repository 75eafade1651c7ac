"""The overview's breakdowns (issue 19, item 5): NPS, CSAT and churn by segment, channel
and country for a period, checked against the same figures computed in Python from the
raw rows of a simulated business."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from legame.demo import run_demo
from legame.errors import InputError
from legame.metrics.nps import nps_from_counts
from legame.metrics.period import data_as_of, parse_period
from legame.store import Workspace
from legame.voices.breakdown import breakdown


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_demo(tmp_path_factory.mktemp("breakdown"), customers=400, seed=3).db


def _rows(ws: Workspace, query: str) -> list[tuple[Any, ...]]:
    return ws.con.execute(query).fetchall()


@pytest.mark.parametrize("by", ["segment", "channel", "country"])
def test_each_groups_figures_equal_a_count_of_the_raw_rows(demo: Path, by: str) -> None:
    with Workspace.open(demo, read_only=True) as ws:
        period = parse_period("365d", data_as_of(ws))
        found = {row["group"]: row for row in breakdown(ws, by, period)}
        answers = _rows(
            ws,
            "SELECT customer_id, answered_at, nps, csat FROM survey_responses "
            f"WHERE answered_at >= '{period.start}' AND answered_at < '{period.end}'",
        )
        scores = dict(_rows(ws, "SELECT customer_id, churn_risk FROM customer_scores"))
        if by == "segment":
            group = dict(_rows(ws, "SELECT customer_id, segment FROM customer_scores"))
        elif by == "country":
            group = {
                c: (v or "").strip().upper() or None
                for c, v in _rows(ws, "SELECT customer_id, country FROM customers")
            }
        else:
            orders = _rows(
                ws,
                "SELECT customer_id, ordered_at, channel FROM orders "
                f"WHERE status = 'completed' AND ordered_at < '{period.end}'",
            )
            latest: dict[str, tuple[Any, Any]] = {}
            for customer, at, channel in orders:
                if customer not in latest or at > latest[customer][0]:
                    latest[customer] = (at, channel)
            customers = [c for (c,) in _rows(ws, "SELECT customer_id FROM customers")]
            group = {c: latest[c][1] if c in latest else "none" for c in customers}
    last_nps: dict[str, tuple[Any, int]] = {}
    csat: dict[str, list[int]] = defaultdict(list)
    for customer, at, nps, sat in answers:
        if nps is not None and (customer not in last_nps or at > last_nps[customer][0]):
            last_nps[customer] = (at, nps)
        if sat is not None:
            csat[customer].append(sat)
    members: dict[str, list[str]] = defaultdict(list)
    for customer, name in group.items():
        members[name or "unknown"].append(customer)
    assert set(found) == set(members)
    for name, people in members.items():
        kinds = Counter(
            "p" if last_nps[c][1] >= 9 else "a" if last_nps[c][1] >= 7 else "d"
            for c in people
            if c in last_nps
        )
        expected = nps_from_counts(kinds["p"], kinds["a"], kinds["d"])
        row = found[name]
        assert row["customers"] == len(people)
        assert row["nps"]["n"] == expected.n and row["nps"]["nps"] == expected.nps
        given = [s for c in people for s in csat[c]]
        assert row["csat"]["n"] == len(given)
        if given:
            assert row["csat"]["share"] == pytest.approx(sum(s >= 4 for s in given) / len(given))
        scored = [c for c in people if c in scores]
        if scored:
            high = sum(scores[c] == "high" for c in scored)
            assert row["high_risk_share"] == pytest.approx(high / len(scored))


def test_a_grouping_it_does_not_know_is_refused(demo: Path) -> None:
    with Workspace.open(demo, read_only=True) as ws, pytest.raises(InputError, match="segment"):
        breakdown(ws, "city", parse_period("all", None))
