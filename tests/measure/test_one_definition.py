"""A quantity is defined once and every surface reads that definition: value at risk (the
score command, the overview, the demo), the contact pressure per band (the engagement page
and the contact-pressure finding), and the default cutoff (the score and the findings)."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from legame.cli import app
from legame.demo import _summary
from legame.ingest import ingest
from legame.insights import compute_findings
from legame.insights.context import Context
from legame.metrics import cutoff
from legame.scoring import last_order_day, score_totals
from legame.store import Workspace
from legame.views import engagement, overview
from legame.views.cache import forget_all


@pytest.fixture(scope="module")
def scored(sim_db, tmp_path_factory) -> tuple[Path, dict]:
    """The simulated workspace scored once by ``legame score --json`` (a copy)."""
    from typer.testing import CliRunner

    copy = tmp_path_factory.mktemp("totals") / "ws.duckdb"
    shutil.copy(sim_db[0], copy)
    result = CliRunner().invoke(app, ["score", "--db", str(copy), "--json"])
    assert result.exit_code == 0, result.output
    return copy, json.loads(result.stdout)


def test_value_at_risk_is_one_number_on_every_surface(scored) -> None:
    db, printed = scored
    with Workspace.open(db, read_only=True) as ws:
        totals = score_totals(ws)
        by_hand = ws.con.execute(
            "SELECT sum(clv), sum(revenue_12m) FILTER (WHERE churn_risk = 'high'), "
            "count(*) FILTER (WHERE churn_risk = 'high') FROM customer_scores"
        ).fetchall()[0]
        page = overview(ws)
        demo = _summary(ws, {"model": None, "params": None, "spend_params": None})
    assert totals["value_at_risk"] == pytest.approx(by_hand[1], rel=1e-12) and by_hand[1] > 0
    assert totals["total_clv"] == pytest.approx(by_hand[0], rel=1e-12)
    assert totals["high_risk_customers"] == by_hand[2] > 0
    for surface in (printed, page, demo):
        assert surface["value_at_risk"] == totals["value_at_risk"]
        assert surface["total_clv"] == totals["total_clv"]
    assert demo["high_risk_customers"] == totals["high_risk_customers"]


def test_the_engagement_page_counts_contact_pressure_as_the_finding_does(scored) -> None:
    db, _ = scored
    with Workspace.open(db, read_only=True) as ws:
        page = engagement(ws)["pressure"]
        (finding,) = compute_findings(ws, only=("contact_pressure",))
    keys = ("band", "messages", "unsubscribes", "complaints")
    assert [{k: row[k] for k in keys} for row in page] == [
        {k: row[k] for k in keys} for row in finding.details["by_band"]
    ]
    assert [row["unsubscribe_rate"] for row in page] == pytest.approx(
        [row["unsubscribe_rate"] for row in finding.details["by_band"]]
    )


def test_messages_after_the_cutoff_are_not_on_the_engagement_page(scored, tmp_path) -> None:
    """Sends logged after the latest completed order (orders arrive weekly, sends daily)
    wait for the cutoff to reach them, as in the finding."""
    db = tmp_path / "ws.duckdb"
    shutil.copy(scored[0], db)
    with Workspace.open(db) as ws:
        before = engagement(ws)["pressure"]
        as_of = cutoff.default_as_of(ws)
        assert as_of is not None
        ws.con.execute(
            "UPDATE messages SET sent_at = ? WHERE message_id IN "
            "(SELECT message_id FROM messages ORDER BY message_id LIMIT 100)",
            [as_of],
        )
        # sends moved by hand, not by an import: no new batch tells the kept page to go
        forget_all()
        moved = engagement(ws)["pressure"]
    assert sum(r["messages"] for r in before) - sum(r["messages"] for r in moved) == 100


def test_the_findings_look_back_from_the_score_s_cutoff_even_with_a_future_order(
    ws: Workspace, write
) -> None:
    (ws.path.parent / "legame.toml").write_text('[ingest]\nfuture_tolerance = "36500d"\n')
    orders = (
        "order_id,customer_id,ordered_at,amount\nO1,c1,2025-02-01,10\n"
        "O2,c1,2025-03-01,10\nO3,c2,2099-01-01,5\n"
    )
    assert ingest(ws, "orders", [write("o.csv", orders)]).total("inserted") == 3
    assert last_order_day(ws) == cutoff.last_order_day(ws) == date(2025, 3, 1)
    assert Context(ws).as_of == cutoff.default_as_of(ws) == datetime(2025, 3, 2)
    assert cutoff.future_orders(ws) == 1
    assert cutoff.last_order_day(ws, today=date(2025, 1, 1)) is None
    assert cutoff.default_as_of(ws, today=date(2025, 1, 1)) is None
