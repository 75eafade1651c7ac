"""The contact rules, evaluated for one customer and channel at any instant.

:class:`History` holds what the log says about the customer (fetched in one query by the
governor); :func:`evaluate` lists the reasons a send at ``t`` is blocked, in rule order;
:func:`next_allowed` walks forward from ``at`` to the first instant with no reason.

The same rules run set-based in ``legame/sql/governor/plan.sql``; a test checks that both
agree. Windows are half-open on the past side: a send at ``s`` counts against a D-day cap
at ``t`` when ``t - D < s <= t``, so its slot frees exactly D days later. A cooldown of D
days after an event at ``e`` blocks ``e <= t < e + D``.

Two more sources add reasons to marketing sends, never remove one, so each only makes the
policy tighter: the caps of the customer's arm in every contact test running at ``t``
(``[experiments.contact_tests]``; skipped by a transactional send the policy exempts from
caps), and the customer's own contact preferences (the latest ``contact_preferences`` row
saved at or before ``t``; never applied to transactional sends): stop, channels kept, a
pause, at most so many sends a week or a month, own quiet hours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from legame.engage.governor import messages as m
from legame.engage.governor.clock import quiet_state, zone_for
from legame.engage.governor.decision import Reason
from legame.policy import ALL_CHANNELS, ContactPolicy, ContactTest, QuietHours, TestArm

#: The windows of a customer's ``max_per_week`` and ``max_per_month``, in days.
WEEK_DAYS, MONTH_DAYS = 7, 30
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


@dataclass(frozen=True)
class Preference:
    """One saved set of a customer's contact preferences (a ``contact_preferences`` row)."""

    at: datetime
    channels: tuple[str, ...] | None = None  # kept for marketing; None: every channel
    max_per_week: int | None = None
    max_per_month: int | None = None
    quiet_start: str | None = None  # "HH:MM" in the customer's time zone
    quiet_end: str | None = None
    paused_until: datetime | None = None
    stopped: bool = False

    def limits(self) -> list[tuple[int, int]]:
        """The customer's own caps as ``(days, limit)``, the week's first."""
        given = ((WEEK_DAYS, self.max_per_week), (MONTH_DAYS, self.max_per_month))
        return [(days, limit) for days, limit in given if limit is not None]


def own_quiet_hours(start: str | None, end: str | None, default_zone: str) -> QuietHours | None:
    """A customer's own quiet hours from their ``HH:MM`` choices (None: not chosen, or not
    readable, or starting and ending at the same minute)."""
    clocks = [_CLOCK.match(v) if isinstance(v, str) else None for v in (start, end)]
    if clocks[0] is None or clocks[1] is None:
        return None
    first, last = (time(int(c[1]), int(c[2])) for c in clocks if c is not None)
    if first == last:
        return None
    return QuietHours(True, first, last, default_zone)


@dataclass
class History:
    """One customer's log as the rules need it, for sends on ``channel``."""

    channel: str
    sends: list[tuple[datetime, str]] = field(default_factory=list)  # (sent_at, channel)
    complaints: list[datetime] = field(default_factory=list)  # any channel
    unsubscribes: list[datetime] = field(default_factory=list)  # on ``channel``
    consents: list[tuple[datetime, str]] = field(default_factory=list)  # on ``channel``
    tickets: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    time_zone: str | None = None
    known: bool = False  # the customer is in ``customers``
    #: The customer's arm in each contact test whose caps a send on ``channel`` counts
    #: against (running or not: :meth:`ContactTest.active` says when).
    tests: list[tuple[ContactTest, TestArm]] = field(default_factory=list)
    preferences: list[Preference] = field(default_factory=list)  # by ``at``

    def sort(self) -> History:
        self.sends.sort()
        self.complaints.sort()
        self.unsubscribes.sort()
        self.consents.sort()
        self.tickets.sort(key=lambda tk: tk[0])
        self.preferences.sort(key=lambda pref: pref.at)
        return self

    def preference_at(self, t: datetime) -> tuple[Preference | None, datetime | None]:
        """The preferences in force at ``t`` (the latest saved at or before it), and when
        the next ones were saved (None: no later row)."""
        current = None
        for pref in self.preferences:
            if pref.at > t:
                return current, pref.at
            current = pref
        return current, None


def _when(instant: datetime) -> str:
    return instant.strftime(m.WHEN)


def _days(n: int) -> timedelta:
    return timedelta(days=n)


def _next_grant(h: History, t: datetime) -> datetime | None:
    return next((at for at, status in h.consents if at > t and status == "granted"), None)


def consent_reason(p: ContactPolicy, h: History, t: datetime, transactional: bool) -> Reason | None:
    """Withdrawn consent blocks everything; no consent blocks marketing where required."""
    latest = None
    for at, status in h.consents:
        if at > t:
            break
        latest = (at, status)
    if latest is not None and latest[1] == "withdrawn":
        return Reason(
            "consent",
            m.CONSENT_WITHDRAWN.format(h.channel, _when(latest[0])),
            _next_grant(h, t),
            "consent_withdrawn",
            {"channel": h.channel, "at": latest[0]},
        )
    if latest is None and not transactional and h.channel in p.require_consent:
        return Reason(
            "consent",
            m.CONSENT_MISSING.format(h.channel),
            _next_grant(h, t),
            "consent_missing",
            {"channel": h.channel},
        )
    return None


def cooldown_reasons(p: ContactPolicy, h: History, t: datetime) -> list[Reason]:
    """After a complaint (every channel), an unsubscribe (its channel), and around tickets."""
    c = p.cooldown
    out = []
    if c.after_complaint_days:
        active = [e for e in h.complaints if e <= t < e + _days(c.after_complaint_days)]
        if active:
            last = active[-1]
            out.append(
                Reason(
                    "cooldown",
                    m.COMPLAINT.format(_when(last), c.after_complaint_days),
                    last + _days(c.after_complaint_days),
                    "complaint",
                    {"at": last, "days": c.after_complaint_days},
                )
            )
    if c.after_unsubscribe_days:
        active = [e for e in h.unsubscribes if e <= t < e + _days(c.after_unsubscribe_days)]
        granted = [at for at, status in h.consents if at <= t and status == "granted"]
        if active and not (granted and granted[-1] > active[-1]):
            last = active[-1]
            until = last + _days(c.after_unsubscribe_days)
            grant = _next_grant(h, t)
            out.append(
                Reason(
                    "cooldown",
                    m.UNSUBSCRIBE.format(h.channel, _when(last), c.after_unsubscribe_days),
                    until if grant is None else min(until, grant),
                    "unsubscribe",
                    {"channel": h.channel, "at": last, "days": c.after_unsubscribe_days},
                )
            )
    ticket = _ticket_reason(p, h, t)
    if ticket is not None:
        out.append(ticket)
    return out


def _ticket_reason(p: ContactPolicy, h: History, t: datetime) -> Reason | None:
    days = p.cooldown.after_ticket_resolved_days
    open_ = [(o, r) for o, r in h.tickets if o <= t and (r is None or r > t)]
    if p.cooldown.while_ticket_open and open_:
        ends = [r for _, r in open_]
        until = None if any(r is None for r in ends) else max(r for r in ends if r) + _days(days)
        since = open_[0][0]
        return Reason(
            "cooldown", m.TICKET_OPEN.format(_when(since)), until, "ticket_open", {"since": since}
        )
    resolved = [r for o, r in h.tickets if o <= t and r is not None and r <= t < r + _days(days)]
    if days and resolved:
        last = max(resolved)
        return Reason(
            "cooldown",
            m.TICKET_RESOLVED.format(_when(last), days),
            last + _days(days),
            "ticket_resolved",
            {"at": last, "days": days},
        )
    return None


def _inside(h: History, t: datetime, days: int, channel: str) -> list[datetime]:
    """The sends a ``days``-day window at ``t`` holds, on ``channel`` or on every channel."""
    start = t - _days(days)
    return [s for s, ch in h.sends if start < s <= t and channel in (ALL_CHANNELS, ch)]


def _first(*instants: datetime | None) -> datetime | None:
    """The earliest of the instants given (None when none is)."""
    given = [i for i in instants if i is not None]
    return min(given) if given else None


def cap_reasons(p: ContactPolicy, h: History, t: datetime) -> list[Reason]:
    """Every cap (the channel's own, then across channels) that a send at ``t`` would break."""
    out = []
    for cap in p.caps_for(h.channel):
        label = m.channel_label(cap.channel)
        if cap.limit == 0:
            out.append(
                Reason(
                    "cap",
                    m.CAP_ZERO.format(label, cap.days),
                    None,
                    "cap_zero",
                    {"channel": cap.channel, "days": cap.days},
                )
            )
            continue
        inside = _inside(h, t, cap.days, cap.channel)
        if len(inside) >= cap.limit:
            out.append(
                Reason(
                    "cap",
                    m.CAP.format(len(inside), label, cap.days, cap.limit),
                    inside[len(inside) - cap.limit] + _days(cap.days),
                    "cap",
                    {
                        "channel": cap.channel,
                        "sends": len(inside),
                        "days": cap.days,
                        "limit": cap.limit,
                    },
                )
            )
    return out


def experiment_reasons(h: History, t: datetime) -> list[Reason]:
    """Every cap of the customer's arm, in each contact test running at ``t``, that a send
    at ``t`` would break. A cap lifts when its window frees a slot or the test ends."""
    out = []
    for test, arm in h.tests:
        if not test.active(t):
            continue
        for cap in arm.caps:
            inside = _inside(h, t, cap.days, cap.channel)
            if len(inside) < cap.limit:
                continue
            lifts = inside[len(inside) - cap.limit] + _days(cap.days) if cap.limit else None
            out.append(
                Reason(
                    "experiment",
                    m.TEST_CAP.format(
                        len(inside),
                        m.channel_label(cap.channel),
                        cap.days,
                        cap.limit,
                        arm.name,
                        test.name,
                    ),
                    _first(lifts, test.ends_at),
                    "test_cap",
                    {
                        "test": test.name,
                        "arm": arm.name,
                        "channel": cap.channel,
                        "sends": len(inside),
                        "days": cap.days,
                        "limit": cap.limit,
                    },
                )
            )
    return out


def preference_reasons(p: ContactPolicy, h: History, t: datetime) -> list[Reason]:
    """What the customer's own preferences in force at ``t`` block: everything (stop), this
    channel (not among those kept), until a date (pause), past their own caps (every
    channel counted), or at their own quiet hours. Each lifts, at the latest, when the
    customer saves new preferences."""
    pref, change = h.preference_at(t)
    if pref is None:
        return []
    out = []
    if pref.stopped:
        out.append(
            Reason(
                "preference",
                m.PREFERENCE_STOP.format(_when(pref.at)),
                change,
                "preference_stop",
                {"at": pref.at},
            )
        )
    if pref.channels is not None and h.channel not in pref.channels:
        out.append(
            Reason(
                "preference",
                m.PREFERENCE_CHANNEL.format(h.channel, _when(pref.at)),
                change,
                "preference_channel",
                {"channel": h.channel, "at": pref.at},
            )
        )
    if pref.paused_until is not None and pref.paused_until > t:
        out.append(
            Reason(
                "preference",
                m.PREFERENCE_PAUSE.format(_when(pref.paused_until)),
                _first(pref.paused_until, change),
                "preference_pause",
                {"at": pref.at, "until": pref.paused_until},
            )
        )
    for days, limit in pref.limits():
        inside = _inside(h, t, days, ALL_CHANNELS)
        if len(inside) < limit:
            continue
        lifts = inside[len(inside) - limit] + _days(days) if limit > 0 else None
        out.append(
            Reason(
                "preference",
                m.PREFERENCE_CAP.format(len(inside), days, limit),
                _first(lifts, change),
                "preference_cap",
                {"channel": ALL_CHANNELS, "sends": len(inside), "days": days, "limit": limit},
            )
        )
    quiet = _own_quiet_reason(p, h, t, pref, change)
    if quiet is not None:
        out.append(quiet)
    return out


def _own_quiet_reason(
    p: ContactPolicy, h: History, t: datetime, pref: Preference, change: datetime | None
) -> Reason | None:
    default = p.quiet_hours.default_time_zone
    own = own_quiet_hours(pref.quiet_start, pref.quiet_end, default)
    if own is None:
        return None
    state = quiet_state(own, zone_for(h.time_zone, default), t)
    if state.until is None:
        return None
    start, end, local = f"{own.start:%H:%M}", f"{own.end:%H:%M}", f"{state.local:%H:%M}"
    return Reason(
        "preference",
        m.PREFERENCE_QUIET.format(start, end, state.zone, local),
        _first(state.until, change),
        "preference_quiet",
        {"start": start, "end": end, "zone": state.zone, "local": local},
    )


def quiet_reason(p: ContactPolicy, h: History, t: datetime) -> Reason | None:
    """Quiet hours in the customer's own time zone (the policy's default if none or invalid)."""
    q = p.quiet_hours
    if not q.enabled:
        return None
    state = quiet_state(q, zone_for(h.time_zone, q.default_time_zone), t)
    if state.until is None:
        return None
    start, end, local = f"{q.start:%H:%M}", f"{q.end:%H:%M}", f"{state.local:%H:%M}"
    return Reason(
        "quiet_hours",
        m.QUIET.format(start, end, state.zone, local),
        state.until,
        "quiet_hours",
        {"start": start, "end": end, "zone": state.zone, "local": local},
    )


def evaluate(p: ContactPolicy, h: History, t: datetime, *, transactional: bool) -> list[Reason]:
    """Every reason a send at ``t`` is blocked, in rule order (empty: allowed)."""
    exempt = p.transactional
    reasons: list[Reason] = []
    consent = consent_reason(p, h, t, transactional)
    if consent is not None:
        reasons.append(consent)
    if not transactional:
        reasons += preference_reasons(p, h, t)
    if not (transactional and exempt.exempt_from_cooldowns):
        reasons += cooldown_reasons(p, h, t)
    if not (transactional and exempt.exempt_from_caps):
        reasons += cap_reasons(p, h, t)
        reasons += experiment_reasons(h, t)
    if not (transactional and exempt.exempt_from_quiet_hours):
        quiet = quiet_reason(p, h, t)
        if quiet is not None:
            reasons.append(quiet)
    return reasons


def next_allowed(
    p: ContactPolicy, h: History, at: datetime, reasons: list[Reason], *, transactional: bool
) -> datetime | None:
    """The earliest instant at or after ``at`` with no blocking reason (None: never).

    Each reason's ``until`` is no later than the moment its rule really lifts, and every
    instant before the latest ``until`` is still blocked by that reason, so jumping there
    skips no allowed instant; the rules are evaluated again, because another rule (quiet
    hours that start again, a send logged later) may block then. Every jump moves forward
    and the log is finite, so the walk ends: the only rules that come back forever are the
    policy's quiet hours and the customer's own, and when the two together cover the whole
    day no instant is allowed until the customer's preferences change, so the walk goes
    straight there (or answers None).
    """
    t = at
    while reasons:
        if any(r.until is None for r in reasons):
            return None
        t = max(r.until for r in reasons if r.until is not None)
        if not transactional and _quiet_all_day(p, h, t):
            change = h.preference_at(t)[1]
            if change is None:
                return None
            t = change
        reasons = evaluate(p, h, t, transactional=transactional)
    return t


def _quiet_all_day(p: ContactPolicy, h: History, t: datetime) -> bool:
    """Whether the policy's quiet hours and the customer's own (in force at ``t``), both in
    the customer's zone, leave no minute of the day free. Each is a half-open span of the
    clock, so the free time, if any, starts where one of them ends: the day is covered when
    each one's end falls inside the other."""
    policy = p.quiet_hours
    pref = h.preference_at(t)[0]
    if not policy.enabled or pref is None:
        return False
    own = own_quiet_hours(pref.quiet_start, pref.quiet_end, policy.default_time_zone)
    return own is not None and own.is_quiet(policy.end) and policy.is_quiet(own.end)
