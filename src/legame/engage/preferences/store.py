"""The customer's choices in the store: read the current one, save a new one.

Each saved form is a row of ``contact_preferences``; the latest per customer is current
(what the contact governor honours). A form made at the same instant as the current one is
recorded a microsecond after it, so no two of a customer's forms share an instant.
:func:`save` writes, in one transaction, that row, the consent events the form made (a
channel turned off is a withdrawal, a channel turned back on after a withdrawal a grant, as
one import batch) and an ``audit_log`` entry (``preferences_saved``: the link's id, the
source and which fields changed, nothing that names the customer). Every row is the
customer's, so erasure removes it with them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from legame import sql
from legame.engage.governor.clock import to_utc
from legame.engage.preferences.choice import Choice, normal, validate
from legame.errors import InputError, NotFoundError
from legame.policy import Policy, load_policy, policy_path_for
from legame.store import Workspace
from legame.store.bookkeeping import next_batch_id

Source = Literal["preference_link", "api"]
SOURCES: tuple[Source, ...] = ("preference_link", "api")
#: ``_source_file`` of the consent events a saved form makes (and of their batch).
CONSENT_SOURCE = "legame preferences"
#: A choice made less than this before the current one is made at the same instant: the
#: current one may have been moved forward by a microsecond per choice made at its instant.
SAME_INSTANT = timedelta(milliseconds=1)
#: How much after the current choice a new one made at the same instant is recorded: the
#: store's resolution (DuckDB timestamps are in microseconds).
SAME_INSTANT_STEP = timedelta(microseconds=1)


@dataclass(frozen=True)
class Current:
    """A customer's current choice: ``at`` and ``source`` are None before their first."""

    customer_id: str
    choice: Choice
    at: datetime | None
    source: str | None
    consents: dict[str, str]  # channel -> latest consent status ('granted', 'withdrawn')

    def shown_channels(self, policy: Policy) -> list[str]:
        """The channels the page shows ticked: kept by the choice, consent not withdrawn."""
        return [
            c
            for c in policy.contact.channels
            if self.choice.kept(c) and self.consents.get(c) != "withdrawn"
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            **self.choice.to_dict(),
            "at": self.at,
            "source": self.source,
            "consents": dict(self.consents),
        }


@dataclass(frozen=True)
class Saved:
    """What :func:`save` wrote: the choice as stored, the fields it changed, the consent
    events it made (channel -> status) and their batch (None: it made none)."""

    customer_id: str
    choice: Choice
    at: datetime
    changed: list[str]
    consents: dict[str, str] = field(default_factory=dict)
    batch_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            **self.choice.to_dict(),
            "at": self.at,
            "changed": list(self.changed),
            "consents": dict(self.consents),
            "batch_id": self.batch_id,
        }


def policy_of(ws: Workspace) -> Policy:
    """The policy file beside the workspace (the defaults without one)."""
    return load_policy(policy_path_for(ws.path))


def stamp(ws: Workspace) -> tuple[int, datetime | None]:
    """What changes whenever a choice is saved or erased: how many rows, and the latest."""
    count, latest = ws.con.execute(sql.render("preferences/store/stamp")).fetchall()[0]
    return int(count), latest


def customer(ws: Workspace, customer_id: str) -> tuple[str | None, str | None]:
    """The customer's ``(language, time_zone)``; ``NotFoundError`` if there is no such
    customer."""
    found = ws.con.execute(sql.render("preferences/store/customer"), [customer_id]).fetchall()
    if not found:
        raise NotFoundError(
            f"No customer {customer_id!r} in the workspace: check the id (it is matched "
            "exactly, after the policy's customer-id rule)."
        )
    return found[0][0], found[0][1]


def current(ws: Workspace, customer_id: str, *, at: datetime | None = None) -> Current:
    """The customer's current choice, and their consent per channel at ``at`` (default:
    now); ``NotFoundError`` if there is no such customer."""
    customer(ws, customer_id)
    moment = to_utc(at, name="at")
    rows = ws.con.execute(sql.render("preferences/store/current"), [customer_id]).fetchall()
    states = consent_states(ws, customer_id, moment)
    if not rows:
        return Current(customer_id, Choice(), None, None, states)
    channels, week, month, start, end, paused, stopped, saved_at, source = rows[0]
    choice = Choice(
        channels=None if channels is None else tuple(channels),
        max_per_week=week,
        max_per_month=month,
        quiet_start=start,
        quiet_end=end,
        paused_until=paused,
        stopped=bool(stopped),
    )
    return Current(customer_id, choice, saved_at, source, states)


def consent_states(ws: Workspace, customer_id: str, at: datetime) -> dict[str, str]:
    """The customer's latest consent status per channel at ``at``."""
    rows = ws.con.execute(
        sql.render("preferences/store/consent_states"), [customer_id, at]
    ).fetchall()
    return {channel: status for channel, status in sorted(rows)}


def save(
    ws: Workspace,
    customer_id: str,
    choice: Choice,
    at: datetime,
    source: Source,
    link_id: str | None = None,
    *,
    policy: Policy | None = None,
) -> Saved:
    """Save the customer's choice made at ``at``, with its consent events and its audit
    entry, in one transaction (see the module's docstring). An invalid choice, an unknown
    source or a choice older than the current one is an ``InputError``; an unknown
    customer a ``NotFoundError``: nothing is written then."""
    if source not in SOURCES:
        raise InputError(
            f"The 'source' of a saved choice must be one of {', '.join(SOURCES)}. "
            f"Got {source!r} instead."
        )
    policy = policy or policy_of(ws)
    at = to_utc(at, name="at")
    choice = normal(validate(choice, policy, at), policy)
    con = ws.con
    with ws.transaction():
        before = current(ws, customer_id, at=at)
        if before.at is not None and at <= before.at:
            if before.at - at >= SAME_INSTANT:
                raise InputError(
                    f"A choice made at {at:%Y-%m-%d %H:%M:%S} is older than the customer's "
                    f"current one ({before.at:%Y-%m-%d %H:%M:%S}); nothing was saved."
                )
            # Made at the current choice's instant (a client that sends whole seconds, say,
            # or the current one was moved forward so): recorded a microsecond after it,
            # so that it is the latest for every reader and its consent events do not
            # repeat the key of the current one's.
            at = before.at + SAME_INSTANT_STEP
        events = _consent_events(choice, before.consents, policy)
        changed = choice.changed(before.choice)
        con.execute(
            sql.render("preferences/store/insert_choice"),
            [
                customer_id,
                at,
                None if choice.channels is None else list(choice.channels),
                choice.max_per_week,
                choice.max_per_month,
                choice.quiet_start,
                choice.quiet_end,
                choice.paused_until,
                choice.stopped,
                source,
                link_id,
            ],
        )
        batch_id = None
        origin = f"{CONSENT_SOURCE}: {source}"
        if events:
            batch_id = next_batch_id(con)
            for channel, status in events.items():
                con.execute(
                    sql.render("preferences/store/insert_consent"),
                    [customer_id, channel, status, at, batch_id, origin],
                )
            con.execute(
                sql.render("preferences/store/log_batch"),
                [batch_id, origin, json.dumps({"link": link_id}), at, len(events)],
            )
        detail = {
            "link": link_id,
            "source": source,
            "changed": changed,
            "consents": events,
            "batch": batch_id,
        }
        con.execute(
            sql.render("preferences/store/audit"), [at, "preferences_saved", json.dumps(detail)]
        )
    return Saved(customer_id, choice, at, changed, events, batch_id)


def _consent_events(choice: Choice, states: dict[str, str], policy: Policy) -> dict[str, str]:
    """The consent events a choice makes: a withdrawal for each channel of the policy it
    turns off (unless already withdrawn), a grant for each it turns back on after a
    withdrawal. A channel never withdrawn and kept needs none (no consent is assumed from
    a box that was ticked already)."""
    events = {}
    for channel in policy.contact.channels:
        kept, state = choice.kept(channel), states.get(channel)
        if not kept and state != "withdrawn":
            events[channel] = "withdrawn"
        elif kept and state == "withdrawn":
            events[channel] = "granted"
    return events
