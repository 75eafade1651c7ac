"""The dashboard and the report in a real browser: Debian's headless Chromium, driven by
Playwright, against uvicorn serving the demo workspace.

Each page must load with no console error and render every chart (an SVG with marks in
each vega-embed container); screenshots of every page in every language go to
``build/screenshots/`` and page load times to ``build/screenshots/timings.json``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import Server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Every page an admin can open: name, path, least number of charts it draws.
PAGES = (
    ("overview", "/", 4),
    ("customers", "/customers", 0),
    ("customer", None, 1),  # the first customer of the list
    ("findings", "/findings", 1),
    ("engagement", "/engagement", 4),
    ("validation", "/validation", 2),
    ("message", "/messages/check", 0),
)
CHARTS_RENDERED = """() => Array.from(document.querySelectorAll('.chart'))
    .every(c => c.getAttribute('data-rendered'))"""
CHART_STATE = """() => Array.from(document.querySelectorAll('.chart')).map(c => ({
    id: c.id, rendered: c.getAttribute('data-rendered'),
    marks: c.querySelectorAll('svg g.role-mark > *').length}))"""
LOAD_TIME = """() => { const n = performance.getEntriesByType('navigation')[0];
    return {dom: n.domContentLoadedEventEnd, load: n.loadEventEnd}; }"""
TIMINGS: dict[str, dict[str, float]] = {}


class Tab:
    """A browser page that records console errors and uncaught exceptions."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def goto(self, url: str) -> Any:
        return self.page.goto(url, wait_until="load")

    def charts(self, timeout_ms: int = 20_000) -> list[dict[str, Any]]:
        """Wait until every chart has rendered (or failed); their state."""
        self.page.wait_for_function(CHARTS_RENDERED, timeout=timeout_ms)
        return list(self.page.evaluate(CHART_STATE))


@contextmanager
def tab(browser: Any, *, locale: str = "en-GB") -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    try:
        yield Tab(context.new_page())
    finally:
        context.close()


def _record_requests(page: Any) -> list[str]:
    """The URLs the page requests from now on."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def sign_in(t: Tab, server: Server, role: str) -> None:
    t.goto(f"{server.url}/signin")
    t.page.fill("#key", server.keys[role])
    with t.page.expect_navigation():
        t.page.click("form[action='/signin'] button[type=submit]")
    assert "/signin" not in t.page.url, t.page.content()[:2000]


def assert_charts_drawn(t: Tab, least: int, where: str) -> None:
    charts = t.charts()
    assert len(charts) >= least, f"{where}: {len(charts)} charts, expected at least {least}"
    for chart in charts:
        assert chart["rendered"] == "true", f"{where}: chart {chart['id']} failed to render"
        assert chart["marks"] > 0, f"{where}: chart {chart['id']} has no marks"


@pytest.mark.parametrize("lang", ["en", "it", "es"])
def test_every_page_loads_without_console_errors_and_draws_its_charts(
    browser: Any, server: Server, screenshots: Path, lang: str
) -> None:
    # English by default, Italian from the browser's Accept-Language, Spanish by the switch.
    with tab(browser, locale="it-IT" if lang == "it" else "en-GB") as t:
        sign_in(t, server, "admin")
        if lang == "es":
            with t.page.expect_navigation():
                t.page.click("nav.langs a[hreflang=es]")
        assert t.page.get_attribute("html", "lang") == lang
        for name, path, least in PAGES:
            if path is None:
                t.goto(f"{server.url}/customers")
                path = t.page.get_attribute("table.customers tbody a", "href")
            started = time.perf_counter()
            response = t.goto(f"{server.url}{path}")
            assert response.status == 200, f"{name}: HTTP {response.status}"
            assert_charts_drawn(t, least, f"{name} ({lang})")
            rendered = time.perf_counter() - started
            nav = t.page.evaluate(LOAD_TIME)
            TIMINGS[f"{name}-{lang}"] = {
                "load_ms": round(nav["load"]),
                "charts_rendered_ms": round(rendered * 1000),
            }
            assert t.page.get_attribute("html", "lang") == lang
            t.page.screenshot(path=str(screenshots / f"{name}-{lang}.png"), full_page=True)
        assert t.errors == []
    (screenshots / "timings.json").write_text(json.dumps(TIMINGS, indent=2, sort_keys=True))


def test_message_check_form_posts_a_draft_and_shows_verdict_flags_reasons_and_values(
    browser: Any, server: Server, screenshots: Path
) -> None:
    draft = "SOLO OGGI!!! Sconto 50%\nCorri, scade a mezzanotte!!! Ultima occasione!!!"
    with tab(browser) as t:
        sign_in(t, server, "analyst")
        t.goto(f"{server.url}/messages/check")
        # The brand values come from the workspace's policy file.
        assert "qualità artigianale" in t.page.input_value("#values")
        t.page.fill("#text", draft)
        with t.page.expect_navigation():
            t.page.click("form.message-form button[type=submit]")
        assert t.page.url.endswith("/messages/check")
        assert t.page.inner_text("#message-verdict") == "Rethink"
        assert t.page.locator("ul.reasons li").count() >= 1
        assert t.page.locator("table.flags tbody tr").count() >= 1
        assert t.page.input_value("#text") == draft  # the draft comes back for editing
        assert_charts_drawn(t, 1, "message check result")
        t.page.screenshot(path=str(screenshots / "message-result-en.png"), full_page=True)
        assert t.errors == []


def test_viewer_key_gets_the_403_page_on_analyst_pages_and_no_link_to_them(
    browser: Any, server: Server, screenshots: Path
) -> None:
    with tab(browser) as t:
        sign_in(t, server, "viewer")
        assert t.page.locator("nav.pages a[href='/customers']").count() == 0
        for path in ("/customers", "/messages/check", "/customers/C000001"):
            response = t.goto(f"{server.url}{path}")
            assert response.status == 403, path
            assert "Error 403" in t.page.inner_text("h1")
        t.page.screenshot(path=str(screenshots / "forbidden-en.png"), full_page=True)
        response = t.goto(f"{server.url}/findings")
        assert response.status == 200
        # Only the browser's own report of the 403 responses above, nothing from the pages.
        assert all("403" in e for e in t.errors), t.errors


def test_a_post_without_the_csrf_token_is_refused(browser: Any, server: Server) -> None:
    with tab(browser) as t:
        sign_in(t, server, "analyst")
        # The page's own cookies, but no token: what a forged cross-site form would send.
        response = t.page.request.post(
            f"{server.url}/messages/check", form={"text": "Ciao\nGrazie", "values": ""}
        )
        assert response.status == 403
        assert "The form has expired" in response.text()
        response = t.page.request.post(f"{server.url}/signout", form={})
        assert response.status == 403
        assert t.goto(f"{server.url}/").status == 200  # still signed in


def test_signing_out_ends_the_session_and_its_cookie_no_longer_opens_pages(
    browser: Any, server: Server, screenshots: Path
) -> None:
    with tab(browser) as t:
        sign_in(t, server, "admin")
        cookie = next(c for c in t.page.context.cookies() if c["name"] == "legame_session")
        assert cookie["httpOnly"] and cookie["sameSite"] in ("Lax", "Strict")
        with t.page.expect_navigation():
            t.page.click("form.signout button")
        assert "/signin" in t.page.url
        t.page.screenshot(path=str(screenshots / "signin-en.png"), full_page=True)
        t.goto(f"{server.url}/")
        assert "/signin" in t.page.url
        assert t.errors == []
    # The old cookie, replayed in a fresh browser, opens nothing either.
    with tab(browser) as t:
        t.page.context.add_cookies([cookie])
        t.goto(f"{server.url}/engagement")
        assert "/signin" in t.page.url


def test_report_opens_from_a_file_offline_and_draws_every_chart(
    browser: Any, demo: Any, tmp_path: Path, screenshots: Path
) -> None:
    from legame.report import write_report
    from legame.store import Workspace

    with Workspace.open(demo.db, read_only=True) as ws:
        paths = {
            lang: write_report(ws, tmp_path / f"report-{lang}.html", lang) for lang in ("en", "it")
        }
    for lang, path in paths.items():
        with tab(browser) as t:
            t.page.context.set_offline(True)
            requests = _record_requests(t.page)
            t.goto(path.as_uri())
            assert_charts_drawn(t, 8, f"report ({lang})")
            t.page.screenshot(path=str(screenshots / f"report-{lang}.png"), full_page=True)
            assert t.errors == []
            assert [url for url in requests if not url.startswith("file:")] == []
