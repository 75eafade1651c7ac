"""Contact commands: check a send, plan an audience, record a send (the contact governor)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from legame.cli._common import DbOption, JsonOption, console, open_workspace, print_json
from legame.engage.governor import Governor
from legame.engage.governor.audience import plan_file, read_audience
from legame.engage.governor.clock import parse_timestamp, utc_now
from legame.engage.governor.decision import iso_utc
from legame.errors import InputError
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


def register(app: typer.Typer) -> None:
    app.add_typer(contact_app, name="contact")
