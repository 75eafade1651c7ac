"""``GET /api/v1/headline`` (issue 19, item 2): a period's figures with the change against
the previous period, for any role; a period it cannot read is a 422 naming the forms."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import auth


def test_a_viewer_reads_the_headline_of_a_period_with_its_change_and_data_as_of(
    client: TestClient, keys: dict[str, str]
) -> None:
    r = client.get("/api/v1/headline?period=365d", headers=auth(keys["viewer"]))
    assert r.status_code == 200
    body = r.json()
    assert body["period"]["spec"] == "365d" and body["period"]["days"] == 365
    assert body["data_as_of"].endswith("Z") or body["data_as_of"].endswith("+00:00")
    assert body["nps_counts"] == "latest_per_customer"
    change = body["nps"]["change"]
    assert body["period"]["compared"] is True
    assert change["ci_low"] <= change["estimate"] <= change["ci_high"]
    assert body["nps"]["nps"] - body["nps"]["previous"]["nps"] == change["estimate"]
    every = client.get(
        "/api/v1/headline?period=365d&every_answer=true", headers=auth(keys["viewer"])
    ).json()
    assert every["nps_counts"] == "every_answer" and every["nps"]["n"] >= body["nps"]["n"]


def test_the_default_period_is_ninety_days_and_all_has_no_previous(
    client: TestClient, keys: dict[str, str]
) -> None:
    default = client.get("/api/v1/headline", headers=auth(keys["viewer"])).json()
    assert default["period"]["spec"] == "90d" and default["period"]["days"] == 90
    everything = client.get("/api/v1/headline?period=all", headers=auth(keys["viewer"])).json()
    assert everything["period"]["previous"] is None and everything["nps"]["change"] is None


def test_a_period_that_is_not_one_is_a_422_that_names_the_forms(
    client: TestClient, keys: dict[str, str]
) -> None:
    r = client.get("/api/v1/headline?period=last-week", headers=auth(keys["viewer"]))
    assert r.status_code == 422
    assert "2024-01-01..2024-03-31" in r.json()["error"]["message"]
    assert client.get("/api/v1/headline").status_code == 401


def test_comments_are_for_analysts_and_the_breakdown_for_every_role(
    client: TestClient, keys: dict[str, str]
) -> None:
    assert client.get("/api/v1/comments", headers=auth(keys["viewer"])).status_code == 403
    page = client.get(
        "/api/v1/comments?period=all&page_size=5", headers=auth(keys["analyst"])
    ).json()
    assert page["total"] >= len(page["comments"]) > 0
    groups = client.get(
        "/api/v1/breakdown?by=country&period=365d", headers=auth(keys["viewer"])
    ).json()
    assert sum(g["customers"] for g in groups) > 0
    assert client.get("/api/v1/breakdown?by=city", headers=auth(keys["viewer"])).status_code == 422
