"""The contact rules, evaluated for one customer and channel at any instant.

:class:`History` holds what the log says about the customer (fetched in one query by the
governor); :func:`evaluate` lists the reasons a send at ``t`` is blocked, in rule order;
:func:`next_allowed` walks forward from ``at`` to the first instant with no reason.

The same rules run set-based in ``legame/sql/governor/plan.sql``; a test checks that both
agree. Windows are half-open on the past side: a send at ``s`` counts against a D-day cap
at ``t`` when ``t - D < s <= t``, so its slot frees exactly D days later. A cooldown of D
days after an event at ``e`` blocks ``e <= t < e + D``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from legame.engage.governor import messages as m
from legame.engage.governor.clock import quiet_state, zone_for
from legame.engage.governor.decision import Reason
from legame.policy import ALL_CHANNELS, ContactPolicy


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

    def sort(self) -> History:
        self.sends.sort()
        self.complaints.sort()
        self.unsubscribes.sort()
        self.consents.sort()
        self.tickets.sort(key=lambda tk: tk[0])
        return self


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
        start = t - _days(cap.days)
        inside = [
            s
            for s, ch in h.sends
            if start < s <= t and (cap.channel == ALL_CHANNELS or ch == h.channel)
        ]
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
    if not (transactional and exempt.exempt_from_cooldowns):
        reasons += cooldown_reasons(p, h, t)
    if not (transactional and exempt.exempt_from_caps):
        reasons += cap_reasons(p, h, t)
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
    and the log is finite, so the walk ends.
    """
    t = at
    while reasons:
        if any(r.until is None for r in reasons):
            return None
        t = max(r.until for r in reasons if r.until is not None)
        reasons = evaluate(p, h, t, transactional=transactional)
    return t
