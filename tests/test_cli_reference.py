"""Docs don't drift: the CLI reference is generated from --help; every command that uses a
workspace takes --db."""

from __future__ import annotations

from pathlib import Path

import typer

from legame.cli import app
from legame.cli.reference import _commands, cli_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
#: Commands that never open the user's workspace (simulate writes files; bench makes its own).
NO_WORKSPACE = {("simulate",), ("bench",)}


def test_cli_doc_is_the_generated_one() -> None:
    assert DOC.read_text() == cli_markdown(), (
        "docs/cli.md is out of date: python -m legame.cli.reference > docs/cli.md"
    )


def test_every_workspace_command_takes_db(cli) -> None:
    commands = _commands(typer.main.get_command(app), [])
    assert len(commands) > 20
    for path in commands:
        if tuple(path) in NO_WORKSPACE:
            continue
        help_text = cli(*path, "--help").stdout
        assert "--db" in help_text, path
