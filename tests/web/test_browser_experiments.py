"""The experiments page in a real browser: Debian's headless Chromium, driven by
Playwright, against uvicorn serving a copy of the demo workspace with a contact test.

In English and Italian, on a desktop (1280 px) and a phone (375 px): the program's and the
contact test's readings are there, a test is planned from the form and its plan shown; no
console error, and on the phone no page wider than the screen. Screenshots go to
``build/screenshots/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import Demo, Server, serving
from tests.web.test_browser import Tab, sign_in
from tests.web.test_browser_cases import assert_fits, submit
from tests.web.test_experiments_page import EXPERIMENTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def experiments_server(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """uvicorn serving a copy of the demo (with a contact test) on a free local port."""
    folder = tmp_path_factory.mktemp("experiments-browser")
    db = demo.copy(folder)
    with (folder / "legame.toml").open("a", encoding="utf-8") as policy:
        policy.write(EXPERIMENTS)
    with serving(db, demo.keys) as running:
        yield running


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
@pytest.mark.parametrize("lang", ["en", "it"])
def test_a_viewer_reads_the_experiments_and_plans_a_test(
    browser: Any, experiments_server: Server, screenshots: Path, lang: str, width: int
) -> None:
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale="it-IT" if lang == "it" else "en-GB"
    )
    try:
        t = Tab(context.new_page())
        sign_in(t, experiments_server, "viewer")
        name = f"experiments-{lang}-{width}"
        t.goto(f"{experiments_server.url}/engagement")
        assert t.page.locator("table.trigger-mde tbody tr").count() >= 2
        with t.page.expect_navigation():
            t.page.click("nav.pages a[href='/experiments']")
        assert t.page.get_attribute("html", "lang") == lang
        assert t.page.locator("#trigger-all[open] table.comparisons tbody tr").count() == 3
        assert t.page.locator("#test-weekly_cap table.test-arms tbody tr").count() == 2
        assert_fits(t, f"results ({name})")

        t.page.select_option("#plan-test", "trigger:milestone_thanks")
        t.page.fill("#plan-days", "365")
        t.page.fill("#plan-effect", "10")
        submit(t, "#plan-submit")
        assert "plan=trigger%3Amilestone_thanks" in t.page.url
        assert t.page.locator("#plan-result").is_visible()
        assert t.page.locator("#plan-mde td").inner_text().strip() not in ("", "—")
        assert t.page.locator("#plan-problem").count() == 0
        assert_fits(t, f"plan ({name})")
        t.page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
        assert t.errors == []
    finally:
        context.close()
