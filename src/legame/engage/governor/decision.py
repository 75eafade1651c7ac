"""What the governor answers: a decision, with one reason per rule that blocks the send."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

Rule = Literal["consent", "cooldown", "cap", "quiet_hours"]
#: The rules, in the order their reasons are listed (the longest-lasting first).
RULES: tuple[Rule, ...] = ("consent", "cooldown", "cap", "quiet_hours")


def iso_utc(instant: datetime | None) -> str | None:
    """A naive UTC instant as ISO 8601 with an explicit ``+00:00`` (None stays None)."""
    return None if instant is None else instant.replace(tzinfo=UTC).isoformat()


@dataclass(frozen=True)
class Reason:
    """One rule blocking a send: which rule, why (in words), and when it lifts (None: not
    by anything in the current log, e.g. a withdrawn consent or a ticket still open)."""

    rule: Rule
    message: str
    until: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "message": self.message, "until": iso_utc(self.until)}


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
        """``{"allowed", "reasons": [{"rule", "message", "until"}], "next_allowed_at", ...}``."""
        return {
            "allowed": self.allowed,
            "reasons": [r.to_dict() for r in self.reasons],
            "next_allowed_at": iso_utc(self.next_allowed_at),
            "at": iso_utc(self.at),
            "transactional": self.transactional,
        }
