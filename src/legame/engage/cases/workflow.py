"""Changing cases: assign, note, close (``update_case``), and call back (``contact_case``).

The statuses go one way::

    new ──contact──▶ contacted ──close──▶ resolved | no-answer
     └──────────────close (resolved)──────▶ resolved

A case becomes ``contacted`` only through ``contact_case``, which asks the contact governor
first; ``no-answer`` needs a contact attempt; a closed case keeps its status and owner (a
note can still be added). Anything else is an ``InputError`` that says what is allowed.

Every change names the ``version`` of the case it was computed from. It runs in one
transaction under the workspace's writer lock, which reads the case, checks the version and
writes the case and its history together: of two changes computed from the same version,
the first is applied and the second comes back as a conflict (``applied`` false), with the
case as the first one left it. Nothing is overwritten silently.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final, Literal

from legame import sql
from legame.engage.cases.opening import CALLBACK_TRIGGER, policy_for
from legame.engage.cases.queue import CLOSED, STATUSES, get_case, one_case, rows
from legame.engage.governor import Decision, Governor
from legame.engage.governor.clock import to_utc, utc_now
from legame.errors import InputError
from legame.policy import Policy
from legame.store import Workspace

#: The longest note, owner or actor name.
MAX_NOTE_CHARS: Final = 4000
MAX_NAME_CHARS: Final = 100
#: How far in the future a contact may be logged (clocks differ a little).
CLOCK_SLACK: Final = timedelta(minutes=10)


class _Keep(enum.Enum):
    KEEP = "keep"


#: ``owner=KEEP`` (the default) leaves the owner as it is; ``None`` unassigns the case.
KEEP: Final = _Keep.KEEP


@dataclass(frozen=True)
class Change:
    """What ``update_case`` did. ``applied``: the change is stored and ``case`` is the case
    after it (with its history). Otherwise someone changed the case after the version the
    change was computed from: ``case`` is the case as they left it, ``message`` says so."""

    applied: bool
    case: dict[str, Any]
    message: str

    @property
    def conflict(self) -> bool:
        return not self.applied

    def to_dict(self) -> dict[str, Any]:
        return {"applied": self.applied, "message": self.message, "case": self.case}


@dataclass(frozen=True)
class Contact:
    """What ``contact_case`` did: ``contacted`` (the governor allowed it, the contact is
    logged in ``messages`` as ``message_id`` and the case is ``contacted``), ``blocked``
    (the governor's ``decision`` says why; nothing changed) or ``conflict`` (the case was
    changed after the version given; nothing changed)."""

    outcome: Literal["contacted", "blocked", "conflict"]
    case: dict[str, Any]
    message: str
    decision: Decision | None = None
    message_id: str | None = None

    @property
    def conflict(self) -> bool:
        return self.outcome == "conflict"

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "message": self.message,
            "decision": None if self.decision is None else self.decision.to_dict(),
            "message_id": self.message_id,
            "case": self.case,
        }


def _name(value: object, what: str) -> str:
    """A person's name (an owner, an actor): trimmed, 1-100 characters, no control ones."""
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > MAX_NAME_CHARS or _has_control(text):
        raise InputError(
            f"The {what} must be a name of 1 to {MAX_NAME_CHARS} characters without control "
            f"characters; got {value!r} instead."
        )
    return text


def _note(value: object) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > MAX_NOTE_CHARS:
        raise InputError(
            f"A note must be text of 1 to {MAX_NOTE_CHARS:,} characters; got "
            f"{len(text):,} characters."
        )
    if _has_control(text.replace("\n", "").replace("\t", "")):
        raise InputError("A note must not hold control characters (line breaks are fine).")
    return text


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text)


def _version(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"version must be the case's version, a whole number ≥ 1; got {value!r}.")
    return value


def _conflict(case: dict[str, Any], version: int) -> str:
    return (
        f"Case {case['case_id']} was changed after version {version}: it is at version "
        f"{case['version']} now (status {case['status']}, owner {case['owner'] or 'nobody'}). "
        "Nothing was changed: look at it again and repeat the change if it still holds."
    )


def update_case(
    ws: Workspace,
    case_id: int,
    *,
    version: int,
    actor: str,
    owner: str | _Keep | None = KEEP,
    status: str | None = None,
    note: str | None = None,
    at: datetime | str | None = None,
) -> Change:
    """Assign (``owner``; None unassigns), close (``status`` resolved or no-answer) and/or
    add a ``note`` to a case, as ``actor``, at ``at`` (default now), if it is still at
    ``version``: one transaction, one new version, one history line per change."""
    actor = _name(actor, "actor")
    version = _version(version)
    new_owner = owner if owner is KEEP or owner is None else _name(owner, "owner")
    text = None if note is None else _note(note)
    _check_status(status)
    if new_owner is KEEP and status is None and text is None:
        raise InputError("Nothing to change: give an owner, a status or a note.")
    when = to_utc(at)
    with ws.transaction() as con:
        case = one_case(ws, case_id)
        if case["version"] != version:
            return Change(False, get_case(ws, case_id, now=when), _conflict(case, version))
        if when < case["opened_at"]:
            raise InputError(
                f"Case {case_id} opened at {case['opened_at']:%Y-%m-%d %H:%M} UTC; it cannot "
                f"change before that (at {when:%Y-%m-%d %H:%M} UTC)."
            )
        events = _changes(case, new_owner, status, text)
        if not events:
            return Change(True, get_case(ws, case_id, now=when), "Nothing changed.")
        after = dict(case)
        if new_owner is not KEEP:
            after["owner"] = new_owner
        if status is not None:
            after["status"], after["closed_at"] = status, when
        new_version = _write(con, case, after, when)
        for action, note_text in events:
            _event(con, case, after, when, actor, action, note_text, new_version)
        changed = get_case(ws, case_id, now=when)
    return Change(True, changed, f"Case {case_id} is at version {new_version}.")


def _check_status(status: str | None) -> None:
    if status is None or status in CLOSED:
        return
    if status == "contacted":
        raise InputError(
            "A case becomes contacted through a contact, which asks the contact governor "
            "first: `legame cases contact ID --channel phone` (POST /api/v1/cases/{id}/contact)."
        )
    if status in STATUSES:
        raise InputError(f"A case never goes back to {status!r}: it is opened that way.")
    raise InputError(
        f"status must be one of {', '.join(CLOSED)} (to close the case); got {status!r}."
    )


def _changes(
    case: dict[str, Any], owner: str | _Keep | None, status: str | None, note: str | None
) -> list[tuple[str, str | None]]:
    """The history lines of a change (action, note), after checking it is allowed."""
    closed = case["status"] in CLOSED
    events: list[tuple[str, str | None]] = []
    if owner is not KEEP and owner != case["owner"]:
        if closed:
            raise InputError(
                f"Case {case['case_id']} is closed ({case['status']}): its owner no longer "
                "changes. A note can still be added."
            )
        events.append(("assigned", None))
    if status is not None:
        if closed:
            raise InputError(
                f"Case {case['case_id']} is already closed ({case['status']}): a closed case "
                "keeps its status. A note can still be added."
            )
        if status == "no-answer" and case["status"] == "new":
            raise InputError(
                f"Case {case['case_id']} has not been contacted: no-answer means a contact "
                "was tried. Contact the customer first (`legame cases contact`), or close it "
                "as resolved."
            )
        events.append(("closed", note))
    elif note is not None:
        events.append(("note", note))
    return events


def _write(con: Any, case: dict[str, Any], after: dict[str, Any], when: datetime) -> int:
    """Store the case's new state if it is still at its version; return the new version."""
    found = con.execute(
        sql.render("cases/update"),
        [
            case["case_id"],
            after["owner"],
            after["status"],
            after["first_contact_at"],
            after["closed_at"],
            when,
            case["version"],
        ],
    ).fetchall()
    if not found:  # the writer lock makes this unreachable within one process
        raise InputError(_conflict(case, case["version"]))
    return int(found[0][0])


def _event(
    con: Any,
    case: dict[str, Any],
    after: dict[str, Any],
    when: datetime,
    actor: str,
    action: str,
    note: str | None,
    version: int,
) -> None:
    con.execute(
        sql.render("cases/record_event"),
        [
            case["case_id"],
            case["customer_id"],
            when,
            actor,
            action,
            case["status"],
            after["status"],
            case["owner"],
            after["owner"],
            note,
            version,
        ],
    )


def callback_policy(policy: Policy) -> Policy:
    """The policy a call-back is checked with: as a transactional (service) contact, with
    the quiet hours applying when ``[cases] callback_quiet_hours`` says so."""
    if not policy.cases.callback_quiet_hours:
        return policy
    exempt = replace(policy.contact.transactional, exempt_from_quiet_hours=False)
    return replace(policy, contact=replace(policy.contact, transactional=exempt))


def contact_case(
    ws: Workspace,
    case_id: int,
    *,
    channel: str,
    actor: str,
    at: datetime | str | None = None,
    version: int | None = None,
    policy: Policy | None = None,
) -> Contact:
    """Contact the customer of a case on ``channel`` at ``at`` (default now), as ``actor``.

    The contact governor decides first, treating the call-back as a service (transactional)
    contact: a withdrawn consent blocks it, and so do the quiet hours unless ``[cases]
    callback_quiet_hours`` is false. Blocked: nothing changes and ``decision`` says why.
    Allowed: the contact is logged in ``messages`` as the governor logs a send (message
    ``case-<id>-<attempt>``), and the case becomes ``contacted`` (its first contact time
    kept from the first attempt). A case in the randomized holdout, or closed, is refused.
    """
    actor = _name(actor, "actor")
    expected = None if version is None else _version(version)
    policy = policy_for(ws, policy)
    when = to_utc(at)
    if when > utc_now() + CLOCK_SLACK:
        raise InputError(
            f"at {when:%Y-%m-%d %H:%M} UTC is in the future: log a contact when it is made."
        )
    with ws.writing():
        case = one_case(ws, case_id)
        if expected is not None and case["version"] != expected:
            return Contact("conflict", get_case(ws, case_id, now=when), _conflict(case, expected))
        _check_contact(case, when)
        governor = Governor(ws, callback_policy(policy))
        decision = governor.check(case["customer_id"], channel, when, transactional=True)
        if not decision.allowed:
            reasons = "; ".join(f"{r.rule}: {r.message}" for r in decision.reasons)
            return Contact(
                "blocked",
                get_case(ws, case_id, now=when),
                f"The contact governor blocks this call-back ({reasons}). Nothing was logged.",
                decision,
            )
        attempt = 1 + sum(
            1 for e in rows(ws, "cases/history", [case_id]) if e["action"] == "contacted"
        )
        recorded = governor.record(
            case["customer_id"], channel, when, message_id=f"case-{case_id}-{attempt}"
        )
        with ws.transaction() as con:
            after = dict(case)
            first = case["first_contact_at"]
            after["status"] = "contacted"
            after["first_contact_at"] = when if first is None else min(first, when)
            new_version = _write(con, case, after, when)
            note = f"call-back on {channel}, logged as message {recorded.message_id}"
            _event(con, case, after, when, actor, "contacted", note, new_version)
        changed = get_case(ws, case_id, now=when)
    return Contact(
        "contacted",
        changed,
        f"Case {case_id} is contacted (logged as message {recorded.message_id}).",
        decision,
        recorded.message_id,
    )


def _check_contact(case: dict[str, Any], when: datetime) -> None:
    number = case["case_id"]
    if case["arm"] == "holdout":
        raise InputError(
            f"Case {number} is in the randomized holdout of the {CALLBACK_TRIGGER} trigger: "
            "its customer must not be called back, so that the call-back's effect can be "
            "measured against it (docs/cases.md). Nothing was logged."
        )
    if case["status"] in CLOSED:
        raise InputError(
            f"Case {number} is closed ({case['status']}): nothing more to contact about. "
            "Nothing was logged."
        )
    if when < case["opened_at"]:
        raise InputError(
            f"Case {number} opened at {case['opened_at']:%Y-%m-%d %H:%M} UTC; a contact for "
            f"it cannot be logged before that (at {when:%Y-%m-%d %H:%M} UTC)."
        )
