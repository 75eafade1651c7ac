"""Measurement commands: clv fit, score, nps, export scores."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from legame.cli._common import (
    DbOption,
    EngineOption,
    JsonOption,
    SparkSourceOption,
    console,
    engine_options,
    err_console,
    open_workspace,
    print_json,
)
from legame.errors import InputError
from legame.words import counted, noun

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
CovariatesOption = Annotated[
    str | None,
    typer.Option(
        "--covariates",
        help="Comma-separated covariates, e.g. country,acquisition_channel,poor_service. "
        "Static ones (customer columns, attributes kept from the source files, "
        "first_order_value, first_order_channel) act on the purchase rate, the dropout and "
        "the spend; time-varying ones (poor_service, contact_pressure, gesture, nps_group) "
        "on the dropout. An unknown name lists what the workspace offers. BG/NBD only.",
        show_default=False,
    ),
]
CovariateBinsOption = Annotated[
    int,
    typer.Option(
        "--covariate-bins",
        help="Quantile bins of a numeric covariate (0: keep the values exact; slower).",
    ),
]
PenalizerOption = Annotated[
    float | None,
    typer.Option(
        "--penalizer",
        help="L2 penalty on the purchase model's parameters, e.g. 0.01 (default: none). "
        "Where the data give no proper optimum (a young or small shop), a reduced model or "
        "the smallest penalty that gives one is fitted instead, and the output says so.",
        show_default=False,
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
    model: Annotated[str, typer.Option("--model", help="bgnbd, mbgnbd or paretonbd.")] = "bgnbd",
    until: UntilOption = None,
    unit: UnitOption = "week",
    merge: MergeOption = "day",
    penalizer: PenalizerOption = None,
    covariates: CovariatesOption = None,
    covariate_bins: CovariateBinsOption = 10,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Fit the purchase model and Gamma-Gamma on the orders in the store."""
    if covariates is not None:
        _clv_fit_covariates(
            covariates, model, until, unit, merge, penalizer, covariate_bins, db=db, json=json
        )
        return
    from legame.models.gammagamma import independence_warning
    from legame.models.robust import fit_summary, fixed_params
    from legame.scoring import fit_store

    with open_workspace(db) as ws:
        cutoff, purchase, spend_model = fit_store(
            ws,
            model=cast("ModelName", model),
            until=_date(until),
            unit=cast("Unit", unit),
            merge_day=_merge(merge),
            penalizer=penalizer,
        )
    correlation = None if spend_model is None else spend_model.frequency_spend_correlation_
    correlation = None if correlation is None or correlation != correlation else correlation
    spend_warning = None if correlation is None else independence_warning(correlation)
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
        **fit_summary(purchase),
        "spend_params": None if spend_model is None else spend_model.params_,
        "spend_stderr": None if spend_model is None else spend_model.stderr_,
        "spend_n_customers": None if spend_model is None else int(spend_model.n_customers_),
        "spend_loglik": None if spend_model is None else spend_model.loglik_,
        "spend_fit_status": None if spend_model is None else spend_model.fit_status_,
        "spend_frequency_correlation": correlation,
        "spend_warning": spend_warning,
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
    for fitted in (purchase, spend_model):
        if fitted is None:
            continue
        fixed = fixed_params(fitted)
        for name, value in fitted.params_.items():
            se = "fixed" if name in fixed else f"{fitted.stderr_[name]:.2g}"
            table.add_row(name, f"{value:.4g}", se)
    console.print(table)
    console.print(
        f"log-likelihood {purchase.loglik_:,.1f}; {counted(payload['n_customers'], 'customer')} "
        f"in {counted(purchase.n_histories_, 'distinct history', 'distinct histories')}."
    )
    if spend_model is not None:
        r = "undefined" if correlation is None else f"{correlation:+.2f}"
        console.print(
            f"Gamma-Gamma log-likelihood {spend_model.loglik_:,.1f} on "
            f"{int(spend_model.n_customers_):,} repeat customers; correlation of frequency and "
            f"spend per purchase {r} (the model assumes none)."
        )
    if spend_warning:
        err_console.print(f"[yellow]warning:[/yellow] {spend_warning}")
    _fit_notes(purchase, spend_model, asked=penalizer)


def _clv_fit_covariates(
    names: str,
    model: str,
    until: str | None,
    unit: str,
    merge: str,
    penalizer: float | None,
    bins: int,
    *,
    db: Path | None,
    json: bool,
) -> None:
    """`clv fit --covariates`: BG/NBD and Gamma-Gamma with covariates, and their effects."""
    from legame.covariates import fit_covariates

    if model != "bgnbd":
        raise InputError(
            f"--covariates works with --model bgnbd (BG/NBD with covariates); got {model!r}."
        )
    with open_workspace(db) as ws:
        fit = fit_covariates(
            ws,
            names.split(","),
            until=_date(until),
            unit=cast("Unit", unit),
            merge_day=_merge(merge),
            bins=bins,
            penalizer=penalizer or 0.0,
        )
    purchase, spend = fit.purchase, fit.spend
    payload = {
        "model": model,
        "until": fit.until.isoformat(),
        "unit": unit,
        "params": purchase.params_,
        "stderr": purchase.stderr_,
        "loglik": purchase.loglik_,
        "n_customers": int(purchase.n_customers_),
        "n_histories": purchase.n_histories_,
        "converged": purchase.converged_,
        "spend_params": None if spend is None else spend.params_,
        "spend_stderr": None if spend is None else spend.stderr_,
        "spend_loglik": None if spend is None else spend.loglik_,
        "spend_n_customers": None if spend is None else int(spend.n_customers_),
        **fit.to_dict(),
    }
    if json:
        print_json(payload)
        return
    console.print(repr(purchase))
    if spend is not None:
        console.print(repr(spend))
    table = RichTable(title=f"covariate effects, orders up to {fit.until} (95% intervals)")
    for column in ("covariate", "process", "effect", "95% interval", "measure"):
        table.add_column(column, justify="left" if column in ("covariate", "measure") else "right")
    for e in fit.effects:
        table.add_row(
            e.name,
            e.process,
            f"{e.effect:.2f}",
            f"{e.effect_low:.2f}-{e.effect_high:.2f}",
            e.measure,
        )
    console.print(table)
    for e in fit.effects:
        console.print(f"- {e.sentence}")
    console.print(
        f"log-likelihood {purchase.loglik_:,.1f}; {counted(payload['n_customers'], 'customer')} "
        f"in {counted(purchase.n_histories_, 'distinct (history, covariate) row')}, "
        f"{counted(fit.patterns, 'static covariate pattern')}."
    )


def _fit_notes(*models: object, asked: float | None) -> None:
    """One line per model that is not plainly converged (what it fell back to), unless it is
    the penalised fit that --penalizer asked for."""
    from legame.models.base import BaseModel
    from legame.models.robust import describe

    for fitted in models:
        if not isinstance(fitted, BaseModel):
            continue
        if asked is not None and getattr(fitted, "fit_status_", "") == f"penalized ({asked:g})":
            continue
        line = describe(fitted)
        if line:
            err_console.print(f"[yellow]note:[/yellow] {line}")


def _day(value: str, option: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise InputError(f"{option} must be a date like 2025-12-31; got {value!r}.") from None


@clv_app.command("validate")
def clv_validate(
    until: Annotated[
        str, typer.Option("--until", help="Last day of the calibration period, YYYY-MM-DD.")
    ],
    holdout_until: Annotated[
        str | None,
        typer.Option(
            "--holdout-until",
            help="Last day of the holdout, YYYY-MM-DD "
            "(default: the day of the latest completed order).",
        ),
    ] = None,
    model: Annotated[
        str, typer.Option("--model", help="bgnbd, mbgnbd, paretonbd, or all side by side.")
    ] = "bgnbd",
    unit: UnitOption = "week",
    merge: MergeOption = "day",
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Fit on the orders up to --until and compare the forecast with what happened after."""
    from legame.validation import save_validation, validate

    with open_workspace(db) as ws:
        result = validate(
            ws,
            until=_day(until, "--until"),
            holdout_until=None if holdout_until is None else _day(holdout_until, "--holdout-until"),
            model=model,
            unit=unit,
            merge_day=_merge(merge),
        )
        save_validation(ws, result)
    payload = result.to_dict()
    if json:
        print_json(payload)
        return
    _print_validation(payload)


def _print_validation(v: dict[str, Any]) -> None:
    models = v["models"]
    console.print(
        f"Fitted on orders up to {v['until']}; holdout to {v['holdout_until']} "
        f"({v['holdout_periods']:,.1f} {v['unit']}s); {counted(v['customers'], 'customer')} "
        "in the "
        "calibration cohort. Purchases are repeat purchase "
        f"{'days' if v['merge'] == 'day' else 'orders'}."
    )
    summary = RichTable(title="Holdout forecast")
    columns = ("model", "predicted", "actual", "error", "MAE / customer", "AUC churn risk")
    for column in (*columns, "AUC P(alive)", "AUC P(no purchase)"):
        summary.add_column(column, justify="right")
    for m in models:
        summary.add_row(
            m["model"],
            f"{m['predicted_total']:,.1f}",
            f"{m['actual_total']:,.0f}",
            "—" if m["relative_error"] is None else f"{m['relative_error']:+.1%}",
            f"{m['mae']:.4f}",
            _auc(m["churn_auc"]),
            _auc(m["p_alive_auc"]),
            _auc(m["p_no_purchase_auc"]),
        )
    console.print(summary)
    groups = RichTable(title="Holdout purchases by calibration frequency")
    groups.add_column("frequency", justify="right")
    groups.add_column("customers", justify="right")
    groups.add_column("actual", justify="right")
    for m in models:
        groups.add_column(m["model"], justify="right")
    for i, row in enumerate(models[0]["by_frequency"] if models else []):
        cells = [f"{m['by_frequency'][i]['predicted']:,.1f}" for m in models]
        groups.add_row(
            row["frequency"], f"{row['customers']:,.0f}", f"{row['actual']:,.0f}", *cells
        )
    console.print(groups)
    segments = RichTable(title="Mean absolute error per customer by RFM segment at the cutoff")
    segments.add_column("segment")
    segments.add_column("customers", justify="right")
    for m in models:
        segments.add_column(m["model"], justify="right")
    for i, row in enumerate(models[0]["by_segment"] if models else []):
        cells = [f"{m['by_segment'][i]['mae']:.3f}" for m in models]
        segments.add_row(row["segment"], f"{row['customers']:,.0f}", *cells)
    console.print(segments)
    for m in models:
        track = m["tracking"]
        console.print(
            f"{m['model']} tracking: {track[-1]['actual_cumulative']:,.0f} repeat purchases by "
            f"{v['holdout_until']}, {track[-1]['predicted_cumulative']:,.1f} expected "
            f"({counted(len(track), 'week')}; weekly figures with --json)."
        )
    for m in models:
        if m["fit_status"] != "converged":
            err_console.print(
                f"[yellow]note:[/yellow] {m['model']} was fitted as {m['fit_status']}."
            )
    for name, reason in v["failed"].items():
        err_console.print(f"[yellow]warning:[/yellow] {name} was not fitted: {reason}")
    if v["best"] and len(models) > 1:
        console.print(f"Best forecast: [bold]{v['best']}[/bold], {v['best_reason']}.")
    console.print("Saved: the dashboard and the report show this validation.")


def _auc(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def score(
    horizon: Annotated[
        int, typer.Option("--horizon", help="CLV and forecast horizon, days.")
    ] = 365,
    discount: Annotated[float, typer.Option("--discount", help="Annual discount rate.")] = 0.10,
    margin: Annotated[float, typer.Option("--margin", help="Margin on revenue, (0, 1].")] = 1.0,
    model: Annotated[
        str,
        typer.Option(
            "--model",
            help="bgnbd, mbgnbd, paretonbd, or auto: the one `clv validate` ranks best on the "
            "last quarter of the history (at least 28 days).",
        ),
    ] = "bgnbd",
    until: UntilOption = None,
    unit: UnitOption = "week",
    merge: MergeOption = "day",
    engine: EngineOption = "duckdb",
    spark_source: SparkSourceOption = None,
    penalizer: PenalizerOption = None,
    covariates: CovariatesOption = None,
    covariate_bins: CovariateBinsOption = 10,
    every_order: Annotated[
        bool,
        typer.Option(
            "--every-order",
            help="Summarise every customer from all the orders, instead of keeping the last "
            "score's summary of the customers whose orders did not change since.",
        ),
    ] = False,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Build customer_scores: value, CLV, NPS, emotion, service, contact, churn risk."""
    from functools import partial

    from legame.cli.cases import open_after, print_opened
    from legame.scoring import score, score_totals

    options = engine_options(engine, spark_source)
    run: Any = score
    if covariates is not None:
        from legame.covariates import score_with_covariates

        run = partial(score_with_covariates, names=covariates.split(","), bins=covariate_bins)
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
                model=cast("ModelName | Literal['auto']", model),
                until=_date(until),
                unit=cast("Unit", unit),
                horizon_days=horizon,
                discount_rate=discount,
                margin=margin,
                merge_day=_merge(merge),
                progress=lambda step: bar.update(task, description=step),
                engine_options=options,
                penalizer=penalizer,
                keep_summary=not every_order,
            )
        totals = score_totals(ws)
        cases = open_after(ws)  # with the new scores: each case carries its CLV at opening
        from legame.voices import record_comment_languages

        record_comment_languages(ws)  # any comment an earlier import left without one
    payload = {
        **report.to_dict(),
        "total_clv": totals["total_clv"],
        "value_at_risk": totals["value_at_risk"],
        **{k: v for k, v in cases.items() if k != "cases_line"},
    }
    if json:
        print_json(payload)
        return
    if report.model_choice:
        console.print(
            f"--model auto chose {report.model_choice['model']}: {report.model_choice['reason']}."
        )
    console.print(
        f"customer_scores: {counted(report.rows, 'customer')} scored on {report.engine} "
        f"(orders up to {report.until}, {report.horizon_days}-day horizon). "
        f"Expected CLV {payload['total_clv'] or 0:,.0f}; value at risk "
        f"{payload['value_at_risk'] or 0:,.0f} (last-12-month revenue of high-risk customers)."
    )
    if report.summarised_again is not None:
        console.print(
            f"The last score's summary was kept: {counted(report.summarised_again, 'customer')} "
            f"with new or changed orders {noun(report.summarised_again, 'was', 'were')} "
            "summarised again (--every-order reads every order)."
        )
    for effect in payload.get("covariates") or []:
        console.print(f"- {effect['sentence']}")
    _fit_notes(report.purchase_model, report.spend_model, asked=penalizer)
    if report.future_orders:
        err_console.print(
            f"[yellow]warning:[/yellow] {counted(report.future_orders, 'completed order')} "
            f"dated after today {noun(report.future_orders, 'was', 'were')} left out of the "
            "default cutoff; check their dates (`legame rejects` "
            "lists what the import refused) or pass --until."
        )
    print_opened(cases)


def nps(
    by: Annotated[str | None, typer.Option("--by", help="month, segment or channel.")] = None,
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="30d, 90d, 365d (N days up to the latest data), a year (2024), a range "
            "(2024-01-01..2024-03-31) or all (the default).",
        ),
    ] = None,
    every_answer: Annotated[
        bool,
        typer.Option(
            "--every-answer", help="Count every answer (default: each customer's latest)."
        ),
    ] = False,
    engine: EngineOption = "duckdb",
    spark_source: SparkSourceOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Net Promoter Score with the adjusted-Wald 95% interval, overall or by group, counting
    each customer's latest answer in the period (or every answer)."""
    from legame.metrics.nps import nps_report
    from legame.metrics.period import data_as_of, parse_period

    options = engine_options(engine, spark_source)
    with open_workspace(db, read_only=True) as ws:
        as_of = data_as_of(ws)
        chosen = parse_period(period or "all", as_of)
        payload = nps_report(
            ws,
            cast("NpsBy | None", by),
            period=chosen,
            every_answer=every_answer,
            engine=cast("EngineName", engine),
            engine_options=options,
        )
    payload["data_as_of"] = as_of
    if json:
        print_json(payload)
        return
    counted = "every answer" if every_answer else "each customer's latest answer"
    span = chosen.to_dict()
    when = "all answers" if span["from"] is None else f"{span['from']} to {span['to']}"
    stamp = "no data" if as_of is None else f"data as of {as_of:%Y-%m-%d %H:%M} UTC"
    if payload["n"] == 0:
        console.print(f"No NPS answers in the workspace for {when} ({stamp}).")
        return
    console.print(_nps_line("NPS", payload))
    console.print(f"[dim]{when}, counting {counted}; {stamp}.[/dim]")
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
    console.print(f"Wrote {counted(rows, 'row')} to {out}")


def register(app: typer.Typer) -> None:
    app.add_typer(clv_app, name="clv")
    app.command()(score)
    app.command()(nps)
    app.add_typer(export_app, name="export")
