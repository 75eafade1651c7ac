"""What the governor answers: a decision, with one reason per rule that blocks the send."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

Rule = Literal["consent", "preference", "cooldown", "cap", "experiment", "quiet_hours"]
#: The rules, in the order their reasons are listed: what the customer said (a consent, then
#: their own contact preferences), the pauses, the policy's caps, a contact test's caps,
#: and the clock.
RULES: tuple[Rule, ...] = ("consent", "preference", "cooldown", "cap", "experiment", "quiet_hours")


def iso_utc(instant: datetime | None) -> str | None:
    """A naive UTC instant as ISO 8601 with an explicit ``+00:00`` (None stays None)."""
    return None if instant is None else instant.replace(tzinfo=UTC).isoformat()


#: What each reason's ``code`` is, and the ``facts`` it carries (instants are naive UTC,
#: times of day ``HH:MM``; a cap's ``channel`` is ``all`` for every channel). A contact
#: test's cap (``test_cap``, rule ``experiment``) names the test and the customer's arm; the
#: ``preference_*`` codes (rule ``preference``) carry ``at``, when the customer saved the
#: choice, and a pause its ``until``.
CODES: dict[str, tuple[str, ...]] = {
    "consent_withdrawn": ("channel", "at"),
    "consent_missing": ("channel",),
    "complaint": ("at", "days"),
    "unsubscribe": ("channel", "at", "days"),
    "ticket_open": ("since",),
    "ticket_resolved": ("at", "days"),
    "cap": ("channel", "sends", "days", "limit"),
    "cap_zero": ("channel", "days"),
    "quiet_hours": ("start", "end", "zone", "local"),
    "test_cap": ("test", "arm", "channel", "sends", "days", "limit"),
    "preference_stop": ("at",),
    "preference_channel": ("channel", "at"),
    "preference_pause": ("at", "until"),
    "preference_cap": ("channel", "sends", "days", "limit"),
    "preference_quiet": ("start", "end", "zone", "local"),
}


@dataclass(frozen=True)
class Reason:
    """One rule blocking a send: which rule, why (in words), and when it lifts (None: not
    by anything in the current log, e.g. a withdrawn consent or a ticket still open).

    ``code`` names the sentence (one of :data:`CODES`) and ``facts`` hold what fills it,
    so that a page can say it in its reader's language; ``message`` is the English one.
    A reason of ``plan`` (``reasons_of``) has neither. Neither takes part in equality."""

    rule: Rule
    message: str
    until: datetime | None
    code: str = field(default="", compare=False)
    facts: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """``{"rule", "message", "until", "code", "facts"}`` (instants in ``facts`` as ISO
        8601 UTC too; ``code`` None and ``facts`` empty when not known)."""
        return {
            "rule": self.rule,
            "message": self.message,
            "until": iso_utc(self.until),
            "code": self.code or None,
            "facts": {
                k: iso_utc(v) if isinstance(v, datetime) else v for k, v in self.facts.items()
            },
        }


@dataclass(frozen=True)
class Decision:
    """May this send go out at ``at``? ``next_allowed_at`` is the earliest instant at or
    after ``at`` when every blocking rule is lifted, given the log (None: never, as things
    stand). Instants are naive UTC."""

    allowed: bool
    reasons: list[Reason] = field(default_factory=list)
    next_allowed_at: datetime | None = None
    at: datetime | None = None
    transactional: bool = False

    def to_dict(self) -> dict[str, Any]:
        """``{"allowed", "reasons": [{"rule", "message", "until", "code", "facts"}],
        "next_allowed_at", ...}``."""
        return {
            "allowed": self.allowed,
            "reasons": [r.to_dict() for r in self.reasons],
            "next_allowed_at": iso_utc(self.next_allowed_at),
            "at": iso_utc(self.at),
            "transactional": self.transactional,
        }
