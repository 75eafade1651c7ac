"""A failed upload to ``POST /api/v1/ingest/{table}`` is a 422 in the API's error shape whose
message names the upload (never the server's temporary copy), names the query parameter to
change, and holds no engine text."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import auth

REFERRALS = b"referral_id,referrer_id,referred_id,referred_at\nr1,C000001,C000002,2024-01-01\n"
#: What must never reach a client: server paths, the server copy's name, DuckDB's words.
LEAKS = re.compile(
    r"/tmp|legame-upload-|upload\.(csv|parquet)|duckdb|Binder Error|Conversion Error|"
    r"Invalid Input Error|Parser Error|Traceback",
    re.IGNORECASE,
)


@pytest.mark.parametrize(
    ("file_name", "query", "data", "said"),
    [
        ("x.parquet", "", REFERRALS, "not a readable Parquet file"),
        ("x.csv", "?encoding=rot13", REFERRALS, "?encoding 'rot13' is not a text encoding"),
        ("x.csv", "?map=referral_id=nosuchcol", REFERRALS, "?map names the column 'nosuchcol'"),
        ("x.csv", "?date_format=%25Q", REFERRALS, "?date_format '%Q' is not a strptime format"),
        ("x.csv", "?map=garbage", REFERRALS, "?map expects FIELD=COLUMN"),
        ("x.jsonl", "", b'{"referral_id": \n', "no JSON object"),
        ("x.csv", "", b"a,b\n1,2\n", "no column for the required field(s)"),
        ("x.csv", "", b"\x00\x01\xff\xfe garbage\x00\n\x00", "NUL bytes"),
        ("x.gz", "", REFERRALS, "unknown file type '.gz'"),
    ],
)
def test_a_failed_upload_is_422_naming_the_file_without_server_paths_or_engine_text(
    client, keys, file_name, query, data, said
) -> None:
    response = client.post(
        f"/api/v1/ingest/referrals{query}",
        files={"file": (file_name, data)},
        headers=auth(keys["admin"]),
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["message"].startswith(f"{file_name}: "), error["message"]
    assert said in error["message"], error["message"]
    assert not LEAKS.search(response.text), response.text


def test_a_client_path_in_the_file_name_is_reduced_to_its_last_part(client, keys) -> None:
    response = client.post(
        "/api/v1/ingest/referrals?encoding=rot13",
        files={"file": ("../../etc/secret dir/x.csv", REFERRALS)},
        headers=auth(keys["admin"]),
    )
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("x.csv: ")
    assert "etc" not in response.text


def test_a_good_upload_still_loads(client, keys) -> None:
    response = client.post(
        "/api/v1/ingest/referrals",
        files={"file": ("r.csv", REFERRALS)},
        headers=auth(keys["admin"]),
    )
    assert response.status_code == 200, response.text
    assert response.json()["files"][0]["path"] == "r.csv"
