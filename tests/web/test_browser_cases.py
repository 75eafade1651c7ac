"""The cases workbench in a real browser: Debian's headless Chromium, driven by Playwright,
against uvicorn serving a copy of the demo workspace.

In English and Italian, on a desktop (1280 px) and a phone (375 px): from the queue open a
case, assign it to me, call the customer back, close it as resolved and find it resolved
in the queue; no console error, and on the phone no page wider than the screen.
Screenshots go to ``build/screenshots/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import Demo, Server, serving
from tests.web.test_browser import Tab, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Call-backs are made "now": the quiet hours off for them, so the test does not depend on
#: the hour it runs at (the library's tests cover the quiet hours).
LENIENT = "\n[cases]\ncallback_quiet_hours = false\n"
FITS = "() => document.documentElement.scrollWidth <= window.innerWidth"
WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture(scope="module")
def cases_server(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """uvicorn serving a copy of the demo (with the lenient policy) on a free local port."""
    folder = tmp_path_factory.mktemp("cases-browser")
    db = demo.copy(folder)
    with (folder / "legame.toml").open("a", encoding="utf-8") as policy:
        policy.write(LENIENT)
    with serving(db, demo.keys) as running:
        yield running


def assert_fits(t: Tab, where: str) -> None:
    """No horizontal scroll: the page is no wider than the window."""
    assert t.page.evaluate(FITS), f"{where}: scroll width, window {t.page.evaluate(WIDTH)}"


def submit(t: Tab, selector: str) -> None:
    with t.page.expect_navigation():
        t.page.click(selector)


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
@pytest.mark.parametrize("lang", ["en", "it"])
def test_a_case_is_opened_from_the_queue_assigned_called_back_and_closed(
    browser: Any, cases_server: Server, screenshots: Path, lang: str, width: int
) -> None:
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale="it-IT" if lang == "it" else "en-GB"
    )
    try:
        t = Tab(context.new_page())
        sign_in(t, cases_server, "analyst")
        name = f"cases-{lang}-{width}"
        t.goto(f"{cases_server.url}/cases?status=new")
        assert t.page.get_attribute("html", "lang") == lang
        assert_fits(t, f"queue ({name})")
        t.page.screenshot(path=str(screenshots / f"{name}-queue.png"), full_page=True)

        link = t.page.locator("table.cases tbody tr a[href^='/cases/']").first
        case_path = link.get_attribute("href")
        assert case_path
        with t.page.expect_navigation():
            link.click()
        assert t.page.url.endswith(case_path)
        assert t.page.get_attribute("#case-status", "data-status") == "new"
        assert_fits(t, f"case ({name})")

        submit(t, "#assign-me")
        assert t.page.locator("#case-done").is_visible()
        owner = t.page.inner_text("#case-owner")
        assert owner.startswith("analyst key ")

        t.page.select_option("#channel", "phone")
        submit(t, "#contact")
        assert t.page.locator("#case-blocked").count() == 0
        assert t.page.get_attribute("#case-status", "data-status") == "contacted"

        t.page.select_option("#outcome", "resolved")
        t.page.fill("#close-note", "Risolto al telefono" if lang == "it" else "Sorted on the phone")
        submit(t, "#close")
        assert t.page.get_attribute("#case-status", "data-status") == "resolved"
        actions = t.page.eval_on_selector_all(
            "table.case-history tbody tr", "rows => rows.map(r => r.dataset.action)"
        )
        assert actions == ["opened", "assigned", "contacted", "closed"]
        assert_fits(t, f"closed case ({name})")
        t.page.screenshot(path=str(screenshots / f"{name}-case.png"), full_page=True)

        case_id = case_path.rsplit("/", 1)[1]
        t.goto(f"{cases_server.url}/cases?status=resolved")
        row = t.page.locator(f"table.cases tr[data-case='{case_id}']")
        assert row.count() == 1
        assert row.locator("[data-status]").get_attribute("data-status") == "resolved"
        assert row.inner_text().count(owner) == 1
        assert_fits(t, f"resolved queue ({name})")

        t.goto(f"{cases_server.url}/cases/loop")
        assert_fits(t, f"loop ({name})")
        t.page.screenshot(path=str(screenshots / f"{name}-loop.png"), full_page=True)
        assert t.errors == []
    finally:
        context.close()


def test_a_viewer_sees_the_case_counts_on_a_phone_without_a_table(
    browser: Any, cases_server: Server, screenshots: Path
) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 900}, locale="en-GB")
    try:
        t = Tab(context.new_page())
        sign_in(t, cases_server, "viewer")
        with t.page.expect_navigation():
            t.page.click("nav.pages a[href='/cases']")
        assert t.page.locator("#case-counts .card").count() == 5
        assert t.page.locator("table").count() == 0
        assert t.page.locator("a[href^='/customers']").count() == 0
        assert_fits(t, "viewer counts")
        t.page.screenshot(path=str(screenshots / "cases-viewer-375.png"), full_page=True)
        assert t.errors == []
    finally:
        context.close()
