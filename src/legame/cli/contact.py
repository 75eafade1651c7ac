"""Contact commands: check a send, plan an audience, record a send (the contact governor);
make the customers' preference links and read their choices (legame.engage.preferences)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from legame.cli._common import (
    DbOption,
    JsonOption,
    console,
    err_console,
    open_workspace,
    print_json,
)
from legame.engage.governor import Governor
from legame.engage.governor.audience import plan_file, read_audience
from legame.engage.governor.clock import parse_timestamp, utc_now
from legame.engage.governor.decision import iso_utc
from legame.engage.preferences import current, make_link, rotate, write_links
from legame.engage.preferences.links import DEFAULT_BASE_URL, DEFAULT_DAYS
from legame.errors import InputError
from legame.ingest.ids import workspace_customer_id
from legame.policy import Policy, load_policy, policy_path_for
from legame.store import Workspace
from legame.words import counted

contact_app = typer.Typer(
    help="Respectful contact: check, plan and record sends under the policy's caps, quiet "
    "hours, cooldowns and consent (legame.toml beside the workspace).",
    no_args_is_help=True,
)

AtOption = Annotated[
    str | None,
    typer.Option(
        "--at",
        help="When: ISO timestamp, with or without offset (without = UTC). Default: now.",
        show_default=False,
    ),
]
CampaignOption = Annotated[
    str | None, typer.Option("--campaign", help="Campaign id (its kind may make it transactional).")
]
TransactionalOption = Annotated[
    bool,
    typer.Option(
        "--transactional",
        help="A transactional message (exempt from what the policy's "
        "contact.transactional section says; never from a withdrawn consent).",
    ),
]
PolicyOption = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        help="Policy file (default: legame.toml beside the workspace).",
        show_default=False,
    ),
]


def _policy(ws: Workspace, path: Path | None) -> Policy:
    if path is not None and not path.exists():
        raise InputError(f"--policy {path}: no such file.")
    return load_policy(path if path is not None else policy_path_for(ws.path))


def _at(value: str | None) -> datetime:
    return utc_now() if value is None else parse_timestamp(value, name="--at")


@contact_app.command("check")
def check(
    customer_id: Annotated[str, typer.Argument(help="The customer.")],
    channel: Annotated[str, typer.Argument(help="The channel: email, sms, push, ...")],
    at: AtOption = None,
    transactional: TransactionalOption = False,
    campaign: CampaignOption = None,
    policy: PolicyOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """May this customer get a message on this channel now (or --at)? Why not, and when?"""
    with open_workspace(db, read_only=True) as ws:
        gov = Governor(ws, _policy(ws, policy))
        decision = gov.check(
            customer_id, channel, _at(at), transactional=transactional, campaign_id=campaign
        )
    if json:
        print_json(decision.to_dict())
        return
    kind = "transactional" if decision.transactional else "marketing"
    if decision.allowed:
        console.print(
            f"[green]allowed[/green]: {kind} {channel} to {customer_id} at {iso_utc(decision.at)}"
        )
        return
    console.print(
        f"[red]blocked[/red]: {kind} {channel} to {customer_id} at {iso_utc(decision.at)}"
    )
    for reason in decision.reasons:
        until = iso_utc(reason.until) or "no end in the log"
        console.print(f"  {reason.rule}: {reason.message} (until {until})")
    later = iso_utc(decision.next_allowed_at)
    stuck = sorted({r.rule for r in decision.reasons if r.until is None})
    console.print(
        f"next allowed at: {later}"
        if later
        else f"next allowed at: none; nothing in the log lifts {', '.join(stuck) or 'it'} "
        "(e.g. a consent granted, a ticket resolved, a policy change)"
    )


@contact_app.command("plan")
def plan(
    audience: Annotated[
        Path,
        typer.Argument(
            help="Audience file (CSV, Parquet or JSON Lines) with a customer_id column."
        ),
    ],
    channel: Annotated[str, typer.Option("--channel", help="The channel of the campaign.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for allowed.csv and suppressed.csv.")],
    campaign: CampaignOption = None,
    at: AtOption = None,
    transactional: TransactionalOption = False,
    policy: PolicyOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Split an audience into the sends allowed now (or --at) and those suppressed, with why."""
    members = read_audience(audience)
    with open_workspace(db, read_only=True) as ws:
        gov = Governor(ws, _policy(ws, policy))
        planned = plan_file(
            gov,
            members,
            channel,
            out,
            at=_at(at),
            campaign_id=campaign,
            transactional=transactional,
        )
    payload = planned.to_dict()
    if json:
        print_json(payload)
        return
    view = RichTable(title=f"{audience}: {counted(payload['audience'], f'planned {channel} send')}")
    view.add_column("outcome")
    view.add_column("rows", justify="right")
    view.add_row("allowed", f"{payload['allowed']:,}")
    view.add_row("suppressed", f"{payload['suppressed']:,}")
    for rule, n in payload["by_rule"].items():
        view.add_row(f"  by {rule}", f"{n:,}")
    console.print(view)
    console.print(
        f"Wrote {payload['allowed_file']} and {payload['suppressed_file']} "
        "(a suppressed row counts once for each rule that blocks it)."
    )


@contact_app.command("record")
def record(
    customer_id: Annotated[str, typer.Argument(help="The customer.")],
    channel: Annotated[str, typer.Argument(help="The channel it was sent on.")],
    at: AtOption = None,
    campaign: CampaignOption = None,
    message_id: Annotated[
        str | None,
        typer.Option("--message-id", help="The message's id (default: legame-<batch id>)."),
    ] = None,
    policy: PolicyOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Log a send in messages (one import batch), so later checks count it."""
    with open_workspace(db) as ws:
        gov = Governor(ws, _policy(ws, policy))
        done = gov.record(
            customer_id, channel, _at(at), campaign_id=campaign, message_id=message_id
        )
    if json:
        print_json(
            {
                "message_id": done.message_id,
                "batch_id": done.batch_id,
                "inserted": done.inserted,
                "implicit_customer": done.implicit_customer,
            }
        )
        return
    what = "Recorded" if done.inserted else "Already recorded"
    console.print(
        f"{what} message {done.message_id} to {customer_id} on {channel} (batch {done.batch_id})."
    )


DaysOption = Annotated[
    int,
    typer.Option("--days", help="How many days the link works (1 to 365).", min=1, max=365),
]
BaseUrlOption = Annotated[
    str,
    typer.Option(
        "--base-url", help="The address of `legame serve` as customers reach it (http or https)."
    ),
]


@contact_app.command("link")
def link(
    customer_id: Annotated[str, typer.Argument(help="The customer.")],
    days: DaysOption = DEFAULT_DAYS,
    base_url: BaseUrlOption = DEFAULT_BASE_URL,
    at: AtOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Print a signed link to the customer's preference page (no sign-in needed), working
    for --days days from now (or --at). Put it in any message."""
    with open_workspace(db) as ws:
        made = make_link(ws, customer_id, now=_at(at), days=days, base_url=base_url)
    if json:
        print_json(
            {
                "customer_id": made.customer_id,
                "link": made.url,
                "expires_at": iso_utc(made.expires_at),
                "link_id": made.link_id,
            }
        )
        return
    console.print(made.url, markup=False)
    err_console.print(f"(works until {iso_utc(made.expires_at)})", markup=False)


@contact_app.command("links")
def links(
    audience: Annotated[
        Path,
        typer.Argument(help="A one-column file of customer ids (a customer_id header is allowed)."),
    ],
    out: Annotated[Path, typer.Option("--out", help="Where to write customer_id,link (CSV).")],
    days: DaysOption = DEFAULT_DAYS,
    base_url: BaseUrlOption = DEFAULT_BASE_URL,
    at: AtOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Write a preference link for each customer of a file; ids that are not customers are
    reported with their line numbers, and the rest go on."""
    with open_workspace(db) as ws:
        done = write_links(ws, audience, out, now=_at(at), days=days, base_url=base_url)
    if json:
        print_json({**done.to_dict(), "expires_at": iso_utc(done.expires_at)})
        return
    for line, reason in done.skipped:
        err_console.print(f"{audience}: line {line}: {reason.rstrip('.')}; left out.", markup=False)
    console.print(
        f"Wrote {counted(done.written, 'link')} to {out} (working until "
        f"{iso_utc(done.expires_at)}); {counted(len(done.skipped), 'line')} left out.",
        markup=False,
    )


@contact_app.command("rotate-links")
def rotate_links(db: DbOption = None, json: JsonOption = False) -> None:
    """Sign preference links with a new key: every link made before stops working."""
    with open_workspace(db) as ws:
        key_id = rotate(ws, utc_now())
    if json:
        print_json({"key_id": key_id})
        return
    console.print(
        f"New link key {key_id}: links made before no longer open; make new ones with "
        "`legame contact link` or `legame contact links`.",
        markup=False,
    )


@contact_app.command("preferences")
def preferences(
    customer_id: Annotated[str, typer.Argument(help="The customer.")],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Print the customer's current choices: channels, caps, quiet hours, pause, stop."""
    with open_workspace(db, read_only=True) as ws:
        mine = current(ws, workspace_customer_id(ws.path, customer_id))
        policy = load_policy(policy_path_for(ws.path))
    if json:
        payload = mine.to_dict()
        payload["at"] = iso_utc(mine.at)
        payload["paused_until"] = iso_utc(mine.choice.paused_until)
        print_json(payload)
        return
    choice = mine.choice
    view = RichTable(title=f"Preferences of {mine.customer_id}")
    view.add_column("choice")
    view.add_column("value")
    kept = ", ".join(mine.shown_channels(policy)) or "none"
    view.add_row("channels", "every channel" if choice.channels is None else kept)
    for name in ("max_per_week", "max_per_month"):
        value = getattr(choice, name)
        view.add_row(
            name.replace("_", " "), "no limit of their own" if value is None else str(value)
        )
    quiet = f"{choice.quiet_start}-{choice.quiet_end}" if choice.quiet_start else "none"
    view.add_row("quiet hours", quiet)
    view.add_row("paused until", iso_utc(choice.paused_until) or "no pause")
    view.add_row("stopped", "yes" if choice.stopped else "no")
    order = {c: i for i, c in enumerate(policy.contact.channels)}
    withdrawn = sorted(
        (c for c, status in mine.consents.items() if status == "withdrawn"),
        key=lambda c: (order.get(c, len(order)), c),
    )
    view.add_row("consent withdrawn", ", ".join(withdrawn) or "none")
    console.print(view)
    console.print(
        f"Saved {iso_utc(mine.at)} ({mine.source})." if mine.at else "No choice saved yet.",
        markup=False,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(contact_app, name="contact")
