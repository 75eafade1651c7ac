"""Periods, comments and downloads in a real browser (issue 19, item 8): Debian's headless
Chromium, driven by Playwright, against uvicorn serving the demo workspace.

In English and Italian, on a desktop (1280 px) and a phone (375 px): change the overview's
period with a preset and with the from–to form, see the choice kept on the comments page,
download the customer list as CSV (with the BOM and the language's separator), and find
no page wider than the screen. Screenshots go to ``build/screenshots/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import Server
from tests.web.test_browser import Tab, sign_in
from tests.web.test_browser_cases import assert_fits

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PRESET = {"en": "Last 365 days", "it": "Ultimi 365 giorni"}
SEPARATOR = {"en": ",", "it": ";"}


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
@pytest.mark.parametrize("lang", ["en", "it"])
def test_a_period_change_is_kept_and_the_list_downloads_in_the_readers_format(
    browser: Any, server: Server, screenshots: Path, tmp_path: Path, lang: str, width: int
) -> None:
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        locale="it-IT" if lang == "it" else "en-GB",
        accept_downloads=True,
    )
    try:
        t = Tab(context.new_page())
        sign_in(t, server, "analyst")
        name = f"periods-{lang}-{width}"
        t.goto(f"{server.url}/")
        assert t.page.get_attribute("html", "lang") == lang
        assert t.page.locator("p.as-of").is_visible()
        with t.page.expect_navigation():
            t.page.click(f"section.period .presets a:text-is('{PRESET[lang]}')")
        assert "period=365d" in t.page.url
        current = t.page.locator("section.period .presets a[aria-current='true']")
        assert current.inner_text() == PRESET[lang]
        assert_fits(t, f"overview ({name})")
        t.page.screenshot(path=str(screenshots / f"{name}-overview.png"), full_page=True)

        t.page.fill("section.period input[name=from]", "2025-03-01")
        t.page.fill("section.period input[name=to]", "2025-05-31")
        with t.page.expect_navigation():
            t.page.click("section.period form.custom button[type=submit]")
        assert "from=2025-03-01" in t.page.url and "to=2025-05-31" in t.page.url
        span = t.page.inner_text("section.period .span")
        assert ("2025" in span) and ("mar" in span.lower())

        # The choice is remembered: the comments page opens on the same period.
        t.goto(f"{server.url}/comments")
        assert t.page.input_value("section.period input[name=from]") == "2025-03-01"
        assert t.page.input_value("section.period input[name=to]") == "2025-05-31"
        assert_fits(t, f"comments ({name})")
        t.page.screenshot(path=str(screenshots / f"{name}-comments.png"), full_page=True)

        t.goto(f"{server.url}/customers?segment=champions")
        assert_fits(t, f"customers ({name})")
        with t.page.expect_download() as info:
            t.page.click("p.download a[href^='/customers.csv']")
        saved = tmp_path / "customers.csv"
        info.value.save_as(saved)
        data = saved.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        header = data[3:].decode("utf-8").splitlines()[0]
        assert SEPARATOR[lang] in header and len(data.splitlines()) > 1
        assert t.errors == []
    finally:
        context.close()


def test_no_page_is_wider_than_a_phone_for_an_administrator_in_italian(
    browser: Any, server: Server
) -> None:
    """The longest role label ("Amministratore") once pushed the sign-out button off the
    screen: the header's tools wrap now, on every page."""
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="it-IT")
    try:
        t = Tab(context.new_page())
        sign_in(t, server, "admin")
        for path in (
            "/",
            "/customers",
            "/comments",
            "/cases",
            "/cases/loop",
            "/findings",
            "/engagement",
            "/validation",
            "/messages/check",
        ):
            assert t.goto(f"{server.url}{path}").status == 200, path
            assert_fits(t, path)
        assert t.errors == []
    finally:
        context.close()
