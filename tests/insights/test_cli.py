"""``legame findings``: a thin command over compute_findings."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from legame.cli import app
from legame.insights import FINDING_IDS

from .conftest import Planted


@pytest.mark.slow
def test_json_prints_a_list_of_finding_dicts(planted: Planted) -> None:
    result = CliRunner().invoke(app, ["findings", "--db", str(planted.db), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert [f["id"] for f in payload] == list(FINDING_IDS)
    assert payload[0] == planted.findings[payload[0]["id"]].to_dict() | {
        "details": payload[0]["details"]
    }
    assert all(f["verdict"] == "supported" for f in payload)


@pytest.mark.slow
def test_text_prints_the_table_and_every_summary(planted: Planted) -> None:
    result = CliRunner().invoke(app, ["findings", "--db", str(planted.db)], terminal_width=160)
    assert result.exit_code == 0, result.output
    assert "Findings" in result.stdout
    for f in planted.findings.values():
        assert f.id in result.stdout
        assert f.summary[:40] in result.stdout.replace("\n", " ")


def test_a_bad_as_of_is_an_input_error(db: object) -> None:
    result = CliRunner().invoke(app, ["findings", "--db", str(db), "--as-of", "01/01/2026"])
    assert result.exit_code != 0
    assert "--as-of must be a date" in str(result.exception)
