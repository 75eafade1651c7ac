"""The /api/v1 endpoints return what the library computes, in the documented shapes."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from tests.api.conftest import auth


def test_overview_has_nps_trend_segments_and_value_at_risk(client, keys) -> None:
    body = client.get("/api/v1/overview", headers=auth(keys["viewer"])).json()
    assert body["scored"] is True and body["customers"] == 1200
    assert body["nps"]["ci_low"] <= body["nps"]["nps"] <= body["nps"]["ci_high"]
    assert len(body["nps_trend"]) > 6 and all("group" in g for g in body["nps_trend"])
    assert sum(s["customers"] for s in body["segments"]) == 1200
    assert body["value_at_risk"] > 0 and body["total_clv"] > 0
    assert sum(b["customers"] for b in body["clv_histogram"]) > 0


def test_nps_by_month_is_what_the_cli_computes(client, keys) -> None:
    """The CLI's `legame nps --by month --json` prints nps_report(ws, "month"); the server
    holds the database, so the library is called through the server's own connection."""
    from legame.metrics.nps import nps_report

    api = client.get("/api/v1/nps", params={"by": "month"}, headers=auth(keys["viewer"])).json()
    with client.app.state.store.session() as ws:
        lib = nps_report(ws, "month")
    assert api["nps"] == lib["nps"] and api["n"] == lib["n"]
    assert [g["group"] for g in api["groups"]] == [g["month"] for g in lib["groups"]]
    assert [g["ci_low"] for g in api["groups"]] == [g["ci_low"] for g in lib["groups"]]


def test_customers_filters_sort_and_paginate(client, keys) -> None:
    headers = auth(keys["analyst"])
    first = client.get("/api/v1/customers", params={"page_size": 10}, headers=headers).json()
    assert first["total"] == 1200 and len(first["customers"]) == 10
    clvs = [c["clv"] for c in first["customers"]]
    assert clvs == sorted(clvs, reverse=True)
    second = client.get(
        "/api/v1/customers", params={"page_size": 10, "page": 2}, headers=headers
    ).json()
    assert not {c["customer_id"] for c in first["customers"]} & {
        c["customer_id"] for c in second["customers"]
    }
    risky = client.get(
        "/api/v1/customers", params={"churn_risk": "high", "page_size": 200}, headers=headers
    ).json()
    assert risky["total"] > 0 and all(c["churn_risk"] == "high" for c in risky["customers"])
    one = first["customers"][0]["customer_id"]
    found = client.get("/api/v1/customers", params={"q": one}, headers=headers).json()
    assert one in [c["customer_id"] for c in found["customers"]]


def test_customer_360_has_profile_scores_and_a_timeline(client, keys) -> None:
    headers = auth(keys["analyst"])
    top = client.get("/api/v1/customers", params={"page_size": 1}, headers=headers).json()
    cid = top["customers"][0]["customer_id"]
    body = client.get(f"/api/v1/customers/{cid}", headers=headers).json()
    assert body["profile"]["customer_id"] == cid and body["scores"]["customer_id"] == cid
    kinds = {e["kind"] for e in body["timeline"]}
    assert "order" in kinds
    times = [e["at"] for e in body["timeline"]]
    assert times == sorted(times, reverse=True)
    missing = client.get("/api/v1/customers/nobody-here", headers=headers)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_erasure_removes_the_customer_and_is_admin_only(client, keys) -> None:
    top = client.get(
        "/api/v1/customers", params={"page_size": 1}, headers=auth(keys["analyst"])
    ).json()
    cid = top["customers"][0]["customer_id"]
    assert (
        client.delete(f"/api/v1/customers/{cid}", headers=auth(keys["analyst"])).status_code == 403
    )
    body = client.delete(f"/api/v1/customers/{cid}", headers=auth(keys["admin"])).json()
    assert body["rows_removed"]["customers"] == 1 and body["rows_removed"]["orders"] > 0
    assert client.get(f"/api/v1/customers/{cid}", headers=auth(keys["admin"])).status_code == 404


def test_contact_check_in_quiet_hours_is_refused_until_they_end(client, keys) -> None:
    """The demo's policy keeps quiet hours from 21:00 to 08:00 in the customer's own time zone
    (Europe/Rome when the customer has none). An email at 03:00 local time is refused with one
    reason, quiet hours, which lift at 08:00 local time: the next allowed instant. The
    customer is the first by CLV whom no other rule blocks on that day (the noon check is
    allowed); the day is after the demo's data, so no recent send counts against a cap."""
    headers = auth(keys["analyst"])
    day = date(2031, 1, 15)

    def check(cid: str, zone: str, hour: int) -> dict:
        at = datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(zone))
        return client.post(
            "/api/v1/contact/check",
            headers=headers,
            json={"customer_id": cid, "channel": "email", "at": at.isoformat()},
        ).json()

    top = client.get("/api/v1/customers", params={"page_size": 20}, headers=headers).json()
    chosen = None
    for row in top["customers"]:
        cid = row["customer_id"]
        zone = (
            client.get(f"/api/v1/customers/{cid}", headers=headers).json()["profile"]["time_zone"]
            or "Europe/Rome"
        )
        if check(cid, zone, 12)["allowed"]:
            chosen = cid, zone
            break
    assert chosen is not None, "no customer among the top 20 may get an email at noon"
    cid, zone = chosen
    body = check(cid, zone, 3)
    night = datetime(day.year, day.month, day.day, 3, tzinfo=ZoneInfo(zone))
    morning = datetime(day.year, day.month, day.day, 8, tzinfo=ZoneInfo(zone))
    ends = morning.astimezone(UTC).isoformat()
    assert body["allowed"] is False
    assert body["at"] == night.astimezone(UTC).isoformat()
    assert body["reasons"] == [
        {
            "rule": "quiet_hours",
            "until": ends,
            "message": f"quiet hours 21:00–08:00 in {zone} (local time 03:00)",
            "code": "quiet_hours",
            "facts": {"start": "21:00", "end": "08:00", "zone": zone, "local": "03:00"},
        }
    ]
    assert body["next_allowed_at"] == ends
    bad = client.post("/api/v1/contact/check", headers=headers, json={"customer_id": cid})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_input"


def test_message_check_flags_a_pushy_draft(client, keys) -> None:
    body = client.post(
        "/api/v1/messages/check",
        headers=auth(keys["analyst"]),
        json={
            "text": "ULTIMA OCCASIONE!!!\nSolo oggi sconto 50% su tutto, affrettati!",
            "values": ["rispetto per l'ambiente"],
        },
    ).json()
    assert body["verdict"] == "rethink" and body["language"] == "it"
    assert {"false_urgency", "incentive_only"} <= {f["code"] for f in body["flags"]}
    assert body["values"][0]["value"] == "rispetto per l'ambiente"


def test_ingest_upload_answers_like_the_cli_and_keeps_rejects(client, keys) -> None:
    data = (
        "Numero Ordine;Cliente;Data;Importo\nX1;NEW1;01/02/2025;1.234,56\nX2;NEW2;31/02/2025;3,00\n"
    )
    response = client.post(
        "/api/v1/ingest/orders",
        headers=auth(keys["admin"]),
        params={
            "map": [
                "order_id=Numero Ordine",
                "customer_id=Cliente",
                "ordered_at=Data",
                "amount=Importo",
            ],
            "decimal": ",",
            "date_format": "%d/%m/%Y",
        },
        files={"file": ("ordini.csv", io.BytesIO(data.encode()), "text/csv")},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["table"], body["read"], body["inserted"], body["rejected"]) == ("orders", 2, 1, 1)
    assert isinstance(body["batch_id"], int)
    assert (
        client.post(
            "/api/v1/ingest/orders",
            headers=auth(keys["analyst"]),
            files={"file": ("o.csv", b"a\n1\n")},
        ).status_code
        == 403
    )
    wrong = client.post(
        "/api/v1/ingest/orders", headers=auth(keys["admin"]), files={"file": ("o.xlsx", b"x")}
    )
    assert wrong.status_code == 422 and "unknown file type" in wrong.json()["error"]["message"]
    unknown = client.post(
        "/api/v1/ingest/orderz", headers=auth(keys["admin"]), files={"file": ("o.csv", b"a\n")}
    )
    assert unknown.status_code == 422


def test_upload_over_the_size_limit_is_413(client, keys, monkeypatch) -> None:
    monkeypatch.setenv("LEGAME_MAX_UPLOAD_MB", "1")
    big = b"order_id,customer_id,ordered_at,amount\n" + b"O,c,2025-01-01,1\n" * 80_000
    response = client.post(
        "/api/v1/ingest/orders",
        headers=auth(keys["admin"]),
        files={"file": ("big.csv", io.BytesIO(big), "text/csv")},
    )
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"


def test_a_bad_upload_limit_setting_is_one_clear_error(client, keys, monkeypatch) -> None:
    monkeypatch.setenv("LEGAME_MAX_UPLOAD_MB", "lots")
    response = client.post(
        "/api/v1/ingest/orders",
        headers=auth(keys["admin"]),
        files={"file": ("o.csv", io.BytesIO(b"order_id,customer_id,ordered_at,amount\n"))},
    )
    assert response.status_code == 503
    assert "LEGAME_MAX_UPLOAD_MB='lots'" in response.json()["error"]["message"]


def test_policy_round_trip_and_invalid_policy_is_refused(client, keys) -> None:
    headers = auth(keys["admin"])
    current = client.get("/api/v1/policy", headers=headers).json()
    assert current["text"]
    bad = client.put("/api/v1/policy", headers=headers, json={"text": "[contact]\nnonsense = 1\n"})
    assert bad.status_code == 422
    assert client.get("/api/v1/policy", headers=headers).json()["text"] == current["text"]
    good = 'values = ["every dog deserves love"]\n'
    assert client.put("/api/v1/policy", headers=headers, json={"text": good}).status_code == 200
    body = client.post(
        "/api/v1/messages/check",
        headers=headers,
        json={"text": "Hello\nOur shelter dogs need love."},
    ).json()
    assert [v["value"] for v in body["values"]] == ["every dog deserves love"]


def test_every_error_has_one_shape(client, keys) -> None:
    responses = [
        client.get("/api/v1/overview"),
        client.get("/api/v1/policy", headers=auth(keys["viewer"])),
        client.get("/api/v1/customers/nobody", headers=auth(keys["admin"])),
        client.get("/api/v1/customers", params={"page": 0}, headers=auth(keys["admin"])),
        client.get("/api/v1/nowhere", headers=auth(keys["admin"])),
        client.post("/api/v1/contact/check", headers=auth(keys["admin"]), content=b"{"),
    ]
    assert [r.status_code for r in responses] == [401, 403, 404, 422, 404, 422]
    for response in responses:
        body = response.json()
        assert set(body) == {"error"}
        assert set(body["error"]) == {"code", "message", "details"}
        assert body["error"]["message"]


def test_gestures_plan_and_results(client, keys) -> None:
    """The plan is the library's (same gestures, arms and triggers) and not empty: the demo
    has eligible moments at its latest activity, in both arms."""
    from legame.engage.gratitude import plan as library_plan
    from legame.engage.gratitude.plan import KINDS

    plan = client.get(
        "/api/v1/gestures/plan", params={"page_size": 1000}, headers=auth(keys["analyst"])
    )
    assert plan.status_code == 200
    body = plan.json()
    assert body["pages"] == 1 and body["total"] == len(body["proposals"])
    rows = body["proposals"]
    assert rows, "the demo workspace must have gestures to propose"
    with client.app.state.store.session() as ws:
        lib = library_plan(ws).to_pylist()
    assert [(r["gesture_id"], r["arm"], r["trigger"]) for r in rows] == [
        (r["gesture_id"], r["arm"], r["trigger"]) for r in lib
    ]
    assert {r["arm"] for r in rows} == {"treatment", "holdout"}
    assert all(r["kind"] == KINDS[r["trigger"]] for r in rows)
    assert client.get("/api/v1/gestures/plan", headers=auth(keys["viewer"])).status_code == 403
    res = client.get("/api/v1/gestures/results", headers=auth(keys["viewer"])).json()
    pooled = next(r for r in res["by_trigger"] if r["trigger"] == "all")
    assert pooled["treatment"]["gestures"] > 0 and pooled["holdout"]["gestures"] > 0
    diff = pooled["spend_diff"]
    assert diff["ci_low"] <= diff["estimate"] <= diff["ci_high"]


def test_the_ingest_endpoint_accepts_exactly_the_canonical_tables() -> None:
    from typing import get_args

    from legame.api.routes import TableName
    from legame.store.schema import TABLES

    assert get_args(TableName) == tuple(TABLES)


def test_findings_are_the_ones_the_demo_computed_and_admins_recompute(client, keys) -> None:
    stored = client.get("/api/v1/findings", headers=auth(keys["viewer"])).json()
    assert len(stored) == 7 and len({f["id"] for f in stored}) == 7
    for f in stored:
        assert f["verdict"] in {"supported", "not_supported", "contradicted", "insufficient_data"}
        assert f["claim"] and f["summary"] and f["computed_at"]
    assert client.post("/api/v1/findings", headers=auth(keys["analyst"])).status_code == 403
    again = client.post("/api/v1/findings", headers=auth(keys["admin"])).json()
    assert [f["id"] for f in again] == [f["id"] for f in stored]
    assert [f["estimate"] for f in again] == [f["estimate"] for f in stored]
