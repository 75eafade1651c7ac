"""CSV downloads of the dashboard's lists, and the report: through the real app, signed in.

A download is UTF-8 with a byte-order mark; ``;`` and a decimal comma in Italian and
Spanish, ``,`` and ``.`` in English; headers in the catalogue's words; the list's filters
and order, every page of it; a file name the server makes; and no text that a spreadsheet
would run as a formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from legame.views import list_customers
from legame.web.downloads import (
    CUSTOMER_COLUMNS,
    FINDING_COLUMNS,
    SEGMENT_COLUMNS,
    cell,
    csv_text,
)
from legame.web.i18n import catalogue
from tests.web.conftest import Demo, make_app, new_client, sign_in

BOM = b"\xef\xbb\xbf"
FILE_NAME = re.compile(r'^attachment; filename="legame-[a-z]+-\d{4}-\d{2}-\d{2}\.(csv|html)"$')
#: A filtered list that spans several of the page's pages (25 customers each).
FILTERS = {"segment": "champions", "sort": "revenue", "order": "asc"}


def rows_of(response, lang: str) -> list[list[str]]:
    """The records of a CSV download in ``lang``, read with the separator it uses."""
    assert response.content.startswith(BOM)
    text = response.content[len(BOM) :].decode("utf-8")
    return list(csv.reader(io.StringIO(text), delimiter=";" if lang in ("it", "es") else ","))


def download(client: TestClient, path: str, lang: str, **params: str):
    response = client.get(path, params={**params, "lang": lang})
    assert response.status_code == 200, response.text[:500]
    return response


# --- the format ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/customers.csv", "/segments.csv", "/findings.csv"])
def test_a_download_is_utf8_with_a_byte_order_mark_and_a_server_made_name(
    signed_in, path: str
) -> None:
    response = download(signed_in("analyst"), path, "en")
    assert response.content.startswith(BOM)
    response.content.decode("utf-8")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert FILE_NAME.match(response.headers["content-disposition"])
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("lang", ["it", "es"])
def test_italian_and_spanish_use_semicolons_and_a_decimal_comma(signed_in, lang: str) -> None:
    response = download(signed_in("viewer"), "/segments.csv", lang)
    text = response.content[len(BOM) :].decode("utf-8")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(rows) > 2 and all(len(r) == len(SEGMENT_COLUMNS) for r in rows)
    revenue = [r[SEGMENT_COLUMNS.index("revenue")] for r in rows[1:]]
    assert any("," in v for v in revenue)
    # No thousands separators: each number reads back whole once its comma is a point.
    assert all(re.fullmatch(r"-?\d+(,\d+)?", v) for v in revenue if v)
    assert sum(float(v.replace(",", ".")) for v in revenue) > 1000


def test_english_uses_commas_and_a_decimal_point(signed_in) -> None:
    response = download(signed_in("viewer"), "/segments.csv", "en")
    rows = list(csv.reader(io.StringIO(response.content[len(BOM) :].decode()), delimiter=","))
    assert all(len(r) == len(SEGMENT_COLUMNS) for r in rows)
    revenue = [r[SEGMENT_COLUMNS.index("revenue")] for r in rows[1:]]
    assert all(re.fullmatch(r"-?\d+(\.\d+)?", v) for v in revenue if v)
    assert any("." in v for v in revenue)


@pytest.mark.parametrize("lang", ["en", "it", "es"])
@pytest.mark.parametrize(
    ("path", "columns"),
    [
        ("/customers.csv", CUSTOMER_COLUMNS),
        ("/segments.csv", SEGMENT_COLUMNS),
        ("/findings.csv", FINDING_COLUMNS),
    ],
)
def test_headers_and_data_values_are_in_the_catalogue_s_words(
    signed_in, lang: str, path: str, columns: tuple[str, ...]
) -> None:
    c = catalogue(lang)
    rows = rows_of(download(signed_in("analyst"), path, lang), lang)
    assert rows[0] == [c.t(f"csv.{column}") for column in columns]
    if "segment" in columns:
        labels = {c.label("segment", s) for s in ("champions", "loyal", "at risk", "hibernating")}
        assert {r[columns.index("segment")] for r in rows[1:]} & labels


def test_findings_have_one_row_each_with_verdict_estimate_and_interval(signed_in) -> None:
    rows = rows_of(download(signed_in("viewer"), "/findings.csv", "en"), "en")
    c = catalogue("en")
    found = rows[1:]
    assert len(found) >= 6
    by_id = {r[0]: dict(zip(FINDING_COLUMNS, r, strict=True)) for r in found}
    assert len(by_id) == len(found)
    verdicts = {
        c.label("verdict", v)
        for v in ("supported", "not_supported", "contradicted", "insufficient_data")
    }
    assert all(f["verdict"] in verdicts for f in by_id.values())
    with_interval = [f for f in by_id.values() if f["estimate"]]
    assert with_interval
    for f in with_interval:
        assert float(f["ci_low"]) <= float(f["estimate"]) <= float(f["ci_high"])


# --- what is in it ---------------------------------------------------------------------------


def test_a_filtered_download_holds_exactly_the_filtered_list_every_page(
    signed_in, http_app: FastAPI
) -> None:
    rows = rows_of(download(signed_in("analyst"), "/customers.csv", "en", **FILTERS), "en")
    ids = [r[0] for r in rows[1:]]
    listed: list[str] = []
    with http_app.state.store.session() as ws:
        page, pages = 1, 1
        while page <= pages:
            found = list_customers(
                ws, segment="champions", sort="revenue", descending=False, page=page, page_size=25
            )
            pages = found["pages"]
            listed += [c["customer_id"] for c in found["customers"]]
            page += 1
    assert pages > 2  # the list spans pages, the download holds them all
    assert ids == listed
    assert {r[CUSTOMER_COLUMNS.index("segment")] for r in rows[1:]} == {
        catalogue("en").label("segment", "champions")
    }


def test_the_customer_list_page_links_to_its_own_download(signed_in) -> None:
    client = signed_in("analyst")
    page = client.get("/customers", params={**FILTERS, "churn_risk": "low"})
    assert page.status_code == 200
    link = re.search(r'href="(/customers\.csv\?[^"]*)"', page.text)
    assert link
    target = link.group(1).replace("&amp;", "&")
    for name, value in {**FILTERS, "churn_risk": "low"}.items():
        assert f"{name}={value}" in target
    assert client.get(target).status_code == 200


def test_the_overview_and_findings_pages_link_to_their_downloads(signed_in) -> None:
    client = signed_in("viewer")
    overview = client.get("/").text
    assert 'href="/segments.csv"' in overview and 'href="/report.html?period=90d"' in overview
    assert 'href="/findings.csv"' in client.get("/findings").text


def test_a_viewer_may_not_download_customers(signed_in) -> None:
    assert signed_in("viewer").get("/customers.csv").status_code == 403


def test_a_download_needs_a_session(client: TestClient) -> None:
    for path in ("/customers.csv", "/segments.csv", "/findings.csv", "/report.html"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/signin")


def test_a_hostile_search_does_not_reach_the_file_name(signed_in) -> None:
    hostile = 'x"; filename="evil.exe\r\nSet-Cookie: a=b'
    response = signed_in("analyst").get("/customers.csv", params={"q": hostile})
    assert response.status_code == 200
    assert FILE_NAME.match(response.headers["content-disposition"])
    assert "evil" not in response.headers["content-disposition"]
    assert "a" not in response.cookies
    assert rows_of(response, "en")[1:] == []  # the search itself finds nobody


# --- the report ------------------------------------------------------------------------------


def test_the_report_downloads_as_the_file_legame_report_writes(signed_in) -> None:
    response = signed_in("viewer").get("/report.html", params={"lang": "it"})
    assert response.status_code == 200
    assert FILE_NAME.match(response.headers["content-disposition"])
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"] == "sandbox"
    assert response.text.startswith("<!doctype html>")
    assert '<html lang="it">' in response.text


# --- formulas --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_text_a_spreadsheet_would_run_starts_with_a_quote(text: str) -> None:
    assert cell(text, catalogue("en")) == "'" + text


@pytest.mark.parametrize(
    ("value", "en", "it"),
    [
        (-5.25, "-5.25", "-5,25"),
        (1234567.5, "1234567.5", "1234567,5"),
        (564.0600000000001, "564.06", "564,06"),
        (1e-7, "0.0000001", "0,0000001"),
        (float("nan"), "", ""),
        (-0.0, "0", "0"),
        (7, "7", "7"),
        (None, "", ""),
        (date(2025, 1, 31), "2025-01-31", "2025-01-31"),
        (datetime(2025, 1, 31, 9, 5, 3), "2025-01-31 09:05:03", "2025-01-31 09:05:03"),
        ("plain", "plain", "plain"),
    ],
)
def test_numbers_are_numbers_and_dates_iso(value: object, en: str, it: str) -> None:
    assert cell(value, catalogue("en")) == en
    assert cell(value, catalogue("it")) == it


def test_a_data_value_is_written_as_its_label() -> None:
    assert cell("at risk", catalogue("it"), family="segment") == catalogue("it").label(
        "segment", "at risk"
    )
    assert cell("=unknown", catalogue("en"), family="segment") == "'=unknown"


def test_csv_text_quotes_what_needs_quotes_and_ends_lines_with_crlf() -> None:
    text = "".join(csv_text([{"claim": 'a "b"; c', "n": 3}], ("claim", "n"), "it"))
    assert text.startswith("\ufeff")
    assert text.endswith('"a ""b""; c";3\r\n')


@pytest.fixture(scope="module")
def hostile_app(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """The demo with customers whose ids a spreadsheet would run, scored."""
    from legame.ingest import ingest
    from legame.scoring import score

    folder = tmp_path_factory.mktemp("hostile")
    app = make_app(demo.copy(folder))
    customers = folder / "customers.csv"
    orders = folder / "orders.csv"
    ids = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"]
    with customers.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["customer_id", "email"])
        writer.writerows([i, f"h{n}@example.com"] for n, i in enumerate(ids))
    with orders.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["order_id", "customer_id", "ordered_at", "amount"])
        writer.writerows(
            [f"h-{n}-{k}", i, f"2025-0{k + 1}-10", "20"]
            for n, i in enumerate(ids)
            for k in range(3)
        )
    with TestClient(app):
        with app.state.store.session() as ws:
            ingest(ws, "customers", [customers])
            ingest(ws, "orders", [orders])
            score(ws)
        yield app


def test_a_customer_id_a_spreadsheet_would_run_is_written_as_text(
    hostile_app: FastAPI, demo: Demo
) -> None:
    client = sign_in(new_client(hostile_app), demo.keys["analyst"])
    for q in ("HYPERLINK", "+1", "-2", "@SUM"):
        rows = rows_of(download(client, "/customers.csv", "en", q=q), "en")
        assert len(rows) == 2, q
        assert rows[1][0].startswith("'") and q in rows[1][0]
        assert not rows[1][CUSTOMER_COLUMNS.index("clv")].startswith("'")


def test_write_csv_writes_the_same_text(tmp_path: Path) -> None:
    from legame.web.downloads import write_csv

    rows = [{"segment": "loyal", "customers": 3, "revenue": 10.5}]
    path = tmp_path / "s.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        write_csv(out, rows, ("segment", "customers", "revenue"), "es")
    assert path.read_bytes().decode("utf-8") == "".join(
        csv_text(rows, ("segment", "customers", "revenue"), "es")
    )
