"""The comments page (issue 19, item 5): survey comments in their own language, with a
literal search and filters by NPS group, language and period, for analysts only."""

from __future__ import annotations

import re
from html import unescape

from legame.metrics.period import data_as_of, parse_period
from legame.store import Workspace
from legame.voices import list_comments
from tests.web.conftest import Demo


def _ids(html: str) -> list[str]:
    return re.findall(r'<a href="/customers/[^"]+">([^<]+)</a>', html)


def test_the_page_lists_what_the_library_lists_with_each_comment_marked_in_its_language(
    signed_in, demo: Demo
) -> None:
    client = signed_in("analyst")
    html = client.get("/comments?period=all&nps_group=detractor&language=it").text
    with Workspace.open(demo.db, read_only=True) as ws:
        expected = list_comments(
            ws,
            nps_group="detractor",
            language="it",
            period=parse_period("all", data_as_of(ws)),
            page_size=25,
        )
    assert expected["total"] > 0
    assert _ids(html) == [c["customer_id"] for c in expected["comments"]]
    for comment in expected["comments"]:
        marked = f'<span lang="it">{comment["comment"]}</span>'
        assert marked in unescape(html)


def test_the_italian_page_says_its_counts_by_plural_rule_and_keeps_the_period(
    signed_in,
) -> None:
    client = signed_in("analyst")
    html = client.get("/comments?period=365d&lang=it&q=zzzz-nothing").text
    assert "0 commenti" in html and "Nessun commento corrisponde" in html
    assert 'name="period" value="365d"' in html


def test_a_viewer_is_not_shown_comments(signed_in) -> None:
    client = signed_in("viewer")
    assert client.get("/comments").status_code == 403
