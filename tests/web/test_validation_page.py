"""The forecast check on the dashboard and in the report: what `legame clv validate` stored
(the demo stores one: every model on the last quarter of its history), never refitted."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from legame.report import render_report
from legame.store import Workspace
from legame.validation import load_validation
from tests.web.conftest import Demo, Server, new_client, sign_in
from tests.web.test_browser import assert_charts_drawn, tab
from tests.web.test_browser import sign_in as browser_sign_in


@pytest.fixture(scope="module")
def stored(demo: Demo) -> dict[str, Any]:
    with Workspace.open(demo.db, read_only=True) as ws:
        found = load_validation(ws)
    assert found is not None, "the demo stores a validation"
    return found


def test_the_page_shows_the_stored_validation_to_a_viewer(
    signed_in, stored: dict[str, Any]
) -> None:
    page = signed_in("viewer").get("/validation")
    assert page.status_code == 200
    html = page.text
    assert 'href="/validation"' in html  # in the navigation, from the overview too
    for chart in ("chart-tracking-cumulative", "chart-tracking-weekly"):
        assert chart in html
    frequency = re.search(r'<table class="validation-frequency">(.*?)</table>', html, re.S)
    assert frequency is not None
    labels = re.findall(r"<tr>\s*<td>([^<]+)</td>", frequency.group(1))
    assert labels == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    for name in ("BG/NBD", "MBG/NBD", "Pareto/NBD"):
        assert name in html
    best = re.search(r'id="validation-best">([^<]+)<', html)
    assert best is not None and "Best forecast" in best.group(1)
    assert {"bgnbd": "BG/NBD", "mbgnbd": "MBG/NBD", "paretonbd": "Pareto/NBD"}[
        stored["best"]
    ] in best.group(1)


def test_the_page_says_how_to_make_one_before_any_validation(demo: Demo, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from legame.store.keys import create_key
    from tests.web.conftest import make_app

    db = demo.copy(tmp_path)
    with Workspace.open(db) as ws:
        ws.con.execute("DELETE FROM clv_validation")
        key = create_key(ws, "viewer")[0]
    app = make_app(db)
    with TestClient(app):
        page = sign_in(new_client(app), key).get("/validation")
    assert page.status_code == 200
    assert "No forecast check yet" in page.text and "chart-tracking" not in page.text


def test_the_report_has_the_forecast_check(demo: Demo) -> None:
    with Workspace.open(demo.db, read_only=True) as ws:
        html = render_report(ws, "it")
    assert 'id="validation"' in html and 'href="#validation"' in html
    assert "chart-tracking-cumulative" in html and "Verifica delle previsioni" in html
    assert '<table class="validation-frequency">' in html


@pytest.mark.browser
@pytest.mark.slow
def test_the_tracking_charts_render_a_line_per_model_and_the_actual_purchases(
    browser: Any, server: Server, stored: dict[str, Any]
) -> None:
    with tab(browser) as t:
        browser_sign_in(t, server, "viewer")
        response = t.goto(f"{server.url}/validation")
        assert response.status == 200
        assert_charts_drawn(t, 2, "validation")
        lines = t.page.evaluate(
            """() => document.querySelectorAll(
                '#chart-tracking-cumulative svg g.role-mark path').length"""
        )
        assert lines >= len(stored["models"]) + 1  # the actual line and one per model
        assert t.errors == []
