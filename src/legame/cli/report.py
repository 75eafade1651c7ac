"""``legame report``: the self-contained HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from legame.cli._common import DbOption, JsonOption, console, open_workspace, print_json

Lang = Literal["en", "it", "es"]


def report(
    out: Annotated[Path, typer.Option("--out", help="Where to write the HTML file.")] = Path(
        "report.html"
    ),
    lang: Annotated[Lang, typer.Option("--lang", help="Language: en, it or es.")] = "en",
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="The overview's period: 30d, 90d (default), 365d, a year (2024), a range "
            "(2024-01-01..2024-03-31) or all.",
        ),
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Write one self-contained HTML report (overview, segments, findings, gestures) that
    opens offline."""
    from legame.report import write_report

    with open_workspace(db, read_only=True) as ws:
        path = write_report(ws, out, lang, period=period)
    if json:
        print_json({"path": str(path), "lang": lang, "bytes": path.stat().st_size})
    else:
        console.print(f"Report written to {path} ({path.stat().st_size / 1e6:.1f} MB, {lang}).")


def register(app: typer.Typer) -> None:
    app.command()(report)
