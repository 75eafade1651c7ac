"""The self-contained HTML report, the findings' null lines and the vendored Vega bundles."""

from __future__ import annotations

import hashlib
import re
from importlib import resources
from pathlib import Path

import pytest

from legame.report import SCRIPTS, render_report, write_report
from legame.store import Workspace
from legame.web.findings import load_findings, margin_of, null_of
from tests.web.conftest import Demo

VENDOR = Path(str(resources.files("legame.web"))) / "static" / "vendor"


@pytest.fixture(scope="module")
def report_en(demo: Demo) -> str:
    with Workspace.open(demo.db, read_only=True) as ws:
        return render_report(ws, "en")


def test_report_inlines_every_script_and_style_and_loads_nothing(report_en: str) -> None:
    # No element pulls anything from elsewhere: no src, no stylesheet link, no import.
    assert not re.search(r"<script[^>]+src=", report_en)
    assert not re.search(r"<link[^>]+rel=\"stylesheet\"", report_en)
    assert "@import" not in report_en
    for name in SCRIPTS:
        code = (VENDOR.parent / name).read_text("utf-8")
        assert code[-2000:].strip()[:200] in report_en, name
    assert "default-src 'none'" in report_en  # its CSP forbids every request


def test_report_has_overview_findings_segments_and_gesture_results(
    report_en: str, demo: Demo
) -> None:
    with Workspace.open(demo.db, read_only=True) as ws:
        findings = load_findings(ws)
    for section in (
        'id="overview"',
        'id="findings"',
        'id="gestures"',
        "chart-nps-trend",
        "chart-clv-histogram",
        "chart-segments",
        "chart-gesture-retention",
    ):
        assert section in report_en
    for finding in findings:
        assert f'id="finding-{finding["id"]}"' in report_en


@pytest.mark.parametrize(("lang", "words"), [("it", "Panoramica"), ("es", "Resumen")])
def test_report_speaks_the_chosen_language(demo: Demo, lang: str, words: str) -> None:
    with Workspace.open(demo.db, read_only=True) as ws:
        page = render_report(ws, lang)
    assert f'<html lang="{lang}">' in page and words in page
    assert "Overview" not in page


def test_write_report_writes_the_file_and_refuses_an_unknown_language(
    demo: Demo, tmp_path: Path
) -> None:
    from legame.errors import InputError

    with Workspace.open(demo.db, read_only=True) as ws:
        path = write_report(ws, tmp_path / "out" / "report.html", "es")
        with pytest.raises(InputError, match="--lang must be one of en, it, es"):
            write_report(ws, tmp_path / "x.html", "fr")
    assert path.exists() and path.read_text("utf-8").startswith("<!doctype html>")
    assert not (tmp_path / "x.html").exists()


def test_report_command_writes_the_report_where_asked(demo: Demo, tmp_path: Path, cli) -> None:
    out = tmp_path / "r.html"
    result = cli("report", "--out", out, "--lang", "it", "--db", demo.db)
    assert result.exit_code == 0, result.output
    assert "Report written to" in result.output and out.exists()
    assert '<html lang="it">' in out.read_text("utf-8")
    bad = cli("report", "--lang", "fr", "--db", demo.db)
    assert bad.exit_code == 2


def test_each_finding_is_drawn_against_the_line_its_verdict_uses(demo: Demo) -> None:
    """The lines are those the insights pass to ``verdict_from_interval``: 1 for the ratio
    findings, 0 for the differences, with the AUC (0.02) and spend (0.05) margins."""
    expected = {
        "emotion_vs_satisfaction": (1.0, None),
        "service_and_churn": (1.0, None),
        "satisfaction_is_not_loyalty": (0.0, 0.02),
        "contact_pressure": (1.0, None),
        "promoters_and_word_of_mouth": (1.0, None),
        "high_spend_is_not_loyalty": (0.0, 0.05),
        "gratitude_uplift": (0.0, None),
    }
    with Workspace.open(demo.db, read_only=True) as ws:
        findings = {f["id"]: f for f in load_findings(ws)}
    assert set(findings) == set(expected)
    for name, (null, margin) in expected.items():
        assert (null_of(findings[name]), margin_of(findings[name])) == (null, margin), name


def test_a_finding_that_states_its_null_and_margin_is_taken_at_its_word() -> None:
    finding = {"method": "ratio of something", "null": 0.5, "margin": 0.1, "details": {}}
    assert null_of(finding) == 0.5 and margin_of(finding) == 0.1
    assert margin_of({**finding, "margin": 0.0}) is None


def test_vendored_bundles_are_the_versions_and_hashes_the_readme_records() -> None:
    readme = (VENDOR / "README.md").read_text("utf-8")
    rows = re.findall(
        r"^\| (vega(?:-lite|-embed)?) \| ([0-9.]+) \| `([\w.-]+)` \| `(\w{64})`", readme, re.M
    )
    assert {name for name, *_ in rows} == {"vega", "vega-lite", "vega-embed"}
    for name, version, file, digest in rows:
        data = (VENDOR / file).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, file
        text = data.decode("utf-8")
        marker = {
            "vega": f'version="{version}"',
            "vega-lite": f'var n="{version}"',
            "vega-embed": f'"{version}"',
        }[name]
        assert marker in text, (file, version)
    for name in ("LICENSE-vega", "LICENSE-vega-lite", "LICENSE-vega-embed"):
        assert "Redistribution and use" in (VENDOR / name).read_text("utf-8"), name
    bundled = (VENDOR / "LICENSE-bundled.txt").read_text("utf-8")
    for package in ("d3-scale", "vega-interpreter", "vega-tooltip", "fast-json-patch"):
        assert f"\n{package} " in bundled, package


def test_no_page_template_loads_anything_from_another_host() -> None:
    templates = Path(str(resources.files("legame.web"))) / "templates"
    for template in templates.glob("*.html"):
        source = template.read_text("utf-8")
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", source), template.name


def test_every_dashboard_page_is_documented() -> None:
    from legame.web.pages import router

    doc = (Path(__file__).resolve().parents[2] / "docs" / "dashboard.md").read_text("utf-8")
    # "/customers/{customer_id:path}" is documented as "/customers/{customer_id}".
    paths = {re.sub(r":\w+}", "}", route.path) for route in router.routes}  # type: ignore[attr-defined]
    assert len(paths) >= 6
    for path in paths:
        assert f"| `{path}` |" in doc, path
