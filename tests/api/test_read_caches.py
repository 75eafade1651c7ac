"""Reads kept between requests (issue 19, item 7) are never stale: the headline, NPS, the
breakdowns, the engagement page, the gesture plan and its results are computed once for the
data as it is, and again after an import, a recorded gesture, a score, an erasure, an edit
of the policy or a new day, whichever each reads. A caller that changes what it got never
changes what is kept. The plan is served in pages of one kept computation."""

from __future__ import annotations

import copy
import importlib
import io
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from legame.metrics.period import data_as_of, parse_period
from legame.views import cache
from tests.api.conftest import auth

NO_MILESTONES = "[gratitude.triggers.milestone_thanks]\nenabled = false\n"


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.forget_all()
    yield
    cache.forget_all()


def _count_calls(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    """Wrap ``module.name`` so each call is counted (the list's length)."""
    calls: list[int] = []
    real = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def _answers(client, keys, customer: str, count: int) -> None:
    """Import ``count`` promoter answers of ``customer`` on the data's last day."""
    csv = "response_id,customer_id,answered_at,nps\n" + "".join(
        f"CACHE{i},{customer},2025-12-31 10:0{i}:00,10\n" for i in range(count)
    )
    response = client.post(
        "/api/v1/ingest/survey_responses",
        headers=auth(keys["admin"]),
        files={"file": ("answers.csv", io.BytesIO(csv.encode()), "text/csv")},
    )
    assert response.status_code == 200, response.text


def _get(client, key: str, path: str, **params: Any) -> Any:
    response = client.get(path, params=params, headers=auth(key))
    assert response.status_code == 200, response.text
    return response.json()


def _erase_an_answering_customer(client, keys) -> str:
    with client.app.state.store.session() as ws:
        customer = ws.con.execute(
            "SELECT customer_id FROM survey_responses WHERE nps IS NOT NULL "
            "ORDER BY answered_at DESC LIMIT 1"
        ).fetchall()[0][0]
    response = client.delete(f"/api/v1/customers/{customer}", headers=auth(keys["admin"]))
    assert response.status_code == 200, response.text
    return str(customer)


def _put_policy(client, keys, text: str) -> None:
    response = client.put("/api/v1/policy", json={"text": text}, headers=auth(keys["admin"]))
    assert response.status_code == 200, response.text


# --- headline ------------------------------------------------------------------------------


def test_the_headline_is_computed_once_then_again_after_an_import(
    client, keys, monkeypatch
) -> None:
    import legame.metrics.headline as module

    calls = _count_calls(monkeypatch, module, "headline")
    first = _get(client, keys["viewer"], "/api/v1/headline", period="all")
    assert _get(client, keys["viewer"], "/api/v1/headline", period="all") == first
    assert len(calls) == 1
    every = _get(client, keys["viewer"], "/api/v1/headline", period="all", every_answer=True)
    assert every["nps_counts"] == "every_answer" and len(calls) == 2

    _answers(client, keys, "NEW-CACHE-CUSTOMER", 3)
    after = _get(client, keys["viewer"], "/api/v1/headline", period="all")
    assert after["answers"]["value"] == first["answers"]["value"] + 3
    assert after["nps"]["n"] == first["nps"]["n"] + 1  # one new customer's latest answer
    every_after = _get(client, keys["viewer"], "/api/v1/headline", period="all", every_answer=True)
    assert every_after["nps"]["n"] == every["nps"]["n"] + 3


def test_the_headline_after_an_erasure_is_without_the_customer(client, keys) -> None:
    before = _get(client, keys["viewer"], "/api/v1/headline", period="all")
    _erase_an_answering_customer(client, keys)
    after = _get(client, keys["viewer"], "/api/v1/headline", period="all")
    assert after["nps"]["n"] == before["nps"]["n"] - 1


def test_the_headline_of_another_day_is_not_the_kept_one(client, keys, monkeypatch) -> None:
    """The default period ends with the latest data up to today: the day is in the key."""
    first = _get(client, keys["viewer"], "/api/v1/headline", period="30d")
    assert first["period"]["to"] == "2025-12-31"
    monkeypatch.setattr(cache, "today", lambda: date(2025, 6, 30))
    earlier = _get(client, keys["viewer"], "/api/v1/headline", period="30d")
    assert earlier["period"]["to"] == "2025-06-30"
    assert earlier["answers"] != first["answers"]


# --- NPS -----------------------------------------------------------------------------------


def test_nps_by_month_twice_is_the_same_and_the_kept_value_is_never_changed(
    client, keys, monkeypatch
) -> None:
    """The route renames each group's ``month`` to ``group`` (it pops the key and replaces
    the groups): it does so on its own copy, the kept value stays what the library gave."""
    import legame.metrics.nps as module

    calls = _count_calls(monkeypatch, module, "nps_report")
    first = _get(client, keys["viewer"], "/api/v1/nps", by="month")
    second = _get(client, keys["viewer"], "/api/v1/nps", by="month")
    assert second == first and len(calls) == 1
    assert first["groups"] and all("group" in g for g in first["groups"])
    (kept,) = _kept("nps")
    with client.app.state.store.session() as ws:
        period = parse_period("all", data_as_of(ws))
        assert kept == module.nps_report(ws, "month", period=period)  # every "month", no "group"
    overall = _get(client, keys["viewer"], "/api/v1/nps")
    assert "groups" not in overall or not overall["groups"]
    assert len(calls) == 3  # (with the one above)


def _kept(kind: str) -> list[Any]:
    """The values kept for reads of this kind (the first item of their key)."""
    return [value for (_, key), value in cache._kept.items() if key[0] == kind]


def test_nps_after_an_import_and_an_erasure_counts_them(client, keys) -> None:
    before = _get(client, keys["viewer"], "/api/v1/nps", by="month")
    _answers(client, keys, "NEW-CACHE-CUSTOMER", 2)
    imported = _get(client, keys["viewer"], "/api/v1/nps", by="month")
    assert imported["n"] == before["n"] + 1
    december = [g for g in imported["groups"] if g["group"].startswith("2025-12")]
    was = [g for g in before["groups"] if g["group"].startswith("2025-12")]
    assert december[0]["n"] == was[0]["n"] + 1
    _erase_an_answering_customer(client, keys)
    erased = _get(client, keys["viewer"], "/api/v1/nps", by="month")
    assert erased["n"] == imported["n"] - 1


def test_nps_by_segment_after_a_new_score_is_the_new_scores(client, keys) -> None:
    from legame.scoring import score

    before = _get(client, keys["viewer"], "/api/v1/nps", by="segment")
    with client.app.state.store.session() as ws:
        score(ws, until=date(2025, 3, 31))
    after = _get(client, keys["viewer"], "/api/v1/nps", by="segment")
    assert after["n"] == before["n"]  # the same answers ...
    assert after["groups"] != before["groups"]  # ... in the new segments


# --- breakdowns ----------------------------------------------------------------------------


def test_the_breakdown_is_kept_and_follows_a_new_score_and_an_erasure(
    client, keys, monkeypatch
) -> None:
    import legame.voices.breakdown as module
    from legame.scoring import score

    calls = _count_calls(monkeypatch, module, "breakdowns")
    first = _get(client, keys["viewer"], "/api/v1/breakdown", by="segment", period="all")
    by_country = _get(client, keys["viewer"], "/api/v1/breakdown", by="country", period="all")
    assert _get(client, keys["viewer"], "/api/v1/breakdown", by="segment", period="all") == first
    assert len(calls) == 1 and by_country  # the three groupings are one computation
    assert sum(g["customers"] for g in first) == 1200

    _erase_an_answering_customer(client, keys)
    erased = _get(client, keys["viewer"], "/api/v1/breakdown", by="segment", period="all")
    assert sum(g["customers"] for g in erased) == 1199

    with client.app.state.store.session() as ws:
        score(ws, until=date(2025, 3, 31))
    rescored = _get(client, keys["viewer"], "/api/v1/breakdown", by="segment", period="all")
    assert rescored != erased and len(calls) == 3


def test_the_breakdown_after_an_import_counts_the_new_answers(client, keys) -> None:
    def answered(rows: list[dict[str, Any]]) -> int:
        return sum(g["csat"]["n"] for g in rows)

    with client.app.state.store.session() as ws:
        customer = ws.con.execute("SELECT min(customer_id) FROM customers").fetchall()[0][0]
    before = _get(client, keys["viewer"], "/api/v1/breakdown", by="channel", period="all")
    csv = "response_id,customer_id,answered_at,csat\nCACHE-CSAT,{},2025-12-31 09:00:00,5\n"
    response = client.post(
        "/api/v1/ingest/survey_responses",
        headers=auth(keys["admin"]),
        files={"file": ("csat.csv", io.BytesIO(csv.format(customer).encode()), "text/csv")},
    )
    assert response.status_code == 200, response.text
    after = _get(client, keys["viewer"], "/api/v1/breakdown", by="channel", period="all")
    assert answered(after) == answered(before) + 1


# --- engagement ----------------------------------------------------------------------------


def test_the_engagement_page_is_kept_until_the_policy_changes(client, keys, monkeypatch) -> None:
    module = importlib.import_module(
        "legame.views.engagement"
    )  # (the package's name is a function)

    calls = _count_calls(monkeypatch, module, "_engagement")
    _sign_in(client, keys["viewer"])
    first = client.get("/engagement")
    assert first.status_code == 200 and "<html" in first.text
    assert client.get("/engagement").text == first.text
    assert len(calls) == 1
    _put_policy(client, keys, NO_MILESTONES)
    assert client.get("/engagement").status_code == 200
    assert len(calls) == 2  # the policy file is in the key
    assert client.get("/engagement").status_code == 200
    assert len(calls) == 2


def _sign_in(client, key: str) -> None:
    form = client.get("/signin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, "no csrf_token field on the sign-in page"
    response = client.post(
        "/signin",
        data={"key": key, "csrf_token": token[1], "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def test_the_engagement_view_hands_out_copies(client) -> None:
    from legame.views import engagement

    with client.app.state.store.session() as ws:
        first = engagement(ws)
        assert first["pressure"] and first["gesture_arms"] and first["customers_by_band"]
        kept = copy.deepcopy(first)
        first["pressure"].clear()
        first["gesture_arms"][0]["gestures"] = -1
        first["customers_by_band"][0].pop("customers")
        assert engagement(ws) == kept


def test_the_engagement_view_follows_an_erasure_and_the_day(client, keys) -> None:
    from legame.views import engagement

    with client.app.state.store.session() as ws:
        before = engagement(ws)
        # the day taken as today bounds the moment the contact pressure is counted up to
        earlier = engagement(ws, on=date(2025, 6, 30))
        assert sum(r["messages"] for r in earlier["pressure"]) < sum(
            r["messages"] for r in before["pressure"]
        )
    _erase_an_answering_customer(client, keys)
    with client.app.state.store.session() as ws:
        after = engagement(ws)
    assert sum(r["customers"] for r in after["customers_by_band"]) == (
        sum(r["customers"] for r in before["customers_by_band"]) - 1
    )


# --- gesture plan --------------------------------------------------------------------------


def _all_pages(client, keys, page_size: int, **params: Any) -> tuple[dict[str, Any], list]:
    first = _get(client, keys["analyst"], "/api/v1/gestures/plan", page_size=page_size, **params)
    rows = list(first["proposals"])
    for page in range(2, first["pages"] + 1):
        body = _get(
            client,
            keys["analyst"],
            "/api/v1/gestures/plan",
            page=page,
            page_size=page_size,
            **params,
        )
        assert body["page"] == page and body["total"] == first["total"]
        rows += body["proposals"]
    return first, rows


def test_the_plan_comes_in_pages_of_one_computation(client, keys, monkeypatch) -> None:
    module = importlib.import_module(
        "legame.views.engagement"
    )  # (the package's name is a function)
    from legame.engage.gratitude import plan as library_plan

    calls = _count_calls(monkeypatch, module, "plan")
    first, rows = _all_pages(client, keys, page_size=10)
    assert len(calls) == 1  # pages 2.. read the kept plan
    with client.app.state.store.session() as ws:
        lib = library_plan(ws).to_pylist()
    assert first["total"] == len(lib) > 20 and first["page_size"] == 10
    assert first["pages"] == -(-len(lib) // 10) and len(first["proposals"]) == 10
    assert [(r["gesture_id"], r["arm"], r["cost"]) for r in rows] == [
        (r["gesture_id"], r["arm"], r["cost"]) for r in lib
    ]
    default = _get(client, keys["analyst"], "/api/v1/gestures/plan")
    assert default["page_size"] == 100 and default["proposals"] == rows[:100]
    whole = _get(client, keys["analyst"], "/api/v1/gestures/plan", page_size=1000)
    assert whole["pages"] == 1 and whole["proposals"] == rows
    assert len(calls) == 1


def test_a_page_past_the_last_is_a_404_naming_the_pages(client, keys) -> None:
    first = _get(client, keys["analyst"], "/api/v1/gestures/plan", page_size=50)
    past = client.get(
        "/api/v1/gestures/plan",
        params={"page": first["pages"] + 1, "page_size": 50},
        headers=auth(keys["analyst"]),
    )
    assert past.status_code == 404
    message = past.json()["error"]["message"]
    assert f"{first['total']:,} proposed gestures make {first['pages']:,} page(s) of 50" in (
        message
    )


@pytest.mark.parametrize(
    "params", [{"page_size": 0}, {"page_size": 1001}, {"page": 0}, {"page_size": "x"}]
)
def test_plan_pages_out_of_bounds_are_422(client, keys, params) -> None:
    response = client.get("/api/v1/gestures/plan", params=params, headers=auth(keys["analyst"]))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_input"


def test_an_edit_of_the_policy_is_in_the_next_plan(client, keys) -> None:
    original = _get(client, keys["admin"], "/api/v1/policy")["text"]
    before = _get(client, keys["analyst"], "/api/v1/gestures/plan", page_size=1000)
    assert any(r["trigger"] == "milestone_thanks" for r in before["proposals"])
    _put_policy(client, keys, NO_MILESTONES)
    after = _get(client, keys["analyst"], "/api/v1/gestures/plan", page_size=1000)
    assert not any(r["trigger"] == "milestone_thanks" for r in after["proposals"])
    assert after["total"] == before["total"] - sum(
        r["trigger"] == "milestone_thanks" for r in before["proposals"]
    )
    _put_policy(client, keys, original)  # the policy as it was: the first plan again
    assert _get(client, keys["analyst"], "/api/v1/gestures/plan", page_size=1000) == before


def test_a_recorded_gesture_leaves_the_next_plan(client, keys) -> None:
    """Recording gestures is an import: the moments recorded leave the plan at once."""
    before = _get(client, keys["analyst"], "/api/v1/gestures/plan", page_size=1000)
    given = before["proposals"][:3]
    columns = ("gesture_id", "customer_id", "kind", "reason", "given_at", "cost", "arm")
    columns += ("trigger", "event_key")
    csv = ",".join(columns) + "\n"
    for row in given:
        values = [str(row[c]).replace("+00:00", "").replace(",", " ") for c in columns]
        csv += ",".join(values) + "\n"
    response = client.post(
        "/api/v1/ingest/gestures",
        headers=auth(keys["admin"]),
        files={"file": ("gestures.csv", io.BytesIO(csv.encode()), "text/csv")},
    )
    assert response.status_code == 200 and response.json()["inserted"] == 3, response.text
    after = _get(client, keys["analyst"], "/api/v1/gestures/plan", page_size=1000)
    assert after["total"] == before["total"] - 3
    assert {r["gesture_id"] for r in given}.isdisjoint(r["gesture_id"] for r in after["proposals"])


def test_a_plan_at_another_instant_is_its_own(client, keys) -> None:
    at = "2025-06-30T00:00:00Z"
    latest = _get(client, keys["analyst"], "/api/v1/gestures/plan", page_size=1000)
    then = _get(client, keys["analyst"], "/api/v1/gestures/plan", page_size=1000, at=at)
    assert then["proposals"] and then["proposals"] != latest["proposals"]
    assert all(r["given_at"].startswith("2025-06-30T00:00:00") for r in then["proposals"])


def test_only_a_few_plans_are_kept(client, keys) -> None:
    from legame.views.engagement import PLANS_KEPT

    for day in range(PLANS_KEPT + 3):
        at = (date(2025, 6, 1) + timedelta(days=day)).isoformat() + "T00:00:00Z"
        _get(client, keys["analyst"], "/api/v1/gestures/plan", at=at)
    plans = [key for key in cache._kept if key[1][0] == "gesture_plan"]
    assert len(plans) == PLANS_KEPT


# --- gesture results -----------------------------------------------------------------------


def test_the_results_are_kept_and_follow_an_erasure(client, keys, monkeypatch) -> None:
    module = importlib.import_module(
        "legame.views.engagement"
    )  # (the package's name is a function)

    calls = _count_calls(monkeypatch, module, "results")
    first = _get(client, keys["viewer"], "/api/v1/gestures/results")
    assert _get(client, keys["viewer"], "/api/v1/gestures/results") == first
    assert len(calls) == 1
    with client.app.state.store.session() as ws:
        customer = ws.con.execute(
            "SELECT customer_id FROM gestures ORDER BY given_at LIMIT 1"
        ).fetchall()[0][0]
    assert client.delete(f"/api/v1/customers/{customer}", headers=auth(keys["admin"])).is_success
    after = _get(client, keys["viewer"], "/api/v1/gestures/results")
    assert after["gestures_with_followup"] < first["gestures_with_followup"]
    assert len(calls) == 2
