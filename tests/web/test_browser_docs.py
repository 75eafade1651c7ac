"""The API's /docs in a real browser with no internet: Swagger UI, served from the package,
lists every operation, and the page asks no other host for anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import Server
from tests.web.test_browser import tab

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_docs_render_every_operation_offline(
    browser: Any, server: Server, screenshots: Path
) -> None:
    with tab(browser) as t:
        elsewhere: list[str] = []

        def only_the_server(route: Any) -> None:
            if route.request.url.startswith(server.url):
                route.continue_()
            else:  # what a machine without internet would get
                elsewhere.append(route.request.url)
                route.abort()

        t.page.route("**/*", only_the_server)
        response = t.goto(f"{server.url}/docs")
        assert response.status == 200
        t.page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
        operations = t.page.locator(".swagger-ui .opblock").count()
        spec = t.page.request.get(f"{server.url}/openapi.json").json()
        assert operations == sum(len(ops) for ops in spec["paths"].values())
        t.page.screenshot(path=str(screenshots / "api-docs.png"), full_page=False)
        assert elsewhere == []
        assert t.errors == []
