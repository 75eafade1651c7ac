"""``legame gestures``: plan, record and measure the gratitude & reciprocity program."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from rich.table import Table as RichTable

from legame.cli._common import (
    DbOption,
    EngineOption,
    JsonOption,
    SparkSourceOption,
    console,
    engine_options,
    open_workspace,
    print_json,
)
from legame.words import counted

if TYPE_CHECKING:
    from legame.engine import EngineName

gestures_app = typer.Typer(help="The gratitude & reciprocity program.", no_args_is_help=True)

AtOption = Annotated[
    str | None,
    typer.Option("--at", help="When (ISO 8601; default: the latest activity in the store)."),
]


def _at(value: str | None):
    from legame.engage.governor.clock import parse_timestamp

    return None if value is None else parse_timestamp(value)


@gestures_app.command("plan")
def gestures_plan(
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the plan (.csv/.parquet).")
    ] = None,
    at: AtOption = None,
    engine: EngineOption = "duckdb",
    spark_source: SparkSourceOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Propose gestures for the moments that call for one, each with its random arm."""
    from legame.engage.gratitude import plan, write_plan

    options = engine_options(engine, spark_source)
    with open_workspace(db, read_only=True) as ws:
        table = plan(ws, at=_at(at), engine=cast("EngineName", engine), engine_options=options)
    if out is not None:
        write_plan(table, out)
    if json:
        print_json(table.to_pylist())
        return
    rows = table.to_pylist()
    view = RichTable(title=f"{counted(len(rows), 'gesture')} proposed")
    for column in ("customer", "trigger", "arm", "cost", "reason"):
        view.add_column(column, overflow="fold")
    for row in rows[:50]:
        view.add_row(
            row["customer_id"], row["trigger"], row["arm"], f"{row['cost']:.2f}", row["reason"]
        )
    console.print(view)
    if len(rows) > 50:
        console.print(f"... {len(rows) - 50:,} more; use --out or --json.")
    if out is not None:
        console.print(
            f"Plan written to {out}: give the treatment rows, then "
            f"`legame gestures record {out}` (holdout rows are recorded too)."
        )


@gestures_app.command("record")
def gestures_record(
    path: Annotated[Path, typer.Argument(help="The plan file (or any gestures file).")],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Record gestures given (and held out); forgiven fees get their waived_at."""
    from legame.ingest import ingest

    with open_workspace(db) as ws:
        report = ingest(ws, "gestures", [path])
    payload = report.to_dict()
    if json:
        print_json(payload)
    else:
        console.print(
            f"Recorded {counted(payload['inserted'], 'gesture')} ({payload['duplicates']:,} "
            f"already recorded, {payload['rejected']:,} rejected); "
            f"{counted(payload['fees_waived'], 'fee')} waived."
        )
    if report.failed:
        raise typer.Exit(1)


@gestures_app.command("results")
def gestures_results(
    at: AtOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Treatment against holdout per trigger: retention, spend and NPS, with intervals."""
    from legame.engage.gratitude import results

    with open_workspace(db, read_only=True) as ws:
        payload = results(ws, at=_at(at))
    if json:
        print_json(payload)
        return
    view = RichTable(
        title=f"Gratitude program: {payload['followup_days']}-day follow-up, "
        "treatment − holdout (95% interval)"
    )
    for column in (
        "trigger",
        "n treated / held out",
        "retention",
        "retention, CUPED",
        "retention, always valid",
        "spend",
        "NPS",
        "cost",
        "revenue per unit cost",
    ):
        view.add_column(column, justify="right")
    for row in payload["by_trigger"]:
        view.add_row(
            row["trigger"],
            f"{row['treatment']['gestures']:,} / {row['holdout']['gestures']:,}",
            _diff(row["retention_diff"], pct=True),
            _reading(row, "cuped"),
            _reading(row, "always_valid"),
            _diff(row["spend_diff"]),
            _diff(row["nps_diff"]),
            f"{row['treatment']['cost']:,.0f}",
            _diff(row["value_per_cost"]),
        )
    console.print(view)
    console.print(payload["nps_note"])
    console.print(
        "CUPED: adjusted for each customer's orders and revenue in the 180 days before "
        "(valid, like the first interval, only at the program's pre-registered end date); "
        "always valid: a confidence sequence, valid at any look. `legame experiment "
        "results` reads the whole experiment."
    )


def _reading(row: dict[str, Any], interval: str) -> str:
    """The retention difference of the experiment's reading, with its ``interval``."""
    comparisons = row.get("comparisons")
    if not comparisons:
        return "too few"
    return _diff(comparisons["retention"][interval], pct=True)


def _diff(d: dict[str, float | None], *, pct: bool = False) -> str:
    if d["estimate"] is None:
        return "too few"
    scale, unit = (100.0, " pp") if pct else (1.0, "")
    lo = "?" if d["ci_low"] is None else f"{scale * d['ci_low']:+,.1f}"
    hi = "?" if d["ci_high"] is None else f"{scale * d['ci_high']:+,.1f}"
    return f"{scale * d['estimate']:+,.1f}{unit} ({lo} to {hi})"


def register(app: typer.Typer) -> None:
    app.add_typer(gestures_app, name="gestures")
