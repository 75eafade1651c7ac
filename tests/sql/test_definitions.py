"""The shared definitions in SQL (``legame/sql/defs``) say what their numpy twins in
``legame.metrics.definitions`` say (the simulator plants its effects with those), and every
query that uses one gives the same answer."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import numpy as np

from legame.engine import DuckDBEngine
from legame.metrics import definitions as d
from legame.store import Workspace
from tests.engage.governor.log import add, sent

AS_OF = datetime(2025, 6, 1)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def test_a_poor_ticket_is_the_same_in_sql_numpy_the_findings_and_the_scores(ws: Workspace) -> None:
    """Every combination of response, resolution, CSAT and age around the rule's edges: a
    response or resolution after the as-of moment is not known yet, and a missing one only
    counts once its deadline passed."""
    responses = [None, 47 * HOUR, 49 * HOUR, 20 * DAY]
    resolutions = [None, 6 * DAY, 8 * DAY, 20 * DAY]
    csats = [None, 2, 3]
    ages = [1.5 * DAY, 3 * DAY, 10 * DAY]
    expected = {}
    for k, (resp, reso, csat, age) in enumerate(
        itertools.product(responses, resolutions, csats, ages)
    ):
        opened = AS_OF - age
        tid = f"t{k:03d}"
        add(
            ws,
            "tickets",
            ticket_id=tid,
            customer_id=f"c{k:03d}",
            opened_at=opened,
            first_response_at=None if resp is None else opened + resp,
            resolved_at=None if reso is None else opened + reso,
            csat=csat,
        )
        known = [np.nan if v is None or opened + v >= AS_OF else v / HOUR for v in (resp, reso)]
        expected[tid] = bool(
            d.ticket_is_poor(known[0], known[1] / 24, np.nan if csat is None else csat, age / DAY)
        )
    assert 0 < sum(expected.values()) < len(expected)
    engine = DuckDBEngine(ws)
    tickets = engine.query("finding_service_tickets", as_of=AS_OF, **d.poor_ticket_params())
    found = dict(zip(tickets["ticket_id"].to_pylist(), tickets["poor"].to_pylist(), strict=True))
    assert found == expected
    voice = engine.query(
        "customer_voice", as_of=AS_OF, min_motivator_items=5, **d.poor_ticket_params()
    )
    counted = dict(
        zip(voice["customer_id"].to_pylist(), voice["poor_tickets_90d"].to_pylist(), strict=True)
    )
    assert counted == {f"c{tid[1:]}": int(poor) for tid, poor in expected.items()}


def test_contact_pressure_per_band_is_numpy_s_band_of_the_messages_before_each(
    ws: Workspace,
) -> None:
    """Bursts and gaps, from a message a month to a dozen in a week; messages sent at or
    after the as-of moment are not counted, nor unsubscribes recorded after it."""
    rng = np.random.default_rng(3)
    window = timedelta(days=d.CONTACT_PRESSURE_WINDOW_DAYS)
    expected = np.zeros((3, 2), dtype=np.int64)  # per band: messages, unsubscribes
    for c in range(12):
        gaps = rng.choice([0.2, 0.5, 2.0, 6.0, 31.0], size=40)
        at = AS_OF - timedelta(days=float(gaps.sum()) - 5)
        before: list[datetime] = []
        for gap in gaps:
            at += timedelta(days=float(gap))
            unsubscribed = at + HOUR if rng.random() < 0.2 else None
            sent(ws, f"c{c}", "email", at, unsubscribed_at=unsubscribed)
            if at < AS_OF:
                band = int(d.contact_band(sum(1 for b in before if b >= at - window)))
                expected[band] += (1, unsubscribed is not None and unsubscribed < AS_OF)
            before.append(at)
    rows = (
        DuckDBEngine(ws)
        .query("views/contact_pressure_by_band", as_of=AS_OF, **d.contact_pressure_params())
        .to_pylist()
    )
    got = np.zeros((3, 2), dtype=np.int64)
    for row in rows:
        got[row["band"]] = (row["messages"], row["unsubscribes"])
    assert (got == expected).all()
    assert expected[:, 0].min() > 0 and expected[:, 1].min() > 0


def test_a_customers_latest_answer_is_one_answer_on_every_surface(ws: Workspace) -> None:
    """Two answers given at one instant: every query that takes a customer's latest answer
    takes the same one (defs/newest_answer_first: the larger response id), whichever was
    stored first."""
    from legame.metrics.nps import nps_report

    at = AS_OF - DAY
    # c1's latest is its promoter answer (R2 > R1), stored second; c2's is its detractor
    # answer (R4 > R3), stored first.
    for rid, cid, nps in (("R1", "c1", 2), ("R2", "c1", 10), ("R4", "c2", 3), ("R3", "c2", 9)):
        add(ws, "survey_responses", response_id=rid, customer_id=cid, answered_at=at, nps=nps)
    latest = {"c1": 10, "c2": 3}
    for by in (None, "month", "channel"):
        report = nps_report(ws, by)  # type: ignore[arg-type]
        assert (report["promoters"], report["detractors"]) == (0.5, 0.5), by
        for group in report.get("groups", []):
            assert (group["promoters"], group["detractors"]) == (0.5, 0.5), by
    voice = DuckDBEngine(ws).query(
        "customer_voice", as_of=AS_OF, min_motivator_items=5, **d.poor_ticket_params()
    )
    assert dict(zip(voice["customer_id"].to_pylist(), voice["nps"].to_pylist(), strict=True)) == (
        latest
    )
