"""What a customer chooses on the preference page, and what a valid choice is.

A :class:`Choice` is one saved form: the channels kept for marketing (None: every
channel), at most how many marketing messages in any 7 and any 30 days, quiet hours of
their own, a pause until an instant, or stop. :func:`problems` says what is wrong with a
choice, each as a :class:`Problem` with a code the page says in the customer's language
and an English message the CLI and the API say.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any

from legame.engage.governor.clock import first_instant_at, zone_for
from legame.errors import InputError
from legame.policy import Policy

#: The most messages a customer may allow in a week or a month (0: none at all).
MAX_CAP = 100
#: How far ahead a pause may end.
MAX_PAUSE = timedelta(days=366)
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
#: The fields of a choice, in the order the page and the audit trail name them.
FIELDS = (
    "channels",
    "max_per_week",
    "max_per_month",
    "quiet_start",
    "quiet_end",
    "paused_until",
    "stopped",
)


@dataclass(frozen=True)
class Choice:
    """One saved form (see the module's docstring); the defaults are "no choice made"."""

    channels: tuple[str, ...] | None = None
    max_per_week: int | None = None
    max_per_month: int | None = None
    quiet_start: str | None = None  # 'HH:MM', wall clock in the customer's time zone
    quiet_end: str | None = None
    paused_until: datetime | None = None  # naive UTC
    stopped: bool = False

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["channels"] = None if self.channels is None else list(self.channels)
        return out

    def changed(self, before: Choice) -> list[str]:
        """The fields whose value differs from ``before``'s (channels compared as sets)."""
        out = []
        for f in fields(self):
            new, old = getattr(self, f.name), getattr(before, f.name)
            if f.name == "channels":
                new = None if new is None else frozenset(new)
                old = None if old is None else frozenset(old)
            if new != old:
                out.append(f.name)
        return out

    def kept(self, channel: str) -> bool:
        """Whether marketing on ``channel`` is kept (before stops, pauses and caps)."""
        return self.channels is None or channel in self.channels


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field: ``code`` for the page's words, ``message`` in English."""

    field: str
    code: str
    message: str


def problems(choice: Choice, policy: Policy, at: datetime) -> list[Problem]:
    """Everything wrong with ``choice`` made at ``at`` (naive UTC) under ``policy``."""
    found: list[Problem] = []
    known = policy.contact.channels
    if choice.channels is not None:
        unknown = [c for c in choice.channels if c not in known]
        if unknown:
            found.append(
                Problem(
                    "channels",
                    "unknown_channel",
                    f"Unknown channel {unknown[0]!r}; the channels are: {', '.join(known)}.",
                )
            )
    for name, window in (("max_per_week", "week"), ("max_per_month", "month")):
        value = getattr(choice, name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_CAP
        ):
            found.append(
                Problem(
                    name,
                    "cap_range",
                    f"The most messages a {window} must be a whole number from 0 to {MAX_CAP} "
                    f"(or nothing, for no limit of your own). Got {value!r} instead.",
                )
            )
    found += _quiet_problems(choice)
    if choice.paused_until is not None:
        if choice.paused_until <= at:
            found.append(
                Problem(
                    "paused_until",
                    "pause_past",
                    f"A pause must end after now ({at:%Y-%m-%d %H:%M} UTC). "
                    f"Got {choice.paused_until:%Y-%m-%d %H:%M} instead.",
                )
            )
        elif choice.paused_until > at + MAX_PAUSE:
            found.append(
                Problem(
                    "paused_until",
                    "pause_far",
                    f"A pause may last at most a year, up to {at + MAX_PAUSE:%Y-%m-%d}. "
                    f"Got {choice.paused_until:%Y-%m-%d} instead; stop instead, to stop for "
                    "longer.",
                )
            )
    return found


def _quiet_problems(choice: Choice) -> list[Problem]:
    found = []
    for name in ("quiet_start", "quiet_end"):
        value = getattr(choice, name)
        if value is not None and not (isinstance(value, str) and _CLOCK.match(value)):
            found.append(
                Problem(
                    name,
                    "time_format",
                    f"Quiet hours are times of day written HH:MM, from 00:00 to 23:59. "
                    f"Got {value!r} instead.",
                )
            )
    if found:
        return found
    if (choice.quiet_start is None) != (choice.quiet_end is None):
        return [
            Problem(
                "quiet_end" if choice.quiet_end is None else "quiet_start",
                "quiet_pair",
                "Quiet hours need both a start and an end (or neither).",
            )
        ]
    if choice.quiet_start is not None and choice.quiet_start == choice.quiet_end:
        return [
            Problem(
                "quiet_end",
                "quiet_same",
                f"Quiet hours must end at another time than they start; both are "
                f"{choice.quiet_start}.",
            )
        ]
    return []


def validate(choice: Choice, policy: Policy, at: datetime) -> Choice:
    """``choice`` if it has no :func:`problems`, else an ``InputError`` naming them all."""
    found = problems(choice, policy, at)
    if found:
        raise InputError(" ".join(p.message for p in found))
    return choice


def normal(choice: Choice, policy: Policy) -> Choice:
    """The same choice written one way: channels in the policy's order, and None when every
    channel of the policy is kept (so a later channel is not left out unasked)."""
    if choice.channels is None:
        return choice
    kept = tuple(c for c in policy.contact.channels if c in set(choice.channels))
    unknown = tuple(c for c in choice.channels if c not in policy.contact.channels)
    if not unknown and len(kept) == len(policy.contact.channels):
        return _replace(choice, channels=None)
    return _replace(choice, channels=kept + unknown)


def _replace(choice: Choice, **changes: Any) -> Choice:
    return Choice(**{**asdict(choice), **changes})


def pause_end(day: date, time_zone: str | None, policy: Policy) -> datetime:
    """The instant (naive UTC) a pause "until ``day``" ends: the first moment of that day
    in the customer's time zone (the policy's default zone when theirs is not valid)."""
    if not 1900 < day.year < 2999:
        raise InputError(
            f"A pause ends on a day within a year from now; got {day.isoformat()} instead."
        )
    zone = zone_for(time_zone, policy.contact.quiet_hours.default_time_zone)
    return first_instant_at(day, time(0, 0), zone)


def parse_cap(text: str | None, name: str) -> int | None:
    """A cap typed in a form: blank is None; anything but a whole number is an
    ``InputError`` (the page says it as ``cap_range``)."""
    value = (text or "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 3:
        raise InputError(f"{name} must be a whole number from 0 to {MAX_CAP}; got {text!r}.")
    return int(value)
