"""``legame experiment``: plan a test before launch, and read the running ones
(docs/experiments.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table as RichTable

from legame.cli._common import DbOption, JsonOption, console, open_workspace, print_json
from legame.words import counted

experiment_app = typer.Typer(
    help="Experiments: plan a test before launch (the smallest effect it can detect, the "
    "days it needs), and read the gratitude program's holdout and the contact-frequency "
    "tests with unadjusted, CUPED and always-valid intervals; docs/experiments.md.",
    no_args_is_help=True,
)

AtOption = Annotated[
    str | None,
    typer.Option("--at", help="When (ISO 8601; default: the latest activity in the store)."),
]
#: Metrics that are shares of units: shown in percentage points.
RATES = ("repurchase", "unsubscribe", "retention", "complaint")
FIXED_NOTE = (
    "Fixed horizon (unadjusted and CUPED): valid only when read once, at the pre-registered "
    "end date."
)
ALWAYS_NOTE = (
    "Always valid: a confidence sequence, valid at any look (every day, stopping whenever); "
    "the verdict comes from it."
)


def _at(value: str | None) -> datetime | None:
    from legame.engage.governor.clock import parse_timestamp

    return None if value is None else parse_timestamp(value)


@experiment_app.command("plan")
def experiment_plan(
    trigger: Annotated[
        str | None,
        typer.Option("--trigger", help="Plan the holdout of this gratitude trigger."),
    ] = None,
    contact_test: Annotated[
        str | None,
        typer.Option(
            "--contact-test",
            help="Plan this contact-frequency test of the policy ([experiments.contact_tests]).",
        ),
    ] = None,
    holdout: Annotated[
        float | None,
        typer.Option(
            "--holdout",
            help="The share held out (a contact test: the first arm's share). Default: the "
            "policy's.",
            show_default=False,
        ),
    ] = None,
    metric: Annotated[
        str | None,
        typer.Option(
            "--metric",
            help="repurchase, revenue, unsubscribe or nps. Default: repurchase for a "
            "trigger, unsubscribe for a contact test.",
            show_default=False,
        ),
    ] = None,
    days: Annotated[
        int | None,
        typer.Option(
            "--days",
            help="How long the test runs. Default: 90 for a trigger, a contact test's own "
            "dates (else 90).",
            show_default=False,
        ),
    ] = None,
    effect: Annotated[
        float | None,
        typer.Option(
            "--effect",
            help="An effect to detect, in the metric's units (0.02: 2 points of repurchase; "
            "5: 5 of revenue): prints the days needed.",
            show_default=False,
        ),
    ] = None,
    at: AtOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Before launch: the smallest effect a test can detect (MDE) at a holdout and a
    duration, from the workspace's own base rates, spread and volume; and the days needed
    for the effect you name."""
    from legame.views.experiments import experiment_plan as plan

    if (trigger is None) == (contact_test is None):
        raise typer.BadParameter(
            "name exactly one test to plan, a gratitude trigger or a contact test "
            f"(got {'both' if trigger is not None else 'neither'}).",
            param_hint="'--trigger NAME' / '--contact-test NAME'",
        )
    with open_workspace(db, read_only=True) as ws:
        found = plan(
            ws,
            trigger=trigger,
            contact_test=contact_test,
            at=_at(at),
            holdout=holdout,
            metric=metric,
            days=days,
            effect=effect,
        )
    if json:
        print_json(found)
        return
    _print_plan(found)


def _print_plan(p: dict[str, Any]) -> None:
    kind = "gratitude trigger" if p["kind"] == "trigger" else "contact test"
    metric = p["metric"]
    who = "held out" if p["kind"] == "trigger" else f"in the first arm ({p['arms'][0]})"
    view = RichTable(
        title=f"Plan of the {kind} {p['name']}: {metric}, {p['holdout']:.0%} {who}, "
        f"{counted(p['days'], 'day')}",
        show_header=False,
    )
    view.add_column("what")
    view.add_column("value", overflow="fold")
    if p["eligible_per_day"] is not None:
        view.add_row(
            "eligible per day", f"{p['eligible_per_day']:,.2f} gestures ({p['volume_from']})"
        )
    if p.get("eligible") is not None:
        view.add_row("eligible customers", f"{p['eligible']:,} (active in the last year)")
    view.add_row("units over the test", f"{p['units']:,.0f}")
    base = p["base"]
    mean = f"{base['mean']:.1%}" if metric in RATES else f"{base['mean']:,.2f}"
    view.add_row("base rate" if metric in RATES else "base mean", f"{mean} ({base['from']})")
    view.add_row("MDE, fixed horizon", _effect(p["mde"], metric))
    view.add_row("MDE with CUPED", _effect(p["mde_cuped"], metric))
    view.add_row("MDE, always valid", _effect(p["mde_always_valid"], metric))
    console.print(view)
    console.print(
        f"The smallest increase detected with {p['power']:.0%} power by a two-sided test "
        f"at {p['alpha']:.0%}. With CUPED: adjusted for each customer's orders and revenue "
        "in the 180 days before. Always valid: when the results are read at any look."
    )
    if p["effect"] is None:
        console.print("Name an effect with --effect to see the days needed to detect it.")
    elif p["days_needed"] is None:
        console.print(
            f"An effect of {_effect(p['effect'], metric)} is not detectable within the "
            "durations looked at."
        )
    else:
        console.print(
            f"Days needed to detect {_effect(p['effect'], metric)}: {p['days_needed']:,}."
        )


def _effect(value: float | None, metric: str) -> str:
    if value is None:
        return "not detectable at this volume"
    if metric in RATES:
        return f"{100 * value:,.2f} pp"
    return f"{value:,.2f}"


@experiment_app.command("results")
def experiment_results(
    at: AtOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """The gratitude program's holdout per trigger and every contact-frequency test: each
    comparison unadjusted, CUPED-adjusted and always valid, with the verdict, the variance
    reduction and the program's return; all triggers' retention by segment (--json: every
    trigger's, revenue too)."""
    from legame.views.experiments import experiment_results as read

    with open_workspace(db, read_only=True) as ws:
        payload = read(ws, _at(at))
    if json:
        print_json(payload)
        return
    console.print(f"Experiments as of {payload['as_of']:%Y-%m-%d %H:%M} UTC.")
    _print_gratitude(payload["gratitude"])
    tests = payload["contact_tests"]
    if not tests:
        _say(
            "No contact-frequency test has started: the policy declares them in "
            "[experiments.contact_tests]."
        )
    for test in tests:
        _print_contact_test(test)


def _validity(end: Any, valid: bool) -> str:
    if end is None:
        return (
            "No end date is pre-registered ([gratitude] end): read only the always-valid interval."
        )
    if valid:
        return (
            f"The pre-registered end date ({end}) is reached: the fixed-horizon intervals "
            "are valid."
        )
    return (
        f"Before the pre-registered end date ({end}): read the always-valid interval; the "
        "fixed-horizon ones are not valid yet."
    )


def _print_gratitude(g: dict[str, Any]) -> None:
    view = RichTable(
        title=f"Gratitude program: treatment − holdout over {g['followup_days']} days "
        "after each gesture (95%)"
    )
    for column in (
        "trigger",
        "treated / held out",
        "metric",
        "fixed horizon",
        "CUPED",
        "always valid",
        "variance reduction",
        "verdict",
    ):
        view.add_column(column, justify="left" if column in ("trigger", "metric") else "right")
    for row in g["by_trigger"]:
        for k, (metric, comp) in enumerate(row["comparisons"].items()):
            view.add_row(
                escape(row["trigger"]) if k == 0 else "",
                f"{row['treated']:,} / {row['held_out']:,}" if k == 0 else "",
                metric,
                _interval(comp["unadjusted"], metric),
                _interval(comp["cuped"], metric),
                _interval(comp["always_valid"], metric),
                _share(comp["variance_reduction"]),
                row["verdict"].replace("_", " ") if k == 0 else "",
                end_section=k == len(row["comparisons"]) - 1,
            )
    console.print(view)
    _say(FIXED_NOTE + " " + _validity(g["end"], g["fixed_horizon_valid"]))
    _say(ALWAYS_NOTE + " The verdict is about retention.")
    money = RichTable(title=f"The program's return (margin at {g['margin_rate']:.0%} of revenue)")
    for column in (
        "trigger",
        "treated gestures",
        "cost",
        "incremental revenue (CUPED)",
        "incremental margin (CUPED)",
        "net return (CUPED)",
        "net return (always valid)",
    ):
        money.add_column(column, justify="left" if column == "trigger" else "right")
    for row in g["by_trigger"]:
        r = row["return"]
        money.add_row(
            escape(row["trigger"]),
            f"{r['treated_gestures']:,}",
            f"{r['cost']:,.0f}",
            _interval(r["incremental_revenue"], "revenue"),
            _interval(r["incremental_margin"], "revenue"),
            _interval(r["net_return"], "revenue"),
            _interval(r["net_return_always_valid"], "revenue"),
        )
    console.print(money)
    every = next((row for row in g["by_trigger"] if row["trigger"] == "all"), None)
    if every is not None:
        _print_segments(every["segments"])


def _print_segments(s: dict[str, Any]) -> None:
    view = RichTable(
        title=f"All triggers by segment: retention, {s['cells']} cells Bonferroni-adjusted "
        f"(each at {s['alpha_per_cell']:.2%})"
    )
    for column in ("by", "segment", "treated / held out", "CUPED", "always valid"):
        view.add_column(column, justify="left" if column in ("by", "segment") else "right")
    for by in ("rfm_segment", "nps_group", "clv_tier"):
        for cell in s.get(by) or []:
            comp = cell["retention"]
            view.add_row(
                by,
                escape(str(cell["segment"])),
                f"{cell['treated']:,} / {cell['held_out']:,}",
                _interval(comp["cuped"], "retention"),
                _interval(comp["always_valid"], "retention"),
            )
    console.print(view)
    console.print(
        "The RFM segment and the NPS group are measured before the gesture. The CLV tier is "
        "measured after it (a gesture that keeps a customer raises their CLV): its rows "
        "describe, they do not estimate an effect. Revenue by segment: --json."
    )


def _print_contact_test(t: dict[str, Any]) -> None:
    end = t["end"] or "no end"
    _say(
        f"Contact-frequency test {t['test']} ({t['channel']}, {t['start']} to {end}): "
        f"{counted(t['units'], 'customer')} entered at their first marketing message, each "
        f"followed for {t['followup_days']} days."
    )
    arms = RichTable(title=f"{t['test']}: the arms")
    for column in (
        "arm",
        "share",
        "caps",
        "customers",
        "messages each",
        "unsubscribe",
        "complaint",
        "repurchase",
        "revenue",
    ):
        arms.add_column(column, justify="left" if column in ("arm", "caps") else "right")
    for a in t["arms"]:
        arms.add_row(
            a["arm"],
            f"{a['share']:.0%}",
            ", ".join(f"{k} = {v}" for k, v in a["caps"].items()),
            f"{a['customers']:,}",
            _number(a["messages_per_customer"]),
            _share(a["unsubscribe"]),
            _share(a["complaint"]),
            _share(a["repurchase"]),
            _number(a["revenue"]),
        )
    console.print(arms)
    comps = RichTable(title=f"{t['test']}: each arm − the first")
    for column in ("arm", "metric", "fixed horizon", "CUPED", "always valid", "verdict"):
        comps.add_column(column, justify="left" if column in ("arm", "metric") else "right")
    for row in t["comparisons"]:
        metrics = ("unsubscribe", "complaint", "repurchase", "revenue")
        for k, metric in enumerate(metrics):
            comp = row[metric]
            comps.add_row(
                f"{row['arm']} − {row['against']}" if k == 0 else "",
                metric,
                _interval(comp["unadjusted"], metric),
                _interval(comp["cuped"], metric),
                _interval(comp["always_valid"], metric),
                comp["verdict"].replace("_", " "),
                end_section=k == len(metrics) - 1,
            )
    console.print(comps)
    valid = (
        "valid: the end date and the follow-up are past"
        if t["fixed_horizon_valid"]
        else "not valid yet: read the always-valid interval"
    )
    adjusted = " Intervals are Bonferroni-adjusted over the arms." if t["adjustment"] else ""
    console.print(f"Fixed-horizon intervals {valid}.{adjusted}")


def _say(text: str) -> None:
    """A line of plain text (its brackets are not Rich markup)."""
    console.print(escape(text))


def _interval(iv: dict[str, float | None], metric: str) -> str:
    if iv["estimate"] is None or iv["ci_low"] is None or iv["ci_high"] is None:
        return "too few"
    scale, unit = (100.0, " pp") if metric in RATES else (1.0, "")
    return (
        f"{scale * iv['estimate']:+,.1f}{unit} "
        f"({scale * iv['ci_low']:+,.1f} to {scale * iv['ci_high']:+,.1f})"
    )


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def register(app: typer.Typer) -> None:
    app.add_typer(experiment_app, name="experiment")
