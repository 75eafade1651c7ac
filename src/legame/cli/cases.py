"""``legame cases``: the queue of detractors and poor service experiences to follow up."""

from __future__ import annotations

import getpass
import os
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table as RichTable

from legame.cli._common import (
    DbOption,
    JsonOption,
    console,
    err_console,
    open_workspace,
    print_json,
)
from legame.store import Workspace
from legame.words import counted

cases_app = typer.Typer(
    help="Cases: every detractor answer and poor service experience, with an owner, a due "
    "date and a status (new, contacted, resolved, no-answer); docs/cases.md.",
    no_args_is_help=True,
)

CaseId = Annotated[int, typer.Argument(help="The case's number.", min=1)]
ByOption = Annotated[
    str | None,
    typer.Option(
        "--by",
        help="Who makes the change, for the case's history (default: $LEGAME_USER, else the "
        "system user).",
        show_default=False,
    ),
]
VersionOption = Annotated[
    int | None,
    typer.Option(
        "--version",
        min=1,
        help="The version of the case you looked at (`cases show`): refused if someone "
        "changed it since. Default: the current one.",
        show_default=False,
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="ISO timestamp (without offset = UTC). Default: now."),
]
PeriodOption = Annotated[
    str | None,
    typer.Option(
        "--period",
        help="Only the cases whose answer or ticket is in this period: 30d, 90d, 365d (N days "
        "up to the latest data), a year (2024), a range (2024-01-01..2024-03-31) or all. "
        "Default: every case.",
        show_default=False,
    ),
]


def _period(ws: Workspace, spec: str | None) -> Any:
    """The period ``spec`` names, anchored on the data as `legame nps --period` is; None
    (every case) without one."""
    from legame.metrics.period import data_as_of, parse_period

    return parse_period(spec, data_as_of(ws)) if spec and spec.strip() else None


def _span(period: dict[str, Any] | None) -> str:
    """What follows "Cases" for the answer about a period ("about answers and tickets
    from … to …": a case is in the period of its answer or ticket); nothing for every case."""
    if period is None:
        return ""
    if period["from"] is None:
        return f" about answers and tickets up to {period['to']}"
    return f" about answers and tickets from {period['from']} to {period['to']}"


def _actor(by: str | None) -> str:
    if by:
        return by
    try:
        return os.environ.get("LEGAME_USER") or getpass.getuser()
    except (KeyError, OSError):  # no user name in this environment
        return "cli"


def _text(value: Any, width: int = 60) -> str:
    text = "" if value is None else " ".join(str(value).split())
    return escape(text if len(text) <= width else text[: width - 1] + "…")


def _when(value: Any) -> str:
    return "" if value is None else f"{value:%Y-%m-%d %H:%M}"


def _money(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


@cases_app.command("list")
def list_(
    status: Annotated[
        str | None,
        typer.Option("--status", help="new, contacted, resolved or no-answer."),
    ] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Only this owner's cases.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="detractor or poor_service.")] = None,
    overdue: Annotated[
        bool | None,
        typer.Option(
            "--overdue/--not-overdue",
            help="Only cases still new after their due date (or only the others).",
            show_default=False,
        ),
    ] = None,
    include_holdout: Annotated[
        bool,
        typer.Option(
            "--include-holdout",
            help="Also list the detractor cases in the call-back's randomized holdout (never "
            "to be called).",
        ),
    ] = False,
    period: PeriodOption = None,
    sort: Annotated[str, typer.Option("--sort", help="clv (highest first) or due.")] = "due",
    page: Annotated[int, typer.Option("--page", min=1)] = 1,
    page_size: Annotated[int, typer.Option("--page-size", min=1, max=200)] = 50,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """The case queue: filter by status, owner, kind, overdue and the period of the answer
    or ticket that opened a case; sort by CLV or due date."""
    from legame.engage.cases import list_cases

    with open_workspace(db, read_only=True) as ws:
        found = list_cases(
            ws,
            status=status,
            owner=owner,
            kind=kind,
            overdue=overdue,
            include_holdout=include_holdout,
            period=_period(ws, period),
            sort=sort,
            page=page,
            page_size=page_size,
        )
    if json:
        print_json(found)
        return
    clv = "CLV" if found["scores"] == "current" else "CLV at open"
    view = RichTable(
        title=f"{counted(found['total'], 'case')}{_span(found['period'])} "
        f"(page {found['page']} of {found['pages']})"
    )
    for column in ("case", "kind", "customer", "status", "owner", "due", clv, "churn", "about"):
        view.add_column(column, overflow="fold")
    for case in found["cases"]:
        due = _when(case["due_at"]) + (" [red]overdue[/red]" if case["overdue"] else "")
        about = case["detail"] + (f': "{case["comment"]}"' if case["comment"] else "")
        view.add_row(
            str(case["case_id"]),
            case["kind"] + (" (holdout)" if case["arm"] == "holdout" else ""),
            escape(case["customer_id"]),
            case["status"],
            escape(case["owner"] or "—"),
            due,
            _money(case["clv"]),
            case["churn_risk"] or "—",
            _text(about),
        )
    console.print(view)
    if not include_holdout:
        console.print(
            "Cases in the call-back's randomized holdout are not listed (--include-holdout)."
        )


@cases_app.command("show")
def show(case_id: CaseId, db: DbOption = None, json: JsonOption = False) -> None:
    """One case: what opened it, the customer's CLV and churn risk, and its history."""
    from legame.engage.cases import get_case

    with open_workspace(db, read_only=True) as ws:
        case = get_case(ws, case_id)
    if json:
        print_json(case)
        return
    _print_case(case)


def _print_case(case: dict[str, Any]) -> None:
    overdue = " [red](overdue)[/red]" if case["overdue"] else ""
    holdout = " — in the randomized holdout: not to be called" if case["arm"] == "holdout" else ""
    console.print(
        f"[bold]Case {case['case_id']}[/bold] ({case['kind']}{holdout}), version "
        f"{case['version']}: {case['status']}, owner {escape(case['owner'] or 'nobody')}"
    )
    console.print(f"customer {escape(case['customer_id'])}: {escape(case['detail'])}")
    if case["comment"]:
        console.print(f'comment: "{escape(case["comment"])}"')
    console.print(
        f"opened {_when(case['opened_at'])}, due {_when(case['due_at'])}{overdue}; "
        f"first contact {_when(case['first_contact_at']) or '—'}; "
        f"closed {_when(case['closed_at']) or '—'}"
    )
    console.print(
        f"CLV at open {_money(case['clv_at_open'])}, churn risk at open "
        f"{case['churn_risk_at_open'] or '—'}; now {_money(case['clv'])}, "
        f"{case['churn_risk'] or '—'}"
    )
    for event in case["history"]:
        change = {
            "opened": f"opened ({event['status_after']})",
            "assigned": f"owner {event['owner_before'] or 'nobody'} → {event['owner_after']}",
            "contacted": f"{event['status_before']} → {event['status_after']}",
            "closed": f"{event['status_before']} → {event['status_after']}",
        }.get(event["action"], event["action"])
        note = f": {escape(event['note'])}" if event["note"] else ""
        console.print(f"  {_when(event['at'])} {escape(event['actor'])}: {escape(change)}{note}")


def _changed(change: Any, json: bool) -> None:
    """Print what ``update_case`` or ``contact_case`` did; a conflict exits with 1."""
    if json:
        print_json(change.to_dict())
    elif change.conflict:
        err_console.print(f"[red]conflict:[/red] {escape(change.message)}")
    else:
        console.print(escape(change.message))
    if change.conflict:
        raise typer.Exit(1)


def _update(db: Any, case_id: int, version: int | None, **change: Any) -> Any:
    from legame.engage.cases import update_case
    from legame.engage.cases.queue import one_case

    with open_workspace(db) as ws:
        seen = version if version is not None else one_case(ws, case_id)["version"]
        return update_case(ws, case_id, version=seen, **change)


@cases_app.command("assign")
def assign(
    case_id: CaseId,
    to: Annotated[str, typer.Option("--to", help="The new owner (a name).")],
    version: VersionOption = None,
    by: ByOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Give a case an owner."""
    _changed(_update(db, case_id, version, owner=to, actor=_actor(by)), json)


@cases_app.command("note")
def note(
    case_id: CaseId,
    text: Annotated[str, typer.Argument(help="The note.")],
    version: VersionOption = None,
    by: ByOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Add a note to a case's history."""
    _changed(_update(db, case_id, version, note=text, actor=_actor(by)), json)


@cases_app.command("close")
def close(
    case_id: CaseId,
    outcome: Annotated[str, typer.Option("--outcome", help="resolved or no-answer.")],
    note_text: Annotated[str | None, typer.Option("--note", help="What happened.")] = None,
    version: VersionOption = None,
    by: ByOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Close a case: resolved, or no-answer (a contact was tried)."""
    _changed(_update(db, case_id, version, status=outcome, note=note_text, actor=_actor(by)), json)


@cases_app.command("contact")
def contact(
    case_id: CaseId,
    channel: Annotated[str, typer.Option("--channel", help="phone, email, sms, ...")],
    at: Annotated[
        str | None,
        typer.Option("--at", help="When (ISO timestamp; without offset = UTC). Default: now."),
    ] = None,
    version: VersionOption = None,
    by: ByOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Contact a case's customer: the contact governor decides (a service contact: a
    withdrawn consent or the quiet hours block it); if allowed, the contact is logged and the
    case becomes contacted; if blocked, nothing changes."""
    from legame.engage.cases import contact_case

    with open_workspace(db) as ws:
        done = contact_case(ws, case_id, channel=channel, at=at, version=version, actor=_actor(by))
    if done.outcome == "blocked":
        if json:
            print_json(done.to_dict())
        else:
            err_console.print(f"[red]blocked[/red]: case {case_id}, {channel}")
            assert done.decision is not None
            for reason in done.decision.reasons:
                err_console.print(f"  {reason.rule}: {escape(reason.message)}")
            later = done.decision.next_allowed_at
            err_console.print(
                f"next allowed at: {later:%Y-%m-%d %H:%M} UTC"
                if later
                else "next allowed at: none as things stand"
            )
            err_console.print("Nothing was logged; the case is unchanged.")
        raise typer.Exit(1)
    _changed(done, json)


@cases_app.command("sync")
def sync(
    as_of: AsOfOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Open the cases due: every detractor answer and poor ticket of the policy's lookback
    window that has none yet (safe to run again: each opens once)."""
    from legame.engage.cases import open_cases

    with open_workspace(db) as ws:
        opened = open_cases(ws, as_of=as_of)
    if json:
        print_json(opened.to_dict())
        return
    console.print(opened_line(opened))


#: The tables whose rows open cases: an ingest of them opens the cases due.
CASE_SOURCES = ("survey_responses", "tickets")


def open_after(ws: Workspace) -> dict[str, Any]:
    """Open the cases due after an ingest or a score: ``{"cases_opened": n}``, or, when they
    cannot be opened (a bad policy file), ``{"cases_opened": None, "cases_error": why}``;
    the data loaded or scored stays either way."""
    from legame.engage.cases import open_cases
    from legame.errors import LegameError

    try:
        opened = open_cases(ws)
    except LegameError as exc:
        return {"cases_opened": None, "cases_error": str(exc)}
    return {"cases_opened": opened.opened, "cases_line": opened_line(opened)}


def print_opened(result: dict[str, Any]) -> None:
    """The line ingest and score print about the cases they opened."""
    if result.get("cases_error"):
        err_console.print(
            f"[yellow]warning:[/yellow] no cases were opened: {escape(result['cases_error'])} "
            "Fix it, then run `legame cases sync`."
        )
    else:
        console.print(result["cases_line"])


def opened_line(opened: Any) -> str:
    """One line on what ``open_cases`` did (also printed by ingest and score)."""
    kinds = opened.by_kind
    return (
        f"Cases: {opened.opened:,} opened ({kinds.get('detractor', 0):,} detractor, "
        f"{kinds.get('poor_service', 0):,} poor service) from answers and tickets since "
        f"{opened.since:%Y-%m-%d %H:%M} UTC."
    )


@cases_app.command("stats")
def stats(
    as_of: AsOfOption = None,
    period: PeriodOption = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the bootstrap.")] = 0,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Counts, time to first contact and to resolution (median, p90), and the call-back's
    effect on repurchase and the next NPS answer, against its randomized holdout (of the
    cases whose answer or ticket is in --period, default every case)."""
    from legame.engage.cases import case_stats

    with open_workspace(db, read_only=True) as ws:
        payload = case_stats(ws, as_of=as_of, seed=seed, period=_period(ws, period))
    if json:
        print_json(payload)
        return
    counts = payload["counts"]
    console.print(
        f"Cases{_span(payload['period'])}: {counts['total']:,} ({counts['open']:,} open, "
        f"{counts['overdue']:,} overdue); "
        + ", ".join(f"{n:,} {s}" for s, n in counts["by_status"].items())
        + f"; {counts['holdout']:,} in the randomized holdout."
    )
    view = RichTable(title="Time from opening, hours (median / p90)")
    for column in (
        "kind",
        "cases",
        "contacted",
        "by due date",
        "to first contact",
        "resolved",
        "to resolution",
        "no answer",
    ):
        view.add_column(column, justify="right")
    for row in payload["timings"]:
        view.add_row(
            row["kind"],
            f"{row['cases']:,}",
            f"{row['contacted']:,}",
            f"{row['contacted_by_due']:,}",
            _hours(row["first_contact_median_hours"], row["first_contact_p90_hours"]),
            f"{row['resolved']:,}",
            _hours(row["resolution_median_hours"], row["resolution_p90_hours"]),
            f"{row['no_answer']:,}",
        )
    console.print(view)
    effect = payload["callback_effect"]
    t, h = effect["treatment"], effect["holdout"]
    console.print(
        f"The call-back's effect ({effect['trigger']}, {effect['followup_days']}-day follow-up, "
        f"treatment − holdout, 95% interval): {t['cases']:,} treatment cases "
        f"({t['contacted']:,} called), {h['cases']:,} holdout cases."
    )
    for name, label, scale, unit in (
        ("repurchase_diff", "repurchase", 100.0, " pp"),
        ("mean_nps_diff", "mean next NPS", 1.0, ""),
        ("promoter_share_diff", "promoters among next answers", 100.0, " pp"),
        ("detractor_share_diff", "detractors among next answers", 100.0, " pp"),
    ):
        console.print(f"  {label}: {_diff(effect[name], scale, unit)}")


def _hours(median: float | None, p90: float | None) -> str:
    return "—" if median is None else f"{median:,.1f} / {p90:,.1f}"


def _diff(d: dict[str, Any], scale: float, unit: str) -> str:
    if d["estimate"] is None:
        return str(d["note"])
    lo = "?" if d["ci_low"] is None else f"{scale * d['ci_low']:+,.1f}"
    hi = "?" if d["ci_high"] is None else f"{scale * d['ci_high']:+,.1f}"
    return f"{scale * d['estimate']:+,.1f}{unit} ({lo} to {hi})"


def register(app: typer.Typer) -> None:
    app.add_typer(cases_app, name="cases")
