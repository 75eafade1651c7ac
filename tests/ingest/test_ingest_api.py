"""Uploads and customer ids through the HTTP API, as a client sends them."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from legame.api.app import create_app
from legame.store import Workspace
from legame.store.keys import create_key

ORDERS = b"order_id,customer_id,ordered_at,amount\nO1,C1,2025-01-01,10\nO2,C1,2025-01-01,abc\n"


@pytest.fixture
def api(db: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with Workspace.open(db) as ws:
        headers = {"Authorization": f"Bearer {create_key(ws, 'admin')[0]}"}
    with TestClient(create_app(db)) as client:
        yield client, headers


def upload(api, table: str, name: str, data: bytes, **params: object):
    client, headers = api
    return client.post(
        f"/api/v1/ingest/{table}",
        headers=headers,
        params=params,
        files={"file": (name, io.BytesIO(data), "text/csv")},
    )


def raw_upload(api, table: str, name: bytes, data: bytes):
    """A multipart body written by hand: httpx would escape the name's control bytes."""
    client, headers = api
    body = (
        b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="'
        + name
        + b'"\r\nContent-Type: text/csv\r\n\r\n'
        + data
        + b"\r\n--b0undary--\r\n"
    )
    kind = {"Content-Type": "multipart/form-data; boundary=b0undary"}
    return client.post(f"/api/v1/ingest/{table}", content=body, headers={**headers, **kind})


def test_an_upload_records_the_clients_file_name_not_a_server_path(api, db):
    response = raw_upload(api, "orders", b"../exports/Ordini\x07\x1b marzo.csv", ORDERS)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["files"][0]["path"] == "Ordini marzo.csv"
    assert "legame-upload" not in response.text and "/tmp" not in response.text
    with Workspace.open(db) as ws:
        files = ws.con.execute(
            "SELECT (SELECT list(DISTINCT source_file) FROM batches), "
            "(SELECT list(DISTINCT _source_file) FROM orders), "
            "(SELECT list(DISTINCT source_file) FROM rejects)"
        ).fetchall()[0]
    assert files == (["Ordini marzo.csv"], ["Ordini marzo.csv"], ["Ordini marzo.csv"])


@pytest.mark.parametrize(
    ("table", "name", "params", "says"),
    [
        ("orders", "x.parquet", {}, "not a readable Parquet file"),
        ("orders", "o.csv", {"encoding": "rot13"}, "not a text encoding"),
        ("referrals", "r.csv", {"map": "referral_id=nosuchcol"}, "'nosuchcol'"),
        ("orders", "o.csv", {"date_format": "%Q"}, "not a strptime format"),
        ("orders", "o.csv", {"thousands": ",", "decimal": ","}, "must differ"),
    ],
)
def test_a_failed_upload_is_a_4xx_in_the_one_error_shape_without_internals(
    api, table, name, params, says
):
    response = upload(api, table, name, ORDERS, **params)
    assert response.status_code == 422, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    message = body["error"]["message"]
    assert says in message
    for internal in ("legame-upload", "/tmp", "Error:", "Exception", "magic bytes", "DuckDB"):
        assert internal not in message


def test_uploads_confirm_thousands_groupings_with_a_parameter(api, db):
    data = b'order_id,customer_id,ordered_at,amount\nO1,C1,2025-01-01,"12,500"\n'
    assert upload(api, "orders", "o.csv", data).json()["rejected"] == 1
    assert upload(api, "orders", "o.csv", data, thousands=",").json()["inserted"] == 1


def test_the_api_reads_customer_ids_by_the_workspace_rule(api, db):
    (db.parent / "legame.toml").write_text('[ingest]\ncustomer_id_case = "lower"\n')
    assert upload(api, "orders", "o.csv", ORDERS).json()["inserted"] == 1
    client, headers = api
    found = client.get("/api/v1/customers/%20C1%09", headers=headers)
    assert found.status_code == 200, found.text
    assert found.json()["profile"]["customer_id"] == "c1"
    refused = client.get("/api/v1/customers/c%001", headers=headers)
    assert refused.status_code == 422
    assert "control or invisible character" in refused.json()["error"]["message"]
    check = client.post(
        "/api/v1/contact/check",
        headers=headers,
        json={"customer_id": "C1\u200b", "channel": "email"},
    )
    assert check.status_code == 422
    allowed = client.post(
        "/api/v1/contact/check",
        headers=headers,
        json={"customer_id": " C1 ", "channel": "email", "transactional": True},
    )
    assert allowed.status_code == 200, allowed.text
