"""``legame findings``: test the seed articles' claims on the workspace's own data."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from legame.cli._common import (
    DbOption,
    EngineOption,
    SparkSourceOption,
    console,
    engine_options,
    err_console,
    open_workspace,
    print_json,
)
from legame.errors import InputError

if TYPE_CHECKING:
    from legame.engine import EngineName

JsonList = Annotated[
    bool, typer.Option("--json", help="Print a JSON list of findings instead of text.")
]
_COLOURS = {
    "supported": "green",
    "contradicted": "red",
    "not_supported": "yellow",
    "insufficient_data": "dim",
}


def findings(
    db: DbOption = None,
    json: JsonList = False,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the bootstraps.")] = 0,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="End of every window, YYYY-MM-DD (default: the day after "
            "the latest completed order).",
        ),
    ] = None,
    engine: EngineOption = "duckdb",
    spark_source: SparkSourceOption = None,
) -> None:
    """Test each claim of the seed articles on your data: estimate, 95% interval, verdict
    (kept in the workspace for the dashboard, the API and the report)."""
    from legame.insights import FINDING_IDS, compute_findings
    from legame.insights.saved import save_findings

    cutoff = _date(as_of)
    options = engine_options(engine, spark_source)
    with (
        open_workspace(db) as ws,
        Progress(
            TextColumn("[bold]findings[/bold] {task.description:<30}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=json,
        ) as bar,
    ):
        task = bar.add_task("", total=len(FINDING_IDS))

        def step(name: str) -> None:
            bar.update(task, description=name, completed=FINDING_IDS.index(name))

        results = compute_findings(
            ws,
            seed=seed,
            as_of=cutoff,
            on_finding=step,
            engine=cast("EngineName", engine),
            engine_options=options,
        )
        save_findings(ws, results)
        bar.update(task, completed=len(FINDING_IDS))
    if json:
        print_json([f.to_dict() for f in results])
        return
    table = RichTable(title="Findings: the seed articles' claims, tested on your data")
    table.add_column("finding", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    for column in ("estimate", "95% interval", "n"):
        table.add_column(column, justify="right")
    table.add_column("causal")
    for f in results:
        colour = _COLOURS[f.verdict]
        interval = (
            ""
            if f.ci_low is None or f.ci_high is None
            else f"{_num(f.ci_low)} to {_num(f.ci_high)}"
        )
        table.add_row(
            f.id,
            f"[{colour}]{f.verdict.replace('_', ' ')}[/{colour}]",
            "" if f.estimate is None else _num(f.estimate),
            interval,
            f"{f.n:,}",
            "yes" if f.causal else "no",
        )
    console.print(table)
    for f in results:
        console.print(f"[bold]{f.id}[/bold]: {f.summary}")


def _num(value: float) -> str:
    return f"{value:.3g}" if abs(value) >= 0.001 or value == 0 else f"{value:.2e}"


def _date(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise InputError(f"--as-of must be a date like 2026-01-01; got {value!r}.") from None


def register(app: typer.Typer) -> None:
    app.command()(findings)
