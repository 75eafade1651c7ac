"""The workspace policy file, ``legame.toml``: brand values, contact rules, gratitude triggers.

The file lives beside the workspace's DuckDB file (:func:`policy_path_for`); ``legame init``
writes it with every key at its default and a comment (:func:`write_default_policy`), and
``docs/policy.md`` documents it key by key. Rules are declarative data: numbers, names and
clock times. Nothing in the file is ever evaluated as an expression or as code.

:func:`load_policy` reads and validates the file into frozen dataclasses. A key that is
missing takes its default; a key that legame does not know is an error (a typo must not be
silently ignored); a bad value is an error naming the file, the section, the key and the
value::

    legame.toml: [contact.caps] email.per_7_days must be a whole number ≥ 0; got 'two'

Tables of caps and the ``channels`` list are taken as a whole: writing ``[contact.caps]``
replaces every default cap, so a default cap can be removed by leaving it out.

``[experiments]`` holds the margin rate the gratitude program's return is computed with,
and the randomized contact-frequency tests (``[experiments.contact_tests.<name>]``): each
customer's arm (a seeded hash, :mod:`legame.assign`) caps their marketing
sends while the test runs, on top of the ``[contact]`` rules.

Before it is parsed, the text is checked to be at most :data:`MAX_POLICY_CHARS` characters
long and its arrays, inline tables and dotted keys to nest at most :data:`MAX_TOML_DEPTH` deep
(:func:`check_toml_text`), so a hostile file is refused with the line to fix instead of
exhausting the parser.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tempfile
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

from legame.assign import arm_index, arm_indices
from legame.errors import InputError

#: The policy file's name, in the workspace's folder.
POLICY_FILE = "legame.toml"
#: In ``[contact.caps]``, the key that caps sends across every channel together.
ALL_CHANNELS = "all"
_DEFAULT_TEMPLATE = "policy_default.toml"
_CHANNEL = re.compile(r"^[a-z][a-z0-9_-]*$")
_WINDOW = re.compile(r"^per_([1-9][0-9]*)_days?$")
#: The longest window or pause in days (100 years): longer ones are surely typos.
MAX_DAYS = 36_500
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
#: The longest policy file, in characters (the default one is under 5,000).
MAX_POLICY_CHARS = 100_000
#: How deep arrays, inline tables and dotted keys may nest in a policy or values file.
MAX_TOML_DEPTH = 20
#: Brand values: at most this many (``values``; the message check takes as many) ...
MAX_VALUES = 50
#: ... each at most this many characters.
MAX_VALUE_CHARS = 200
#: How customer ids are case-folded (``[ingest] customer_id_case``; see ``legame.ingest.ids``).
IdCase = Literal["preserve", "lower", "upper"]


# --- the policy, as frozen dataclasses ---------------------------------------------------


@dataclass(frozen=True)
class Cap:
    """At most ``limit`` sends in any rolling ``days``-day window, on ``channel`` (or all)."""

    channel: str  # a channel name, or ALL_CHANNELS
    days: int
    limit: int

    @property
    def key(self) -> str:
        return f"{self.channel}.per_{self.days}_days"


@dataclass(frozen=True)
class QuietHours:
    """No sends from ``start`` to ``end`` (wall-clock, in the customer's own time zone)."""

    enabled: bool
    start: time
    end: time
    default_time_zone: str

    def is_quiet(self, local: time) -> bool:
        """Whether a local wall-clock time falls in the quiet hours."""
        if not self.enabled:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


@dataclass(frozen=True)
class Cooldowns:
    """Pauses after signs that the customer wants to be left alone."""

    after_complaint_days: int
    after_unsubscribe_days: int
    while_ticket_open: bool
    after_ticket_resolved_days: int


@dataclass(frozen=True)
class TransactionalExemptions:
    """What transactional messages skip. A withdrawn consent is never skipped."""

    exempt_from_caps: bool
    exempt_from_quiet_hours: bool
    exempt_from_cooldowns: bool


@dataclass(frozen=True)
class ContactPolicy:
    """The ``[contact]`` section: consent, caps, quiet hours, cooldowns, exemptions."""

    channels: tuple[str, ...]
    require_consent: tuple[str, ...]  # channels where marketing needs a recorded consent
    caps: tuple[Cap, ...]
    quiet_hours: QuietHours
    cooldown: Cooldowns
    transactional: TransactionalExemptions

    def caps_for(self, channel: str) -> tuple[Cap, ...]:
        """The caps a send on ``channel`` counts against: its own, then across channels."""
        own = sorted((c for c in self.caps if c.channel == channel), key=lambda c: c.days)
        across = sorted((c for c in self.caps if c.channel == ALL_CHANNELS), key=lambda c: c.days)
        return (*own, *across)


@dataclass(frozen=True)
class GratitudeTrigger:
    """One trigger of the gratitude program: on or off, and its numeric parameters."""

    name: str
    enabled: bool
    params: tuple[tuple[str, float | int | tuple[int, ...]], ...]

    def __getitem__(self, key: str) -> float | int | tuple[int, ...]:
        return dict(self.params)[key]


@dataclass(frozen=True)
class GratitudePolicy:
    """The ``[gratitude]`` section (used by the gratitude program)."""

    holdout_share: float
    seed: int
    triggers: tuple[GratitudeTrigger, ...]
    #: The program's pre-registered end date (UTC, exclusive), for its fixed-horizon
    #: interval; None: not set.
    end: date | None = None

    def trigger(self, name: str) -> GratitudeTrigger:
        for trigger in self.triggers:
            if trigger.name == name:
                return trigger
        raise KeyError(name)


@dataclass(frozen=True)
class TestArm:
    """One arm of a contact-frequency test: its share of the customers, and the caps its
    customers' marketing sends count against while the test runs (``channel`` of each cap
    is the test's channel, or ``all``)."""

    __test__ = False  # not a pytest test class, whatever its name

    name: str
    share: float
    caps: tuple[Cap, ...]


@dataclass(frozen=True)
class ContactTest:
    """A randomized contact-frequency test: ``[experiments.contact_tests.<name>]``.

    Each customer is in one arm, by a seeded hash of (``seed``, ``name``, customer id)
    (:mod:`legame.assign`): stable, and independent of everything about the
    customer. From ``start`` (a UTC date, inclusive) until ``end`` (exclusive; None: until
    the test is removed) the arm's caps apply to marketing sends on ``channel`` (or every
    channel for ``all``), on top of the ``[contact]`` rules.
    """

    __test__ = False

    name: str
    start: date
    end: date | None
    seed: int
    channel: str  # a channel name, or ALL_CHANNELS
    arms: tuple[TestArm, ...]

    @property
    def starts_at(self) -> datetime:
        """The first instant (naive UTC) the arms are enforced."""
        return datetime.combine(self.start, time())

    @property
    def ends_at(self) -> datetime | None:
        """The first instant (naive UTC) they no longer are (None: no end)."""
        return None if self.end is None else datetime.combine(self.end, time())

    def active(self, at: datetime) -> bool:
        """Whether the arms are enforced at ``at`` (a naive UTC instant)."""
        ends = self.ends_at
        return self.starts_at <= at and (ends is None or at < ends)

    def applies_to(self, channel: str) -> bool:
        """Whether a send on ``channel`` counts against the arms' caps."""
        return self.channel in (channel, ALL_CHANNELS)

    @property
    def shares(self) -> tuple[float, ...]:
        return tuple(arm.share for arm in self.arms)

    def arm_of(self, customer_id: str) -> TestArm:
        """The customer's arm (the same every time it is asked)."""
        return self.arms[arm_index(self.seed, self.name, customer_id, self.shares)]

    def arms_of(self, customer_ids: Iterable[str]) -> npt.NDArray[np.int64]:
        """The index in :attr:`arms` of each customer's arm, in order."""
        return arm_indices(self.seed, self.name, customer_ids, self.shares)


@dataclass(frozen=True)
class ExperimentsPolicy:
    """The ``[experiments]`` section: the margin rate, and the contact-frequency tests."""

    #: The share of revenue that is margin (the gratitude program's return is margin).
    margin_rate: float = 0.3
    contact_tests: tuple[ContactTest, ...] = ()

    def contact_test(self, name: str) -> ContactTest:
        for test in self.contact_tests:
            if test.name == name:
                return test
        raise KeyError(name)


@dataclass(frozen=True)
class IngestPolicy:
    """The ``[ingest]`` section: what ingestion refuses and how it normalises customer ids."""

    #: Timestamps later than the import time plus this are rejected as in the future.
    future_tolerance: timedelta = timedelta(days=1)
    #: Customer ids keep their case, or their ASCII letters are folded (``lower``/``upper``).
    customer_id_case: IdCase = "preserve"

    @property
    def future_tolerance_text(self) -> str:
        """The tolerance as the policy file writes it (``1d``, ``12h``, ``90m``)."""
        minutes = int(self.future_tolerance.total_seconds() // 60)
        for unit, size in (("d", 1440), ("h", 60)):
            if minutes % size == 0:
                return f"{minutes // size}{unit}"
        return f"{minutes}m"


@dataclass(frozen=True)
class CasesPolicy:
    """The ``[cases]`` section: when detractor and poor-service cases open, when their first
    contact is due, how call-backs are checked, and how long their effect is followed."""

    #: First contact due this many hours after a detractor case opens ...
    detractor_sla_hours: int = 48
    #: ... and after a poor-service case opens.
    poor_service_sla_hours: int = 24
    #: Only answers and tickets of the last this-many days (before the sync) open cases.
    lookback_days: int = 30
    #: A call-back is a service contact (transactional), but quiet hours still apply to it.
    callback_quiet_hours: bool = True
    #: The measured effect: repurchase and the next NPS answer within this many days.
    followup_days: int = 90


@dataclass(frozen=True)
class Policy:
    """A whole ``legame.toml``, validated. ``source`` is the file it came from (or None)."""

    values: tuple[str, ...]
    contact: ContactPolicy
    gratitude: GratitudePolicy
    ingest: IngestPolicy = field(default_factory=IngestPolicy)
    cases: CasesPolicy = field(default_factory=CasesPolicy)
    experiments: ExperimentsPolicy = field(default_factory=ExperimentsPolicy)
    #: The workspace's currency (ISO 4217): the one amounts are shown in.
    currency: str = "EUR"
    source: str | None = field(default=None, compare=False)


# --- the declared keys: type, default, bounds (one table gives every error one wording) ---


@dataclass(frozen=True)
class Key:
    """One scalar key: how its value is checked, its default, and its documentation."""

    check: Callable[[Any], Any]  # returns the parsed value or raises _Bad(requirement)
    default: Any
    doc: str = ""


class _Bad(Exception):
    """A value that does not meet its requirement (the message is the requirement)."""


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad("true or false")
    return value


def _whole(lo: int = 0, hi: int | None = None) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value < lo
            or (hi is not None and value > hi)
        ):
            raise _Bad(
                f"a whole number ≥ {lo}" if hi is None else f"a whole number from {lo} to {hi}"
            )
        return value

    return check


def _share(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise _Bad("a number from 0 up to (not including) 1")
    return float(value)


def _amount(value: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise _Bad("a number ≥ 0")
    return float(value)


def _clock(value: Any) -> time:
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if not match:
        raise _Bad('a 24-hour clock time "HH:MM", such as "21:00"')
    return time(int(match[1]), int(match[2]))


def _zone(value: Any) -> str:
    if not isinstance(value, str) or not valid_zone(value):
        raise _Bad('an IANA time zone such as "Europe/Rome"')
    return value


def _texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _Bad("a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _values(value: Any) -> tuple[str, ...]:
    texts = _texts(value)
    if len(texts) > MAX_VALUES:
        raise _Bad(f"a list of at most {MAX_VALUES} values (it has {len(texts)})")
    longest = max(texts, key=len, default="")
    if len(longest) > MAX_VALUE_CHARS:
        raise _Bad(
            f"a list of values of at most {MAX_VALUE_CHARS} characters each "
            f"(one has {len(longest):,})"
        )
    return texts


def _channels(value: Any) -> tuple[str, ...]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, str) and _CHANNEL.match(v) for v in value)
    ):
        raise _Bad('a non-empty list of lower-case channel names, such as ["email", "sms"]')
    if ALL_CHANNELS in value:
        raise _Bad(f"a list of channel names without {ALL_CHANNELS!r} (it means every channel)")
    if len(set(value)) != len(value):
        raise _Bad("a list of channel names without repeats")
    return tuple(value)


def _consent_channels(value: Any) -> bool | tuple[str, ...]:
    if isinstance(value, bool):
        return value
    if isinstance(value, list) and all(isinstance(v, str) and _CHANNEL.match(v) for v in value):
        return tuple(value)
    raise _Bad('true, false, or a list of channel names such as ["email", "sms"]')


_DURATION = re.compile(r"^([0-9]+)\s*([dhm])$")


def _duration(value: Any) -> timedelta:
    match = _DURATION.match(value.strip()) if isinstance(value, str) else None
    size = {"d": 1440, "h": 60, "m": 1}[match[2]] * int(match[1]) if match else -1
    if not match or size > MAX_DAYS * 1440:
        raise _Bad(f'a duration such as "1d", "12h" or "30m" (at most {MAX_DAYS} days)')
    return timedelta(minutes=size)


def _one_of(*choices: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in choices:
            raise _Bad("one of " + ", ".join(f'"{c}"' for c in choices))
        return str(value)

    return check


_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value  # a TOML date: 2026-01-05
    if isinstance(value, str) and _DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _Bad('a date "YYYY-MM-DD", such as "2026-01-05"')


def _rate(value: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 <= value <= 1
    ):
        raise _Bad("a number from 0 to 1")
    return float(value)


def _name_or_all(value: Any) -> str:
    if not isinstance(value, str) or not _CHANNEL.match(value):
        raise _Bad(f'a lower-case channel name, such as "email", or "{ALL_CHANNELS}"')
    return value


def _ascending(value: Any) -> tuple[int, ...]:
    if (
        not isinstance(value, list)
        or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
        or sorted(set(value)) != value
    ):
        raise _Bad("a list of whole numbers > 0 in increasing order, such as [1, 3, 5]")
    return tuple(value)


def _currency(value: Any) -> str:
    from babel.numbers import list_currencies

    if not isinstance(value, str) or value not in list_currencies():
        raise _Bad('an ISO 4217 currency code in capitals, such as "EUR" or "USD"')
    return value


ROOT_KEYS: dict[str, Key] = {
    "values": Key(_values, (), "brand values, used by the message check"),
    "currency": Key(_currency, "EUR", "the currency amounts are shown in (ISO 4217)"),
}
CONTACT_KEYS: dict[str, Key] = {
    "channels": Key(
        _channels,
        ("email", "sms", "push", "phone", "post"),
        "the channels legame knows; any other name is refused as a typo",
    ),
    "require_consent": Key(
        _consent_channels, True, "marketing needs a recorded consent (true, false, or channels)"
    ),
}
QUIET_KEYS: dict[str, Key] = {
    "enabled": Key(_bool, True, "whether quiet hours apply"),
    "start": Key(_clock, time(21, 0), "start of the quiet hours, local wall-clock time"),
    "end": Key(_clock, time(8, 0), "end of the quiet hours, local wall-clock time"),
    "default_time_zone": Key(_zone, "Europe/Rome", "zone for customers without a valid one"),
}
COOLDOWN_KEYS: dict[str, Key] = {
    "after_complaint_days": Key(_whole(0, MAX_DAYS), 90, "no marketing anywhere after a complaint"),
    "after_unsubscribe_days": Key(_whole(0, MAX_DAYS), 365, "no marketing on a channel after it"),
    "while_ticket_open": Key(_bool, True, "no marketing while a support ticket is open"),
    "after_ticket_resolved_days": Key(_whole(0, MAX_DAYS), 3, "no marketing after a ticket"),
}
TRANSACTIONAL_KEYS: dict[str, Key] = {
    "exempt_from_caps": Key(_bool, True, "transactional sends skip the caps"),
    "exempt_from_quiet_hours": Key(_bool, True, "transactional sends skip the quiet hours"),
    "exempt_from_cooldowns": Key(_bool, True, "transactional sends skip the cooldowns"),
}
#: Default caps: channel -> {days: limit}.
DEFAULT_CAPS: dict[str, dict[int, int]] = {
    "email": {7: 2, 30: 6},
    "sms": {7: 1, 30: 3},
    "push": {7: 2},
    ALL_CHANNELS: {7: 3, 30: 8},
}
GRATITUDE_KEYS: dict[str, Key] = {
    "holdout_share": Key(_share, 0.1, "share of eligible customers randomly held out"),
    "seed": Key(_whole(), 20240601, "seed of the random holdout assignment"),
    "end": Key(_date, None, "the program's pre-registered end date (optional)"),
}
EXPERIMENTS_KEYS: dict[str, Key] = {
    "margin_rate": Key(_rate, 0.3, "the share of revenue that is margin"),
}
#: The keys of one ``[experiments.contact_tests.<name>]`` table, besides its ``arms``.
CONTACT_TEST_KEYS: dict[str, Key] = {
    "start": Key(_date, None, "the UTC date the arms start being enforced (required)"),
    "end": Key(_date, None, "the pre-registered end date, exclusive (optional)"),
    "seed": Key(_whole(), 1, "seed of the arm assignment"),
    "channel": Key(_name_or_all, ALL_CHANNELS, "whose marketing sends the arms cap"),
}
#: Arm shares must add up to 1 within this (three arms of 0.333, 0.333 and 0.334 do).
SHARE_TOLERANCE = 1e-3


def _trigger(**keys: Key) -> dict[str, Key]:
    """A trigger's keys: whether it is on, then its own parameters."""
    return {"enabled": Key(_bool, True, "whether the trigger proposes gestures"), **keys}


TRIGGER_KEYS: dict[str, dict[str, Key]] = {
    "fee_forgiveness": _trigger(
        fee_kinds=Key(_texts, ("late_fee",), "the charge kinds that can be forgiven"),
        min_tenure_days=Key(_whole(), 180, "customer for at least this many days ..."),
        min_orders=Key(_whole(), 3, "... with at least this many completed orders before it"),
        min_clv=Key(_amount, 0.0, "or a CLV at least this high (0: not used)"),
        max_amount=Key(_amount, 30.0, "forgive fees up to this amount"),
        max_per_year=Key(_whole(), 1, "at most this many forgiven fees a year per customer"),
        within_days=Key(_whole(1), 30, "act within this many days of the charge"),
    ),
    "service_recovery": _trigger(
        min_unresolved_days=Key(_whole(1), 3, "a ticket still open after this many days"),
        min_resolution_hours=Key(_whole(), 72, "or resolved after this many hours or more"),
        max_csat=Key(_whole(1, 5), 2, "or rated this or lower (1-5)"),
        min_effort=Key(_whole(1, 7), 6, "or cost this much effort or more (1-7)"),
        within_days=Key(_whole(1), 14, "act within this many days of the ticket"),
        cost=Key(_amount, 10.0, "what a recovery gesture costs"),
    ),
    "milestone_thanks": _trigger(
        tenure_years=Key(_ascending, (1, 3, 5, 10), "anniversaries to thank for"),
        order_counts=Key(_ascending, (5, 10, 25, 50, 100), "order counts to thank for"),
        within_days=Key(_whole(1), 30, "thank within this many days of the milestone"),
        cost=Key(_amount, 2.0, "what a thank-you costs"),
    ),
    "referral_thanks": _trigger(
        within_days=Key(_whole(1), 30, "thank within this many days of the referral"),
        cost=Key(_amount, 5.0, "what a thank-you for a referral costs"),
    ),
    "detractor_callback": _trigger(
        max_nps=Key(_whole(0, 10), 6, "NPS answers this low are detractors (0-6)"),
        within_days=Key(_whole(1), 7, "call back within this many days of the answer"),
        cost=Key(_amount, 8.0, "what a call costs (a person's time)"),
    ),
}
INGEST_KEYS: dict[str, Key] = {
    "future_tolerance": Key(
        _duration, timedelta(days=1), "timestamps later than the import time plus this are rejected"
    ),
    "customer_id_case": Key(
        _one_of("preserve", "lower", "upper"),
        "preserve",
        "customer ids keep their case, or are folded to lower or upper",
    ),
}
CASES_KEYS: dict[str, Key] = {
    "detractor_sla_hours": Key(
        _whole(1, MAX_DAYS * 24), 48, "first contact due this many hours after a detractor case"
    ),
    "poor_service_sla_hours": Key(
        _whole(1, MAX_DAYS * 24), 24, "first contact due this many hours after a poor-service case"
    ),
    "lookback_days": Key(
        _whole(1, MAX_DAYS), 30, "only answers and tickets of the last this-many days open cases"
    ),
    "callback_quiet_hours": Key(_bool, True, "call-backs respect the quiet hours"),
    "followup_days": Key(
        _whole(1, MAX_DAYS), 90, "the call-back's effect: repurchase and next NPS within this"
    ),
}
_SECTIONS = ("quiet_hours", "cooldown", "transactional", "caps")


def key_paths() -> list[str]:
    """Every key of the policy file as ``section.key`` (what ``docs/policy.md`` documents)."""
    paths = list(ROOT_KEYS)
    paths += [f"contact.{k}" for k in CONTACT_KEYS]
    paths += ["contact.caps"]
    paths += [f"contact.quiet_hours.{k}" for k in QUIET_KEYS]
    paths += [f"contact.cooldown.{k}" for k in COOLDOWN_KEYS]
    paths += [f"contact.transactional.{k}" for k in TRANSACTIONAL_KEYS]
    paths += [f"gratitude.{k}" for k in GRATITUDE_KEYS]
    for name, keys in TRIGGER_KEYS.items():
        paths += [f"gratitude.triggers.{name}.{k}" for k in keys]
    paths += [f"ingest.{k}" for k in INGEST_KEYS]
    paths += [f"cases.{k}" for k in CASES_KEYS]
    paths += [f"experiments.{k}" for k in EXPERIMENTS_KEYS]
    paths += ["experiments.contact_tests"]
    return paths


# --- reading -----------------------------------------------------------------------------


class _Reader:
    """Walks the parsed TOML against the declared keys, naming the file in every error."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, section: str, key: str, text: str) -> InputError:
        where = f"[{section}] " if section else ""
        return InputError(f"{self.file}: {where}{key} {text}")

    def bad(self, section: str, key: str, requirement: str, value: Any) -> InputError:
        return self.fail(section, key, f"must be {requirement}; got {_show(value)}")

    def table(self, data: Mapping[str, Any], section: str, key: str) -> Mapping[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.bad(section, key, f"a table ([{_join(section, key)}])", value)
        return value

    def only(self, data: Mapping[str, Any], section: str, known: list[str]) -> None:
        for key in data:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise self.fail(
                    section,
                    repr(key),
                    f"is not a policy key; {hint}the keys here are: {', '.join(known)}.",
                )

    def scalars(
        self, data: Mapping[str, Any], section: str, keys: dict[str, Key]
    ) -> dict[str, Any]:
        out = {}
        for name, spec in keys.items():
            if name not in data:
                out[name] = spec.default
                continue
            try:
                out[name] = spec.check(data[name])
            except _Bad as exc:
                raise self.bad(section, name, str(exc), data[name]) from None
        return out


def _join(section: str, key: str) -> str:
    return f"{section}.{key}" if section else key


def _show(value: Any, limit: int = 80) -> str:
    """A value as the TOML user wrote it: strings quoted, booleans lower-case; cut at
    ``limit`` characters so that a message stays one readable line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, date | time):
        return value.isoformat()
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def valid_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone known to this system."""
    if not name or name != name.strip():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _contact(r: _Reader, data: Mapping[str, Any]) -> ContactPolicy:
    r.only(data, "contact", [*CONTACT_KEYS, *_SECTIONS])
    top = r.scalars(data, "contact", CONTACT_KEYS)
    channels: tuple[str, ...] = top["channels"]
    consent = top["require_consent"]
    if consent is True:
        consent = channels
    elif consent is False:
        consent = ()
    else:
        _known_channels(r, "contact", "require_consent", consent, channels)
    quiet = _sub(r, data, "quiet_hours", QUIET_KEYS)
    if quiet["start"] == quiet["end"]:
        raise r.fail(
            "contact.quiet_hours",
            "end",
            f"must differ from start (both are {quiet['end']:%H:%M}); "
            "to turn quiet hours off, set enabled = false",
        )
    return ContactPolicy(
        channels=channels,
        require_consent=tuple(consent),
        caps=_caps(r, data, channels),
        quiet_hours=QuietHours(**quiet),
        cooldown=Cooldowns(**_sub(r, data, "cooldown", COOLDOWN_KEYS)),
        transactional=TransactionalExemptions(**_sub(r, data, "transactional", TRANSACTIONAL_KEYS)),
    )


def _sub(r: _Reader, data: Mapping[str, Any], name: str, keys: dict[str, Key]) -> dict[str, Any]:
    table = r.table(data, "contact", name)
    r.only(table, f"contact.{name}", list(keys))
    return r.scalars(table, f"contact.{name}", keys)


def _known_channels(
    r: _Reader, section: str, key: str, names: tuple[str, ...], channels: tuple[str, ...]
) -> None:
    for name in names:
        if name not in channels:
            raise r.fail(
                section,
                key,
                f"names the channel {name!r}, which is not in [contact] "
                f"channels ({', '.join(channels)}); add it there or fix the name",
            )


def _caps(r: _Reader, data: Mapping[str, Any], channels: tuple[str, ...]) -> tuple[Cap, ...]:
    section = "contact.caps"
    if "caps" not in data:
        return tuple(
            sorted(
                (
                    Cap(ch, days, limit)
                    for ch, windows in DEFAULT_CAPS.items()
                    for days, limit in windows.items()
                    if ch == ALL_CHANNELS or ch in channels
                ),
                key=lambda c: (c.channel, c.days),
            )
        )
    table = r.table(data, "contact", "caps")
    caps: list[Cap] = []
    for channel, windows in table.items():
        if channel != ALL_CHANNELS and channel not in channels:
            known = [*channels, ALL_CHANNELS]
            close = difflib.get_close_matches(channel, known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise r.fail(
                section,
                repr(channel),
                f"is not a channel; {hint}the caps are set per "
                f"channel of [contact] channels ({', '.join(channels)}) or for "
                f"{ALL_CHANNELS!r} (every channel together).",
            )
        if not isinstance(windows, dict):
            raise r.bad(
                section,
                channel,
                "a table of windows such as { per_7_days = 2, per_30_days = 6 }",
                windows,
            )
        for window, limit in windows.items():
            match = _WINDOW.match(window)
            if not match:
                raise r.fail(
                    section,
                    f"{channel}.{window}",
                    "is not a cap window; write "
                    "per_N_days (N a whole number of days ≥ 1), such as per_7_days",
                )
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
                raise r.bad(section, f"{channel}.{window}", "a whole number ≥ 0", limit)
            days = int(match[1])
            if days > MAX_DAYS:
                raise r.fail(section, f"{channel}.{window}", f"is longer than {MAX_DAYS} days")
            if any(c.channel == channel and c.days == days for c in caps):
                raise r.fail(section, f"{channel}.{window}", f"repeats the {days}-day window")
            caps.append(Cap(channel, days, limit))
    return tuple(sorted(caps, key=lambda c: (c.channel, c.days)))


def _gratitude(r: _Reader, data: Mapping[str, Any]) -> GratitudePolicy:
    r.only(data, "gratitude", [*GRATITUDE_KEYS, "triggers"])
    top = r.scalars(data, "gratitude", GRATITUDE_KEYS)
    table = r.table(data, "gratitude", "triggers")
    r.only(table, "gratitude.triggers", list(TRIGGER_KEYS))
    triggers = []
    for name, keys in TRIGGER_KEYS.items():
        section = f"gratitude.triggers.{name}"
        given = r.table(table, "gratitude.triggers", name)
        r.only(given, section, list(keys))
        values = r.scalars(given, section, keys)
        enabled = values.pop("enabled")
        triggers.append(GratitudeTrigger(name, enabled, tuple(values.items())))
    return GratitudePolicy(top["holdout_share"], top["seed"], tuple(triggers), top["end"])


def _experiments(
    r: _Reader, data: Mapping[str, Any], channels: tuple[str, ...]
) -> ExperimentsPolicy:
    r.only(data, "experiments", [*EXPERIMENTS_KEYS, "contact_tests"])
    top = r.scalars(data, "experiments", EXPERIMENTS_KEYS)
    table = r.table(data, "experiments", "contact_tests")
    tests = tuple(_contact_test(r, name, table[name], channels) for name in table)
    return ExperimentsPolicy(top["margin_rate"], tests)


def _contact_test(r: _Reader, name: str, given: Any, channels: tuple[str, ...]) -> ContactTest:
    parent = "experiments.contact_tests"
    if not _CHANNEL.match(name):
        raise r.fail(
            parent,
            repr(name),
            "is not a test name; write lower-case letters, digits, _ and -, starting "
            "with a letter, such as weekly_cap",
        )
    section = f"{parent}.{name}"
    if not isinstance(given, dict):
        raise r.bad(parent, name, f"a table ([{section}])", given)
    r.only(given, section, [*CONTACT_TEST_KEYS, "arms"])
    if "start" not in given:
        raise r.fail(
            section,
            "start",
            'is required: the UTC date the arms start being enforced, such as "2026-01-05"',
        )
    values = r.scalars(given, section, CONTACT_TEST_KEYS)
    start, end, channel = values["start"], values["end"], values["channel"]
    if end is not None and end <= start:
        raise r.fail(section, "end", f"must be after start ({start}); got {_show(given['end'])}")
    if channel != ALL_CHANNELS and channel not in channels:
        raise r.fail(
            section,
            "channel",
            f"names the channel {channel!r}, which is not in [contact] channels "
            f"({', '.join(channels)}); write one of them, or {ALL_CHANNELS!r} for every channel",
        )
    arms = _arms(r, section, given, channel)
    return ContactTest(name, start, end, values["seed"], channel, arms)


def _arms(r: _Reader, section: str, given: Mapping[str, Any], channel: str) -> tuple[TestArm, ...]:
    example = "such as arms.low = { share = 0.5, per_7_days = 2 }"
    if "arms" not in given:
        raise r.fail(section, "arms", f"is required: at least 2 arms, {example}")
    table = r.table(given, section, "arms")
    if len(table) < 2:
        raise r.fail(section, "arms", f"must hold at least 2 arms to compare; got {len(table)}")
    arms = []
    for name, arm in table.items():
        key = f"arms.{name}"
        if not _CHANNEL.match(name):
            raise r.fail(
                section,
                repr(key),
                "is not an arm name; write lower-case letters, digits, _ and -, starting "
                "with a letter, such as low",
            )
        if not isinstance(arm, dict):
            raise r.bad(section, key, "a table such as { share = 0.5, per_7_days = 2 }", arm)
        if "share" not in arm:
            raise r.fail(section, f"{key}.share", "is required: the arm's share of customers")
        share = arm["share"]
        if (
            isinstance(share, bool)
            or not isinstance(share, int | float)
            or not 0 < share <= 1
            or not math.isfinite(share)
        ):
            raise r.bad(section, f"{key}.share", "a number > 0 and at most 1", share)
        caps = [
            _arm_cap(r, section, f"{key}.{window}", channel, window, limit)
            for window, limit in arm.items()
            if window != "share"
        ]
        days = [c.days for c in caps]
        for cap in caps:
            if days.count(cap.days) > 1:
                raise r.fail(section, key, f"repeats the {cap.days}-day window")
        if not caps:
            raise r.fail(section, key, "has no cap; give it one or more, such as per_7_days = 2")
        arms.append(TestArm(name, float(share), tuple(sorted(caps, key=lambda c: c.days))))
    total = sum(arm.share for arm in arms)
    if abs(total - 1) > SHARE_TOLERANCE:
        raise r.fail(
            section, "arms", f"must have shares that add up to 1; they add up to {total:g}"
        )
    return tuple(arms)


def _arm_cap(r: _Reader, section: str, key: str, channel: str, window: str, limit: Any) -> Cap:
    """One ``per_<D>_days = N`` cap of an arm."""
    match = _WINDOW.match(window)
    if not match:
        raise r.fail(
            section,
            key,
            "is not an arm key; an arm has a share and caps written per_N_days = limit "
            "(N a whole number of days ≥ 1), such as per_7_days = 2",
        )
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise r.bad(section, key, "a whole number ≥ 0", limit)
    days = int(match[1])
    if days > MAX_DAYS:
        raise r.fail(section, key, f"is longer than {MAX_DAYS} days")
    return Cap(channel, days, limit)


def parse_policy(data: Mapping[str, Any], *, file: str = POLICY_FILE) -> Policy:
    """Validate parsed TOML (a dict) into a :class:`Policy`; errors name ``file``."""
    r = _Reader(file)
    r.only(data, "", [*ROOT_KEYS, "contact", "gratitude", "ingest", "cases", "experiments"])
    top = r.scalars(data, "", ROOT_KEYS)
    contact = _contact(r, r.table(data, "", "contact"))
    return Policy(
        values=top["values"],
        currency=top["currency"],
        contact=contact,
        gratitude=_gratitude(r, r.table(data, "", "gratitude")),
        ingest=_ingest(r, r.table(data, "", "ingest")),
        cases=_cases(r, r.table(data, "", "cases")),
        experiments=_experiments(r, r.table(data, "", "experiments"), contact.channels),
    )


def _cases(r: _Reader, data: Mapping[str, Any]) -> CasesPolicy:
    r.only(data, "cases", list(CASES_KEYS))
    return CasesPolicy(**r.scalars(data, "cases", CASES_KEYS))


def _ingest(r: _Reader, data: Mapping[str, Any]) -> IngestPolicy:
    r.only(data, "ingest", list(INGEST_KEYS))
    return IngestPolicy(**r.scalars(data, "ingest", INGEST_KEYS))


# Where a string starting with each quote ends (from just after the opening quote), so the
# nesting check skips brackets inside strings. Each is anchored and linear in the string.
_STRING_ENDS = {
    '"""': re.compile(r'(?:[^"\\]|\\.|"(?!""))*"""(?:""?)?', re.DOTALL),
    "'''": re.compile(r"(?:[^']|'(?!''))*'''(?:''?)?"),
    '"': re.compile(r'(?:[^"\\\n]|\\.)*"'),
    "'": re.compile(r"[^'\n]*'"),
}
_SPECIAL = re.compile(r"[\"'#\[\]{}.\n]")


def _too_deep(text: str, limit: int) -> tuple[int, str] | None:
    """Where (line, what) the text first nests deeper than ``limit``, else None.

    Two kinds of nesting: arrays and inline tables (brackets), and dotted keys (dots on one
    line: ``a.b.c = 1``; a valid policy line never holds more than ``limit`` dots, since no
    key takes a list of decimals). One pass over the text, skipping strings and comments.
    Text that is not valid TOML (an unterminated string) stops the scan: the parser then
    names the line.
    """
    depth = dots = 0
    pos = 0
    while found := _SPECIAL.search(text, pos):
        char, pos = found[0], found.end()
        if char in "[{":
            depth += 1
            if depth > limit:
                return text.count("\n", 0, found.start()) + 1, "arrays or inline tables nest"
        elif char in "]}":
            depth = max(depth - 1, 0)
        elif char == "\n":
            dots = 0
        elif char == ".":
            dots += 1
            if dots > limit:
                return text.count("\n", 0, found.start()) + 1, "dotted keys nest"
        elif char == "#":
            pos = text.find("\n", pos)
            if pos < 0:
                return None
        else:
            quote = char * 3 if text.startswith(char * 3, found.start()) else char
            end = _STRING_ENDS[quote].match(text, found.start() + len(quote))
            if end is None:
                return None
            pos = end.end()
    return None


def check_toml_text(text: str, *, file: str, max_chars: int = MAX_POLICY_CHARS) -> None:
    """Refuse TOML text longer than ``max_chars`` or nested deeper than :data:`MAX_TOML_DEPTH`.

    Run before parsing: ``tomllib`` recurses once per level and a file nested thousands deep
    would exhaust it. Raises :class:`~legame.errors.InputError` naming ``file`` (and the line).
    """
    if len(text) > max_chars:
        raise InputError(
            f"{file}: the file has {len(text):,} characters, more than the limit "
            f"of {max_chars:,}; keep only the keys legame reads."
        )
    deep = _too_deep(text, MAX_TOML_DEPTH)
    if deep is not None:
        line, what = deep
        raise InputError(
            f"{file}: line {line}: {what} more than {MAX_TOML_DEPTH} deep; "
            "no legame file needs more than three: fix that line."
        )


def parse_policy_text(text: str, *, file: str = POLICY_FILE) -> Policy:
    """Check, parse and validate the text of a policy file; errors name ``file``.

    Nothing is written: ``PUT /api/v1/policy`` validates with this before touching the file.
    """
    check_toml_text(text, file=file)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{file}: not valid TOML: {exc}. Fix the line it names.") from None
    except RecursionError:  # the depth check prevents it; still never a traceback
        raise InputError(
            f"{file}: arrays or inline tables nest too deep to read; "
            f"keep them under {MAX_TOML_DEPTH} levels."
        ) from None
    return parse_policy(data, file=file)


def load_policy(path: str | os.PathLike[str] | None = None) -> Policy:
    """The policy in ``path``; the defaults when ``path`` is None or the file does not exist."""
    if path is None or not Path(path).exists():
        return parse_policy({})
    file = str(path)
    try:
        with Path(path).open("rb") as fh:
            raw = fh.read(4 * MAX_POLICY_CHARS + 1)  # UTF-8 takes at most 4 bytes a character
        text = raw.decode("utf-8") if len(raw) <= 4 * MAX_POLICY_CHARS else None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{file}: cannot read the policy file: {exc}") from None
    if text is None:
        raise InputError(
            f"{file}: the file is larger than {4 * MAX_POLICY_CHARS:,} bytes, "
            f"more than the limit of {MAX_POLICY_CHARS:,} characters; keep only "
            "the keys legame reads."
        )
    return replace(parse_policy_text(text, file=file), source=file)


DEFAULT_POLICY: Policy = load_policy(None)


def policy_path_for(db_path: str | os.PathLike[str]) -> Path:
    """Where a workspace's policy file lives: ``legame.toml`` beside its DuckDB file."""
    return Path(db_path).parent / POLICY_FILE


def default_policy_text() -> str:
    """The commented ``legame.toml`` that ``legame init`` writes (every key at its default)."""
    return resources.files("legame").joinpath(_DEFAULT_TEMPLATE).read_text("utf-8")


def write_default_policy(folder: str | os.PathLike[str]) -> Path:
    """Write the commented default ``legame.toml`` into ``folder`` unless one exists.

    Returns the policy file's path either way; an existing file is never overwritten.
    """
    path = Path(folder) / POLICY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8", newline="\n") as fh:
            fh.write(default_policy_text())
    except FileExistsError:
        pass
    return path


def write_policy_text(path: str | os.PathLike[str], text: str) -> Path:
    """Validate ``text`` as a policy, then put it at ``path`` atomically.

    Nothing is written unless the text validates (:func:`parse_policy_text` raises
    :class:`~legame.errors.InputError` first). The text goes to a temporary file beside
    ``path``, is flushed to disk, and replaces ``path`` in one rename: a reader sees the
    old file or the new one, never half of one, and a failure leaves no file behind.
    """
    target = Path(path)
    parse_policy_text(text, file=target.name)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
