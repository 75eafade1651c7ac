"""Cases take a period (issue 19, item 2): the queue, its counts, the CSV and the loop's
measures keep the cases whose answer or ticket (``event_at``) is in it, as every period is
of the data, through the library, the API, the CLI and the dashboard; without one (the
API's and the CLI's default) they are about every case.

The small store's cases open in two runs: R1 and T1 on 2025-03-03 (:data:`EARLY`), R3, R5,
T2 and T5 on 2025-03-10 (:data:`AS_OF`); when they open does not place them in a period.
Their events: T1 on 2025-02-20, R1, T2 and T5 on 2025-03-01, R3 on 03-03, R5 on 03-05. The
data is as of 2025-03-11 09:00 (R7), so ``7d`` is 2025-03-05 to 2025-03-11 and holds R5
only, and :data:`RANGE` (February to March 2) holds T1, R1, T2 and T5.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import unescape
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from legame.api.app import create_app
from legame.engage.cases import case_counts, case_stats, list_cases, open_cases
from legame.errors import InputError
from legame.metrics.period import Period, data_as_of, parse_period
from legame.store import Workspace
from legame.store.keys import create_key
from legame.web.i18n import catalogue
from tests.cases.conftest import AS_OF, by_source, policy
from tests.web.conftest import new_client, sign_in

EARLY = datetime(2025, 3, 3)
OPENED_EARLY = ["survey:R1", "ticket:T1"]
IN_RANGE = ["survey:R1", "ticket:T1", "ticket:T2", "ticket:T5"]
IN_7D = ["survey:R5"]
EVERY = ["survey:R1", "survey:R3", "survey:R5", "ticket:T1", "ticket:T2", "ticket:T5"]
RANGE = "2025-02-01..2025-03-02"  # T1, R1, T2 and T5
LATER = AS_OF + timedelta(days=400)  # every detractor's follow-up is complete
RULES = policy(gratitude={"holdout_share": 0.0})


@pytest.fixture
def two_runs(db_with_store: Path) -> Path:
    """The small store with its cases opened in two runs, none in a holdout."""
    (db_with_store.parent / "legame.toml").write_text("[gratitude]\nholdout_share = 0.0\n")
    with Workspace.open(db_with_store) as ws:
        assert open_cases(ws, as_of=EARLY, policy=RULES).opened == 2
        assert open_cases(ws, as_of=AS_OF, policy=RULES).opened == 4
        opened = {source: case["opened_at"] for source, case in by_source(ws).items()}
    assert sorted(s for s, at in opened.items() if at == EARLY) == OPENED_EARLY
    return db_with_store


def period(ws: Workspace, spec: str) -> Period:
    return parse_period(spec, data_as_of(ws))


def sources(page: dict) -> list[str]:
    return sorted(c["source_key"] for c in page["cases"])


def the_error(spec: str) -> str:
    """What every surface says of a period it cannot read: the library's message."""
    with pytest.raises(InputError) as caught:
        parse_period(spec, AS_OF)
    return str(caught.value)


# --- the library --------------------------------------------------------------------------


def test_the_library_keeps_the_cases_whose_event_is_in_the_period(two_runs: Path) -> None:
    with Workspace.open(two_runs, read_only=True) as ws:
        recent, early = period(ws, "7d"), period(ws, RANGE)
        assert sources(list_cases(ws, period=recent)) == IN_7D
        assert sources(list_cases(ws, period=early)) == IN_RANGE
        assert sources(list_cases(ws)) == EVERY
        assert sources(list_cases(ws, period=period(ws, "all"))) == EVERY
        # the other filters and the sort still apply within the period
        assert sources(list_cases(ws, period=early, kind="poor_service", sort="clv")) == [
            "ticket:T1",
            "ticket:T2",
            "ticket:T5",
        ]
        assert list_cases(ws, period=period(ws, "2024"))["total"] == 0
        assert list_cases(ws, period=early)["period"] == {
            "spec": RANGE,
            "from": datetime(2025, 2, 1).date(),
            "to": datetime(2025, 3, 2).date(),
        }
        assert list_cases(ws)["period"] is None
        assert case_counts(ws, period=recent)["total"] == 1
        assert case_counts(ws, period=early)["by_kind"] == {"detractor": 1, "poor_service": 3}
        assert case_counts(ws)["total"] == 6


def test_the_loops_measures_count_the_cases_whose_event_is_in_the_period(two_runs: Path) -> None:
    with Workspace.open(two_runs, read_only=True) as ws:
        early = case_stats(ws, as_of=LATER, period=period(ws, RANGE))
        recent = case_stats(ws, as_of=LATER, period=period(ws, "7d"))
        every = case_stats(ws, as_of=LATER)
    assert [t["cases"] for t in early["timings"] if t["kind"] == "all"] == [4]
    assert [t["cases"] for t in recent["timings"] if t["kind"] == "all"] == [1]
    assert [t["cases"] for t in every["timings"] if t["kind"] == "all"] == [6]
    # the call-back's experiment: R1 answered in RANGE, R5 in the last 7 days, R3 between
    # (all in treatment)
    assert early["callback_effect"]["treatment"]["cases"] == 1
    assert recent["callback_effect"]["treatment"]["cases"] == 1
    assert every["callback_effect"]["treatment"]["cases"] == 3
    assert (early["counts"]["total"], recent["counts"]["total"]) == (4, 1)
    assert early["period"]["spec"] == RANGE and every["period"] is None


def test_the_period_is_bound_not_written_into_the_sql() -> None:
    from legame import sql

    for name in ("cases/queue", "cases/queue_count", "cases/counts", "cases/timings"):
        text = sql.text(name)
        assert "event_at >=" in text and "$start" not in text and "$end" not in text, name


# --- the API ------------------------------------------------------------------------------


@pytest.fixture
def api(two_runs: Path) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    with Workspace.open(two_runs) as ws:
        keys = {role: create_key(ws, role)[0] for role in ("viewer", "analyst")}
    headers = {role: {"Authorization": f"Bearer {key}"} for role, key in keys.items()}
    with TestClient(create_app(two_runs)) as client:
        yield client, headers


def test_the_api_takes_a_period_and_keeps_every_case_without_one(api) -> None:
    client, h = api
    listed = client.get("/api/v1/cases", headers=h["analyst"], params={"period": "7d"})
    assert listed.status_code == 200, listed.text
    assert sources(listed.json()) == IN_7D
    assert listed.json()["period"] == {"spec": "7d", "from": "2025-03-05", "to": "2025-03-11"}
    early = client.get("/api/v1/cases", headers=h["analyst"], params={"period": RANGE})
    assert sources(early.json()) == IN_RANGE
    every = client.get("/api/v1/cases", headers=h["analyst"]).json()
    assert sources(every) == EVERY and every["period"] is None

    counts = client.get("/api/v1/cases/counts", headers=h["viewer"], params={"period": RANGE})
    assert counts.status_code == 200, counts.text
    assert (counts.json()["total"], counts.json()["period"]["from"]) == (4, "2025-02-01")
    assert client.get("/api/v1/cases/counts", headers=h["viewer"]).json()["total"] == 6

    stats = client.get(
        "/api/v1/cases/stats",
        headers=h["analyst"],
        params={"period": "7d", "as_of": LATER.isoformat()},
    )
    assert stats.status_code == 200, stats.text
    body = stats.json()
    assert [t["cases"] for t in body["timings"] if t["kind"] == "all"] == [1]
    assert body["counts"]["total"] == 1
    assert body["callback_effect"]["treatment"]["cases"] == 1


@pytest.mark.parametrize("path", ["/api/v1/cases", "/api/v1/cases/counts", "/api/v1/cases/stats"])
def test_a_period_the_api_cannot_read_is_the_same_422_as_elsewhere(api, path: str) -> None:
    client, h = api
    bad = client.get(path, headers=h["analyst"], params={"period": "yesterday"})
    assert bad.status_code == 422, bad.text
    error = bad.json()["error"]
    assert error["message"] == the_error("yesterday")
    elsewhere = client.get("/api/v1/comments", headers=h["analyst"], params={"period": "yesterday"})
    assert elsewhere.status_code == 422
    assert elsewhere.json()["error"] == error


# --- the CLI ------------------------------------------------------------------------------


def test_the_cli_lists_and_measures_the_cases_of_a_period(cli, two_runs: Path) -> None:
    recent = cli("cases", "list", "--db", two_runs, "--period", "7d", "--json")
    assert recent.exit_code == 0, recent.output
    assert sources(json.loads(recent.stdout)) == IN_7D
    early = cli("cases", "list", "--db", two_runs, "--period", RANGE, "--json")
    assert sources(json.loads(early.stdout)) == IN_RANGE
    every = cli("cases", "list", "--db", two_runs, "--json")
    assert sources(json.loads(every.stdout)) == EVERY
    text = cli("cases", "list", "--db", two_runs, "--period", RANGE)
    said = "4 cases about answers and tickets from 2025-02-01 to 2025-03-02 (page 1 of 1)"
    assert said in text.stdout

    stats = cli("cases", "stats", "--db", two_runs, "--period", "7d", "--as-of", LATER, "--json")
    assert stats.exit_code == 0, stats.output
    payload = json.loads(stats.stdout)
    assert payload["counts"]["total"] == 1
    assert payload["callback_effect"]["treatment"]["cases"] == 1
    said = cli("cases", "stats", "--db", two_runs, "--period", RANGE)
    assert "Cases about answers and tickets from 2025-02-01 to 2025-03-02: 4 (4 open" in said.stdout


def test_a_period_the_cli_cannot_read_says_which_forms_it_takes(cli, two_runs: Path) -> None:
    for command in ("list", "stats"):
        result = cli("cases", command, "--db", two_runs, "--period", "yesterday")
        assert result.exit_code == 1
        assert isinstance(result.exception, InputError)
        assert str(result.exception) == the_error("yesterday")


# --- the dashboard ------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    app: FastAPI
    keys: dict[str, str]
    case_ids: dict[str, int]  # by source

    def ids(self, sources: list[str]) -> list[str]:
        return sorted(str(self.case_ids[s]) for s in sources)

    def client(self, role: str) -> TestClient:
        return sign_in(new_client(self.app), self.keys[role])


@pytest.fixture
def dashboard(two_runs: Path) -> Iterator[Dashboard]:
    with Workspace.open(two_runs) as ws:
        keys = {role: create_key(ws, role)[0] for role in ("viewer", "analyst")}
        case_ids = {source: case["case_id"] for source, case in by_source(ws).items()}
    app = create_app(two_runs)
    with TestClient(app):
        yield Dashboard(app, keys, case_ids)


def listed(html: str) -> list[str]:
    """The case numbers in the queue's table."""
    return re.findall(r'<tr data-case="([0-9]+)"', html)


def test_the_queue_page_and_its_csv_show_the_cases_of_the_pickers_period(
    dashboard: Dashboard,
) -> None:
    client = dashboard.client("analyst")
    early = client.get("/cases", params={"from": "2025-02-01", "to": "2025-03-02"})
    assert early.status_code == 200
    assert sorted(listed(early.text)) == dashboard.ids(IN_RANGE)
    c = catalogue("en")
    first, last = c.date(datetime(2025, 2, 1).date()), c.date(datetime(2025, 3, 2).date())
    assert c.t("cases.opened_span", first=first, last=last) in unescape(early.text)
    assert early.cookies.get("legame_period") == RANGE
    # the next page without a period, and the loop page, keep the chosen one
    again = client.get("/cases")
    assert sorted(listed(again.text)) == dashboard.ids(IN_RANGE)
    recent = client.get("/cases?period=7d")
    assert sorted(listed(recent.text)) == dashboard.ids(IN_7D)
    table = client.get("/cases.csv?period=7d")
    rows = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert sorted(r[0] for r in rows[1:]) == dashboard.ids(IN_7D)
    everything = client.get("/cases?period=all")
    assert sorted(listed(everything.text)) == dashboard.ids(EVERY)


def test_the_counts_and_the_loop_page_are_of_the_period(dashboard: Dashboard) -> None:
    viewer = dashboard.client("viewer")
    counts = viewer.get("/cases", params={"period": RANGE})
    assert counts.status_code == 200
    assert "4 cases in all" in counts.text and 'class="period"' in counts.text
    assert "6 cases in all" in viewer.get("/cases?period=all").text
    analyst = dashboard.client("analyst")
    loop = analyst.get("/cases/loop", params={"period": RANGE})
    assert loop.status_code == 200 and 'class="period"' in loop.text
    row = re.search(r'<tr data-kind="all">(.*?)</tr>', loop.text, re.S)
    assert row and re.findall(r'<td class="n">([0-9]+)</td>', row.group(1))[0] == "4"
    later = analyst.get("/cases/loop?period=7d")
    row = re.search(r'<tr data-kind="all">(.*?)</tr>', later.text, re.S)
    assert row and re.findall(r'<td class="n">([0-9]+)</td>', row.group(1))[0] == "1"


@pytest.mark.parametrize("path", ["/cases", "/cases/loop", "/cases.csv"])
def test_a_period_the_page_cannot_read_is_the_422_page(dashboard: Dashboard, path: str) -> None:
    bad = dashboard.client("analyst").get(f"{path}?period=yesterday&lang=it")
    assert bad.status_code == 422 and "text/html" in bad.headers["content-type"]
    assert catalogue("it").t("period.invalid") in unescape(bad.text)
