"""Too little data gives ``insufficient_data`` with the reason, never a guess."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from legame.insights import FINDING_IDS, compute_findings
from legame.store import Workspace

from .conftest import Planted


def test_fifty_customers_give_insufficient_data_for_every_finding(tiny: Path) -> None:
    with Workspace.open(tiny, read_only=True) as ws:
        results = compute_findings(ws)
    assert [f.id for f in results] == list(FINDING_IDS)
    for f in results:
        assert f.verdict == "insufficient_data", f.to_dict()
        assert f.estimate is None and f.ci_low is None and f.ci_high is None
        assert "error" not in f.details, f.details
        assert f.details["reason"]
        assert f.summary.startswith("Not enough data")


def test_an_empty_workspace_gives_insufficient_data(ws: Workspace) -> None:
    results = compute_findings(ws)
    assert {f.verdict for f in results} == {"insufficient_data"}
    assert all("no completed orders" in f.details["reason"] for f in results)


class _Copy:
    """A throwaway in-memory store with the planted workspace's tables (``.con`` is what a
    finding reads, and ``.path`` where its policy file is)."""

    def __init__(self, db: Path, where: dict[str, str]) -> None:
        self.path = db  # where the policy file is looked for (legame.toml beside it)
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute(f"ATTACH '{db}' AS src (READ_ONLY)")
        for (table,) in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'src' "
            "AND table_schema = 'main'"
        ).fetchall():
            self.con.execute(
                f'CREATE TABLE "{table}" AS SELECT * FROM src."{table}" {where.get(table, "")}'
            )
        self.con.execute("DETACH src")


@pytest.mark.slow
def test_gratitude_without_holdout_gestures_is_insufficient_data(planted: Planted) -> None:
    store = _Copy(planted.db, {"gestures": "WHERE arm = 'treatment'"})
    (f,) = compute_findings(store, only=("gratitude_uplift",))  # type: ignore[arg-type]
    assert f.verdict == "insufficient_data"
    assert "no gesture has a holdout arm" in f.details["reason"]
    assert f.causal is True


@pytest.mark.slow
def test_contact_pressure_without_heavy_contact_is_insufficient_data(planted: Planted) -> None:
    """A business that sends a quarter as many messages has (almost) nobody with 9+ in 30
    days: no high band to compare."""
    store = _Copy(planted.db, {"messages": "WHERE CAST(substr(message_id, 2) AS BIGINT) % 4 = 0"})
    (f,) = compute_findings(store, only=("contact_pressure",))  # type: ignore[arg-type]
    assert f.verdict == "insufficient_data", f.to_dict()
    assert "high (9+) band" in f.details["reason"]


@pytest.mark.slow
def test_service_without_a_gratitude_program_drops_that_adjustment(planted: Planted) -> None:
    """No gestures at all: the treated-gestures covariate never varies, so it is left out
    and the finding still stands."""
    store = _Copy(planted.db, {"gestures": "WHERE false"})
    (f,) = compute_findings(store, only=("service_and_churn",))  # type: ignore[arg-type]
    assert f.verdict == "supported", f.to_dict()
    assert set(f.details["adjustments"]) == {"log_purchases", "tenure_years"}
    assert set(planted.findings["service_and_churn"].details["adjustments"]) == {
        "log_purchases",
        "tenure_years",
        "treated_gestures",
    }
