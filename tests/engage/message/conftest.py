"""Shared fixtures for the message-check tests: the labelled drafts and a metrics report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

DRAFTS = Path(__file__).parent / "data" / "drafts.jsonl"
_REPORT = pytest.StashKey[list[str]]()


@pytest.fixture(scope="session")
def labelled_drafts() -> list[dict[str, Any]]:
    """The labelled drafts of ``data/drafts.jsonl``, one dict per line."""
    with DRAFTS.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="session")
def metrics_report(request: pytest.FixtureRequest) -> list[str]:
    """Lines printed in the terminal summary, so the measured numbers are always shown."""
    return request.config.stash.setdefault(_REPORT, [])


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    lines = config.stash.get(_REPORT, [])
    if lines:
        terminalreporter.section("message check: measured on the labelled drafts")
        for line in lines:
            terminalreporter.write_line(line)
