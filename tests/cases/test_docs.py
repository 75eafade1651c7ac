"""Docs don't drift: every cases endpoint, command and policy key is in docs/cases.md."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from legame.api.cases import router
from legame.cli.cases import cases_app
from legame.policy import CASES_KEYS, key_paths

DOC = (Path(__file__).resolve().parents[2] / "docs" / "cases.md").read_text("utf-8")


def test_every_endpoint_is_documented() -> None:
    routes = [
        (method, f"/api/v1{route.path}")  # type: ignore[attr-defined]
        for route in router.routes
        for method in route.methods  # type: ignore[attr-defined]
    ]
    assert len(routes) == 6
    for method, path in routes:
        assert f"| `{method} {path}` |" in DOC, (method, path)


def test_every_command_is_documented() -> None:
    group = typer.main.get_command(cases_app)
    names = sorted(group.commands)  # type: ignore[attr-defined]
    assert names == ["assign", "close", "contact", "list", "note", "show", "stats", "sync"]
    for name in names:
        assert re.search(rf"\| `legame cases {name}\b", DOC), name


def test_every_policy_key_is_documented() -> None:
    assert {p for p in key_paths() if p.startswith("cases.")} == {f"cases.{k}" for k in CASES_KEYS}
    for key in CASES_KEYS:
        assert f"| `{key}` |" in DOC, key


def test_the_public_api_is_exactly_these_names() -> None:
    import legame.engage.cases as cases

    assert sorted(cases.__all__) == [
        "Change",
        "Contact",
        "Opened",
        "callback_effect",
        "case_counts",
        "case_stats",
        "contact_case",
        "get_case",
        "list_cases",
        "open_cases",
        "update_case",
    ]
    assert all(getattr(cases, name).__doc__ for name in cases.__all__)
