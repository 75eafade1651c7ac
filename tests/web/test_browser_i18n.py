"""Chart axes in the reader's language, as Chromium draws them: the timeline's axis has
years and the page's month names, amount axes carry the workspace's currency and share
axes the locale's percent sign (``37 %`` in Spanish, as in the tables)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.conftest import Server
from tests.web.test_browser import sign_in, tab

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXIS_LABELS = """(id) => Array.from(document.querySelectorAll(
    '#' + id + ' svg g.role-axis-label text')).map(t => t.textContent)"""


def _labels(t: Any, chart: str) -> list[str]:
    t.charts()
    return list(t.page.evaluate(AXIS_LABELS, f"chart-{chart}"))


def test_chart_axes_speak_the_readers_locale(browser: Any, server: Server) -> None:
    with tab(browser) as t:
        sign_in(t, server, "admin")
        t.goto(f"{server.url}/customers?lang=it&sort=customer_id&order=asc")
        first = t.page.locator("table.customers tbody a").first.get_attribute("href")
        t.goto(f"{server.url}{first}?lang=it")
        timeline = _labels(t, "timeline")
        months = "gen|feb|mar|apr|mag|giu|lug|ago|set|ott|nov|dic"
        assert any(re.fullmatch(rf"({months}) 20\d\d", label) for label in timeline), timeline
        t.goto(f"{server.url}/?lang=it")
        assert any(label.endswith("\u00a0€") for label in _labels(t, "segments"))
        t.goto(f"{server.url}/engagement?lang=es")
        shares = [label for label in _labels(t, "pressure") if "%" in label]
        assert shares and all(label.endswith("\u00a0%") for label in shares), shares
        assert t.errors == []
