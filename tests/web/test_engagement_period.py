"""The engagement page and the case pages take the dashboard's period (issue 19, item 2):
the same picker and cookie as the overview; the engagement page shows the contact pressure
and the gestures' results as of the period's end, and says so."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest

from legame.metrics.period import Period, data_as_of, parse_period
from legame.store import Workspace
from legame.views import engagement
from legame.web.i18n import catalogue
from tests.web.conftest import Demo, new_client, sign_in


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _earlier(demo: Demo) -> tuple[str, Period, date]:
    """A custom period that ends half a year before the data is as of."""
    with Workspace.open(demo.db, read_only=True) as ws:
        as_of = data_as_of(ws)
    assert as_of is not None
    last = as_of.date() - timedelta(days=180)
    spec = f"{last - timedelta(days=89)}..{last}"
    return spec, parse_period(spec, as_of), last


def _figures(data: dict) -> tuple:
    return (
        [(p["band"], p["messages"], p["unsubscribes"]) for p in data["pressure"]],
        [(c["band"], c["customers"]) for c in data["customers_by_band"]],
        [
            (a["trigger"], a["arm"], a["gestures"], a["retention_180d"])
            for a in data["gesture_arms"]
        ],
    )


def test_engagement_as_of_a_periods_end_differs_from_the_default(demo: Demo) -> None:
    _, earlier, last = _earlier(demo)
    with Workspace.open(demo.db, read_only=True) as ws:
        default = engagement(ws)
        recent = engagement(ws, period=parse_period("90d", data_as_of(ws)))
        then = engagement(ws, period=earlier)  # kept apart from the others: the key has it
        again = engagement(ws, period=earlier)
    assert then["as_of"] == earlier.end and then["as_of_day"] == last
    assert recent["as_of"] == default["as_of"]  # 90d ends after the latest order's day
    assert _figures(recent) == _figures(default)
    pressure, customers, arms = _figures(then)
    assert pressure and customers
    assert pressure != _figures(default)[0]  # fewer messages sent by then
    assert customers != _figures(default)[1]
    assert arms != _figures(default)[2]  # fewer gestures with their whole follow-up
    assert sum(p["messages"] for p in then["pressure"]) < sum(
        p["messages"] for p in default["pressure"]
    )
    assert _figures(again) == _figures(then)


def test_the_engagement_page_shows_the_periods_end_and_keeps_the_choice(
    signed_in, demo: Demo, http_app
) -> None:
    spec, earlier, last = _earlier(demo)
    with Workspace.open(demo.db, read_only=True) as ws:
        then = engagement(ws, period=earlier)
        default = engagement(ws, period=parse_period("90d", data_as_of(ws)))
    c = catalogue("en")
    client = signed_in("viewer")
    first, to = spec.split("..")
    page = client.get("/engagement", params={"from": first, "to": to})
    assert page.status_code == 200
    assert page.cookies.get("legame_period") == spec
    text = _text(page.text)
    assert c.t("engagement.as_of", day=c.date(last)) in text
    assert c.t("period.span", first=c.date(earlier.first_day), last=c.date(last)) in text
    cells = {unescape(cell) for cell in re.findall(r'<td class="n">([^<]+)</td>', page.text)}
    for band in then["pressure"]:
        assert c.num(band["messages"]) in cells
    # the next visit without a period keeps it (the cookie)
    kept = _text(client.get("/engagement").text)
    assert c.t("engagement.as_of", day=c.date(last)) in kept
    # a reader who never chose one sees the default period's end: the latest order's day
    other = sign_in(new_client(http_app), demo.keys["viewer"])
    fresh = _text(other.get("/engagement").text)
    assert c.t("engagement.as_of", day=c.date(default["as_of_day"])) in fresh
    assert default["as_of_day"] != last


@pytest.mark.parametrize("path", ["/cases", "/cases/loop", "/engagement"])
def test_the_picker_is_on_the_page_and_its_choice_holds_on_the_others(signed_in, path: str) -> None:
    client = signed_in("analyst")
    chosen = client.get(f"{path}?period=365d")
    assert chosen.status_code == 200, path
    assert 'aria-current="true">Last 365 days</a>' in chosen.text
    assert chosen.cookies.get("legame_period") == "365d"
    for other in ("/", "/comments", "/cases", "/cases/loop", "/engagement"):
        shown = client.get(other)
        assert 'aria-current="true">Last 365 days</a>' in shown.text, (path, other)
    # and one chosen on the overview holds here
    client.get("/?period=30d")
    assert 'aria-current="true">Last 30 days</a>' in client.get(path).text


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_period_the_engagement_page_cannot_read_is_the_422_page(signed_in, lang: str) -> None:
    bad = signed_in("viewer").get(f"/engagement?period=yesterday&lang={lang}")
    assert bad.status_code == 422 and "text/html" in bad.headers["content-type"]
    assert catalogue(lang).t("period.invalid") in _text(bad.text)


def test_the_engagement_and_case_pages_say_their_period_in_italian_and_spanish(
    signed_in, demo: Demo
) -> None:
    spec, earlier, last = _earlier(demo)
    client = signed_in("analyst")
    for lang in ("it", "es"):
        c = catalogue(lang)
        page = _text(client.get(f"/engagement?period={spec}&lang={lang}").text)
        assert c.t("engagement.as_of", day=c.date(last)) in page
        for path in ("/cases", "/cases/loop"):
            shown = _text(client.get(f"{path}?period={spec}&lang={lang}").text)
            span = c.t("cases.opened_span", first=c.date(earlier.first_day), last=c.date(last))
            assert span in shown, (lang, path)
