"""Measurement commands: clv fit, score, nps, export scores."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from legame.cli._common import (
    DbOption,
    JsonOption,
    console,
    err_console,
    open_workspace,
    print_json,
)
from legame.errors import InputError

if TYPE_CHECKING:
    from legame.engine import EngineName
    from legame.metrics.nps import NpsBy
    from legame.scoring import ModelName, Unit

clv_app = typer.Typer(help="Customer lifetime value models.", no_args_is_help=True)
export_app = typer.Typer(help="Export tables to CSV or Parquet.", no_args_is_help=True)

UntilOption = Annotated[
    str | None,
    typer.Option(
        "--until",
        help="Last day of the calibration period, YYYY-MM-DD "
        "(default: the day of the latest completed order).",
    ),
]
UnitOption = Annotated[str, typer.Option("--unit", help="Time unit of the models: day or week.")]
MergeOption = Annotated[
    str,
    typer.Option(
        "--merge",
        help="day: orders on one day are one purchase (default); "
        "none: every order is a purchase, timed exactly.",
    ),
]


def _merge(value: str) -> bool:
    if value not in ("day", "none"):
        raise InputError(f"--merge must be day or none; got {value!r}.")
    return value == "day"


def _date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise InputError(f"--until must be a date like 2025-12-31; got {value!r}.") from None


@clv_app.command("fit")
def clv_fit(
    model: Annotated[str, typer.Option("--model", help="bgnbd or paretonbd.")] = "bgnbd",
    until: UntilOption = None,
    unit: UnitOption = "week",
    merge: MergeOption = "day",
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Fit the purchase model and Gamma-Gamma on the orders in the store."""
    from legame.scoring import fit_store

    with open_workspace(db) as ws:
        cutoff, purchase, spend_model = fit_store(
            ws,
            model=cast("ModelName", model),
            until=_date(until),
            unit=cast("Unit", unit),
            merge_day=_merge(merge),
        )
    payload = {
        "model": model,
        "until": cutoff.isoformat(),
        "unit": unit,
        "params": purchase.params_,
        "stderr": purchase.stderr_,
        "loglik": purchase.loglik_,
        "n_customers": int(purchase.n_customers_),
        "n_histories": purchase.n_histories_,
        "converged": purchase.converged_,
        "spend_params": None if spend_model is None else spend_model.params_,
        "spend_stderr": None if spend_model is None else spend_model.stderr_,
        "spend_n_customers": None if spend_model is None else int(spend_model.n_customers_),
    }
    if json:
        print_json(payload)
        return
    console.print(repr(purchase))
    if spend_model is not None:
        console.print(repr(spend_model))
    table = RichTable(title=f"{model} fitted on orders up to {cutoff} (unit: {unit})")
    for column in ("parameter", "estimate", "std. error"):
        table.add_column(column, justify="right")
    for name, value in purchase.params_.items():
        table.add_row(name, f"{value:.4g}", f"{purchase.stderr_[name]:.2g}")
    if spend_model is not None:
        for name, value in spend_model.params_.items():
            table.add_row(name, f"{value:.4g}", f"{spend_model.stderr_[name]:.2g}")
    console.print(table)
    console.print(
        f"log-likelihood {purchase.loglik_:,.1f}; {payload['n_customers']:,} customers "
        f"in {purchase.n_histories_:,} distinct histories."
    )


def score(
    horizon: Annotated[
        int, typer.Option("--horizon", help="CLV and forecast horizon, days.")
    ] = 365,
    discount: Annotated[float, typer.Option("--discount", help="Annual discount rate.")] = 0.10,
    margin: Annotated[float, typer.Option("--margin", help="Margin on revenue, (0, 1].")] = 1.0,
    model: Annotated[str, typer.Option("--model", help="bgnbd or paretonbd.")] = "bgnbd",
    until: UntilOption = None,
    unit: UnitOption = "week",
    merge: MergeOption = "day",
    engine: Annotated[str, typer.Option("--engine", help="duckdb or spark.")] = "duckdb",
    spark_source: Annotated[
        Path | None,
        typer.Option(
            "--spark-source",
            help="Spark: folder of Parquet datasets, one per table "
            "(default: export the workspace's tables).",
        ),
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Build customer_scores: value, CLV, NPS, emotion, service, contact, churn risk."""
    from legame.scoring import score as run
    from legame.scoring import score_totals

    options = {"source": spark_source} if spark_source else {}
    with open_workspace(db) as ws:
        with Progress(
            SpinnerColumn(),
            TextColumn("[bold]score: {task.description}"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=json,
        ) as bar:
            task = bar.add_task("start", total=None)
            report = run(
                ws,
                engine=cast("EngineName", engine),
                model=cast("ModelName", model),
                until=_date(until),
                unit=cast("Unit", unit),
                horizon_days=horizon,
                discount_rate=discount,
                margin=margin,
                merge_day=_merge(merge),
                progress=lambda step: bar.update(task, description=step),
                engine_options=options,
            )
        totals = score_totals(ws)
    payload = {
        **report.to_dict(),
        "total_clv": totals["total_clv"],
        "value_at_risk": totals["value_at_risk"],
    }
    if json:
        print_json(payload)
        return
    console.print(
        f"customer_scores: {report.rows:,} customers scored on {report.engine} "
        f"(orders up to {report.until}, {report.horizon_days}-day horizon). "
        f"Expected CLV {payload['total_clv'] or 0:,.0f}; value at risk "
        f"{payload['value_at_risk'] or 0:,.0f} (last-12-month revenue of high-risk customers)."
    )
    if report.future_orders:
        err_console.print(
            f"[yellow]warning:[/yellow] {report.future_orders:,} completed order(s) dated after "
            "today were left out of the default cutoff; check their dates (`legame rejects` "
            "lists what the import refused) or pass --until."
        )


def nps(
    by: Annotated[str | None, typer.Option("--by", help="month, segment or channel.")] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Net Promoter Score with the adjusted-Wald 95% interval, overall or by group."""
    from legame.metrics.nps import nps_report

    with open_workspace(db, read_only=True) as ws:
        payload = nps_report(ws, cast("NpsBy | None", by))
    if json:
        print_json(payload)
        return
    if payload["n"] == 0:
        console.print("No NPS answers in the workspace.")
        return
    console.print(_nps_line("NPS", payload))
    if by:
        table = RichTable(title=f"NPS by {by}")
        for column in (by, "NPS", "95% interval", "n", "promoters", "passives", "detractors"):
            table.add_column(column, justify="right")
        for group in payload["groups"]:  # type: ignore[union-attr]
            table.add_row(
                str(group[by]),
                f"{group['nps']:+.1f}",
                f"{group['ci_low']:+.1f} to {group['ci_high']:+.1f}",
                f"{group['n']:,}",
                f"{group['promoters']:.0%}",
                f"{group['passives']:.0%}",
                f"{group['detractors']:.0%}",
            )
        console.print(table)


def _nps_line(label: str, r: dict[str, object]) -> str:
    return (
        f"{label} {r['nps']:+.1f} (95% interval {r['ci_low']:+.1f} to {r['ci_high']:+.1f}; "
        f"n = {r['n']:,}: {r['promoters']:.0%} promoters, {r['passives']:.0%} passives, "
        f"{r['detractors']:.0%} detractors)"
    )


@export_app.command("scores")
def export_scores(
    out: Annotated[Path, typer.Option("--out", help="File to write: .csv or .parquet.")],
    db: DbOption = None,
) -> None:
    """Write customer_scores to a CSV or Parquet file (by the extension)."""
    from legame.scoring import export_table

    with open_workspace(db, read_only=True) as ws:
        rows = export_table(ws, "customer_scores", out)
    console.print(f"Wrote {rows:,} rows to {out}")


def register(app: typer.Typer) -> None:
    app.add_typer(clv_app, name="clv")
    app.command()(score)
    app.command()(nps)
    app.add_typer(export_app, name="export")
