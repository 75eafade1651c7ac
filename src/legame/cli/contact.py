"""Contact commands: check a send, plan an audience, record a send (the contact governor)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import typer
from rich.table import Table as RichTable

from legame.cli._common import DbOption, JsonOption, console, open_workspace, print_json
from legame.engage.governor import Governor
from legame.engage.governor.clock import parse_timestamp, utc_now
from legame.engage.governor.decision import RULES, iso_utc
from legame.engage.policy import Policy, load_policy, policy_path_for
from legame.errors import InputError
from legame.ingest.readers import open_source
from legame.store import Workspace

contact_app = typer.Typer(
    help="Respectful contact: check, plan and record sends under the policy's caps, quiet "
    "hours, cooldowns and consent (legame.toml beside the workspace).",
    no_args_is_help=True,
)

AtOption = Annotated[
    str | None,
    typer.Option("--at", help="When: ISO timestamp, with or without offset (without = UTC). "
                 "Default: now.", show_default=False),
]
CampaignOption = Annotated[
    str | None, typer.Option("--campaign", help="Campaign id (its kind may make it transactional).")
]
TransactionalOption = Annotated[
    bool,
    typer.Option("--transactional", help="A transactional message (exempt from what the policy's "
                 "contact.transactional section says; never from a withdrawn consent)."),
]
PolicyOption = Annotated[
    Path | None,
    typer.Option("--policy", help="Policy file (default: legame.toml beside the workspace).",
                 show_default=False),
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
        decision = gov.check(customer_id, channel, _at(at), transactional=transactional,
                             campaign_id=campaign)
    if json:
        print_json(decision.to_dict())
        return
    kind = "transactional" if decision.transactional else "marketing"
    if decision.allowed:
        console.print(f"[green]allowed[/green]: {kind} {channel} to {customer_id} at "
                      f"{iso_utc(decision.at)}")
        return
    console.print(f"[red]blocked[/red]: {kind} {channel} to {customer_id} at "
                  f"{iso_utc(decision.at)}")
    for reason in decision.reasons:
        until = iso_utc(reason.until) or "no end in the log"
        console.print(f"  {reason.rule}: {reason.message} (until {until})")
    later = iso_utc(decision.next_allowed_at)
    stuck = sorted({r.rule for r in decision.reasons if r.until is None})
    console.print(f"next allowed at: {later}" if later else
                  f"next allowed at: none; nothing in the log lifts {', '.join(stuck) or 'it'} "
                  "(e.g. a consent granted, a ticket resolved, a policy change)")


def _audience(path: Path) -> tuple[pa.Table, str, str]:
    """The audience file as text columns (its own names), its customer_id column, and the
    delimiter to write the results with. A row without a customer id is an error."""
    source = open_source(path, delimiter=None, encoding=None)
    names = {c.strip().lower().replace(" ", "_").replace("-", "_"): c for c in source.columns}
    if "customer_id" not in names:
        raise InputError(f"{path}: no customer_id column; the file's columns are: "
                         f"{', '.join(source.columns)}. Rename the customer column to customer_id.")
    schema = pa.schema([("_line", pa.int64())] + [(f"c{i}", pa.string())
                                                   for i in range(len(source.columns))])
    table = pa.Table.from_batches(list(source.batches()), schema=schema)
    if source.broken:
        line, _, reason = source.broken[0]
        raise InputError(f"{path}: line {line}: {reason}. Fix the line and plan again.")
    ids = table.column(1 + source.columns.index(names["customer_id"]))
    blank = pc.equal(pc.utf8_trim_whitespace(ids), "")
    if pc.any(blank).as_py():
        line = table.column("_line")[pc.index(blank, True).as_py()].as_py()
        raise InputError(f"{path}: line {line}: the customer_id is empty; every row needs one.")
    table = table.drop_columns(["_line"]).rename_columns(source.columns)
    return table, names["customer_id"], source.delimiter or ","


@contact_app.command("plan")
def plan(
    audience: Annotated[Path, typer.Argument(help="Audience file (CSV, Parquet or JSON Lines) "
                                             "with a customer_id column.")],
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
    table, id_column, delimiter = _audience(audience)
    columns = table.column_names
    with open_workspace(db, read_only=True) as ws:
        gov = Governor(ws, _policy(ws, policy))
        result = gov.plan(table.column(id_column), channel, _at(at), campaign_id=campaign,
                          transactional=transactional)
    out.mkdir(parents=True, exist_ok=True)
    options = pacsv.WriteOptions(delimiter=delimiter)
    allowed = table.take(result.allowed.column("pos"))
    pacsv.write_csv(allowed, out / "allowed.csv", options)
    s = result.suppressed
    suppressed = table.take(s.column("pos"))
    extra = {
        "rule": s.column("rule"),
        "reason": s.column("reason"),
        "until": pa.array([iso_utc(v) for v in s.column("until").to_pylist()], pa.string()),
        "rules": pc.binary_join(s.column("rules"), ";"),
    }
    for name, values in extra.items():
        label = name if name not in columns else f"legame_{name}"
        suppressed = suppressed.append_column(label, values)
    pacsv.write_csv(suppressed, out / "suppressed.csv", options)
    counts = result.counts()
    payload = {
        "audience": table.num_rows,
        "allowed": counts["allowed"],
        "suppressed": counts["suppressed"],
        "by_rule": {rule: counts[rule] for rule in RULES if rule in counts},
        "allowed_file": str(out / "allowed.csv"),
        "suppressed_file": str(out / "suppressed.csv"),
    }
    if json:
        print_json(payload)
        return
    view = RichTable(title=f"{audience}: {payload['audience']:,} planned {channel} sends")
    view.add_column("outcome")
    view.add_column("rows", justify="right")
    view.add_row("allowed", f"{payload['allowed']:,}")
    view.add_row("suppressed", f"{payload['suppressed']:,}")
    for rule, n in payload["by_rule"].items():
        view.add_row(f"  by {rule}", f"{n:,}")
    console.print(view)
    console.print(f"Wrote {payload['allowed_file']} and {payload['suppressed_file']} "
                  "(a suppressed row counts once for each rule that blocks it).")


@contact_app.command("record")
def record(
    customer_id: Annotated[str, typer.Argument(help="The customer.")],
    channel: Annotated[str, typer.Argument(help="The channel it was sent on.")],
    at: AtOption = None,
    campaign: CampaignOption = None,
    message_id: Annotated[str | None, typer.Option(
        "--message-id", help="The message's id (default: legame-<batch id>).")] = None,
    policy: PolicyOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Log a send in messages (one import batch), so later checks count it."""
    with open_workspace(db) as ws:
        gov = Governor(ws, _policy(ws, policy))
        done = gov.record(customer_id, channel, _at(at), campaign_id=campaign,
                          message_id=message_id)
    if json:
        print_json({"message_id": done.message_id, "batch_id": done.batch_id,
                    "inserted": done.inserted, "implicit_customer": done.implicit_customer})
        return
    what = "Recorded" if done.inserted else "Already recorded"
    console.print(f"{what} message {done.message_id} to {customer_id} on {channel} "
                  f"(batch {done.batch_id}).")


def register(app: typer.Typer) -> None:
    app.add_typer(contact_app, name="contact")
