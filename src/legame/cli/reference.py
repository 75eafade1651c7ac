"""The command-line reference (``docs/cli.md``), generated from the commands' ``--help``.

``python -m legame.cli.reference > docs/cli.md`` rewrites it; a test fails when they differ.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.testing import CliRunner

from legame.cli import app


def _commands(group: Any, prefix: list[str]) -> list[list[str]]:
    """Every leaf command under a (Typer) group, as the words a user types."""
    found = []
    for name, command in group.commands.items():
        if getattr(command, "hidden", False):
            continue
        path = [*prefix, name]
        if hasattr(command, "commands"):
            found += _commands(command, path)
        else:
            found.append(path)
    return found


def cli_markdown() -> str:
    runner = CliRunner()
    root = typer.main.get_command(app)
    parts = [
        "# Command-line reference\n",
        "Generated from `legame ... --help` (`python -m legame.cli.reference > docs/cli.md`).",
        "Every command takes `--db PATH` (default `./legame.duckdb`, or `$LEGAME_DB`); errors",
        "are one line on standard error with exit code 1 (2 for a usage error).\n",
        "```",
        runner.invoke(app, ["--help"], terminal_width=100).stdout.rstrip(),
        "```",
    ]
    for path in _commands(root, []):
        text = runner.invoke(app, [*path, "--help"], terminal_width=100).stdout.rstrip()
        parts += [f"\n## legame {' '.join(path)}\n", "```", text, "```"]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(cli_markdown(), end="")
