"""Periods on the dashboard (issue 19, item 2): a picker on the overview and the comments
page, remembered in a cookie; "data as of" on every page; the headline for the period
with its change against the previous one; the report for the period asked for."""

from __future__ import annotations

import re
from html import unescape

from legame.metrics.headline import headline
from legame.metrics.period import data_as_of, parse_period
from legame.store import Workspace
from legame.web.i18n import catalogue
from tests.web.conftest import Demo


def _text(html: str) -> str:
    return _same(unescape(re.sub(r"<[^>]+>", " ", html)))


def _same(text: str) -> str:
    """Runs of white space (Babel's narrow no-break spaces too) as one space."""
    return re.sub(r"\s+", " ", text)


def test_the_overview_shows_the_chosen_period_and_remembers_it(signed_in, demo: Demo) -> None:
    client = signed_in("viewer")
    first = client.get("/?period=365d")
    assert first.status_code == 200
    assert first.cookies.get("legame_period") == "365d"
    assert 'aria-current="true">Last 365 days</a>' in first.text
    with Workspace.open(demo.db, read_only=True) as ws:
        as_of = data_as_of(ws)
        top = headline(ws, "365d")
    c = catalogue("en")
    text = _text(first.text)
    period = top["period"]
    assert c.t("period.span", first=c.date(period["from"]), last=c.date(period["to"])) in text
    assert _same(c.t("period.as_of", when=c.datetime(as_of))) in text
    change = top["nps"]["change"]
    assert (
        _same(
            c.t(
                "headline.change",
                change=c.signed(change["estimate"], 1),
                low=c.signed(change["ci_low"], 1),
                high=c.signed(change["ci_high"], 1),
            )
        )
        in text
    )
    # the next page without a period opens on the remembered one
    again = client.get("/")
    assert 'aria-current="true">Last 365 days</a>' in again.text


def test_a_custom_range_from_the_picker_is_a_period_and_a_bad_one_a_422_page(
    signed_in,
) -> None:
    client = signed_in("viewer")
    ranged = client.get("/?from=2025-03-01&to=2025-03-31&lang=it")
    assert ranged.status_code == 200
    assert "dal 1 mar 2025 al 31 mar 2025" in _text(ranged.text)
    bad = client.get("/?period=yesterday&lang=it")
    assert bad.status_code == 422 and "text/html" in bad.headers["content-type"]
    assert catalogue("it").t("period.invalid") in _text(bad.text)


def test_every_page_of_a_signed_in_reader_says_when_the_data_is_as_of(
    signed_in, demo: Demo
) -> None:
    client = signed_in("analyst")
    with Workspace.open(demo.db, read_only=True) as ws:
        when = catalogue("es").datetime(data_as_of(ws))
    for path in ("/customers", "/findings", "/engagement", "/validation", "/cases", "/comments"):
        page = client.get(f"{path}?lang=es")
        assert page.status_code == 200, path
        assert _same(f"Datos al {when} UTC") in _text(page.text), path


def test_the_report_download_is_for_the_overviews_period(signed_in, demo: Demo) -> None:
    client = signed_in("viewer")
    report = client.get("/report.html?period=30d")
    assert report.status_code == 200
    with Workspace.open(demo.db, read_only=True) as ws:
        period = parse_period("30d", data_as_of(ws)).to_dict()
    c = catalogue("en")
    assert c.t("period.span", first=c.date(period["from"]), last=c.date(period["to"])) in _text(
        report.text
    )


def test_the_overview_counts_every_answer_on_request_and_says_which(signed_in, demo: Demo) -> None:
    client = signed_in("viewer")
    latest = client.get("/?period=365d")
    assert "NPS counts each customer's latest answer in the period." in unescape(latest.text)
    every = client.get("/?period=365d&answers=every")
    assert "NPS counts every answer in the period." in every.text
    with Workspace.open(demo.db, read_only=True) as ws:
        counted = headline(ws, "365d", every_answer=True)["nps"]
    c = catalogue("en")
    assert _same(c.plural("overview.responses", counted["n"])) in _text(every.text)
    assert ">Count each customer's latest answer</a>" in unescape(every.text)
