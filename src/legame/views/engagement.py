"""Engagement: how hard customers are contacted, and what the gestures of gratitude did;
and the gratitude program's plan and results as the API serves them.

Each is kept between requests while the data stays the same (:mod:`legame.views.cache`):
the engagement page by the day it looks back from, the policy file and its period's end,
the plan by the instant it is for and the gratitude policy it is computed with, the results
by their instant and the policy's ``[gratitude]`` and ``[experiments]`` sections."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pyarrow as pa

from legame.engage.governor.clock import in_range
from legame.engage.gratitude import plan, results
from legame.engage.gratitude.plan import latest_activity
from legame.engage.preferences import summary as cadence_summary
from legame.engage.preferences.store import stamp as choices_stamp
from legame.errors import InputError
from legame.metrics import definitions as d
from legame.metrics.cutoff import default_as_of
from legame.metrics.period import Period
from legame.policy import load_policy, policy_path_for
from legame.store import Workspace
from legame.store.bookkeeping import has_table
from legame.views._store import records
from legame.views.cache import cached, cached_copy, policy_stamp, today

#: Plans kept at once (each is a table of every proposal: tens of MB at millions of orders).
PLANS_KEPT = 4


def engagement(
    ws: Workspace, *, on: date | None = None, period: Period | None = None
) -> dict[str, Any]:
    """Contact pressure (customers and unsubscribes per band of sends in 30 days) and the
    gestures' arms per trigger (n, 180-day retention and spend after the gesture with 95%
    intervals, cost), from the gratitude program's results; ``as_of``, the moment they are
    as of, and ``as_of_day``, the last day they count (None without orders).

    The pressure per band counts the messages sent before the findings' as-of moment, by
    the contact-pressure finding's definitions, so the page and the finding agree. ``on``
    is the day taken as today (default: today in UTC): the as-of moment never passes it.

    With a ``period``, all of it is as of the period's *end* instead, when that comes
    first: the pressure counts the messages sent before it, the customers per band count
    each scored customer's messages in the 30 days before it, and the gestures' results
    are those known then (:func:`legame.engage.gratitude.results` at that instant, never
    past the latest activity). The period's start does not matter.

    ``cadence`` is how many customers chose a lower cadence on their preference page, per
    kind, and their value around the choice (:func:`legame.engage.preferences.summary`:
    the current choices, whatever the period; their value observed up to the as-of
    moment); None when the policy file does not validate.

    Kept while the data, that day, the policy file, the period's end (all the period
    decides) and the customers' saved choices stay the same; the caller gets its own
    copy."""
    day = on or today()
    end = None if period is None else period.end
    key = ("engagement", day, policy_stamp(ws), end, choices_stamp(ws))
    return cached_copy(ws, key, lambda: _engagement(ws, day, end))


def gesture_plan(ws: Workspace, at: datetime | None = None) -> pa.Table:
    """:func:`legame.engage.gratitude.plan` with the workspace's policy, at ``at`` (default:
    the latest activity in the data): kept while the data and the policy's ``[gratitude]``
    section stay the same, so the pages of a plan are one computation. The table is
    immutable; an ``at`` outside 1900-2999 is an ``InputError``."""
    moment = None if at is None else in_range(at)
    policy = load_policy(policy_path_for(ws.path))
    return cached(
        ws,
        ("gesture_plan", moment, policy.gratitude),
        lambda: plan(ws, policy, at=moment),
        keep_at_most=PLANS_KEPT,
    )


def gesture_results(ws: Workspace, at: datetime | None = None) -> dict[str, Any]:
    """:func:`legame.engage.gratitude.results` at ``at`` (default: the latest activity),
    kept while the data and the policy's ``[gratitude]`` and ``[experiments]`` sections
    stay the same (it reads the program's end and the margin rate, not today); the caller
    gets its own copy."""
    moment = None if at is None else in_range(at)
    policy = load_policy(policy_path_for(ws.path))
    key = ("gesture_results", moment, policy.gratitude, policy.experiments)
    return cached_copy(ws, key, lambda: results(ws, at=moment, policy=policy))


def _engagement(ws: Workspace, day: date, end: datetime | None) -> dict[str, Any]:
    cutoff = default_as_of(ws, today=day)
    as_of = cutoff if end is None or cutoff is None else min(end, cutoff)
    pressure = (
        _named(
            records(
                ws, "views/contact_pressure_by_band", as_of=as_of, **d.contact_pressure_params()
            )
        )
        if as_of is not None
        else []
    )
    arms = (
        [
            {
                "trigger": row["trigger"],
                "arm": arm,
                "gestures": row[arm]["gestures"],
                "retention_180d": row[arm]["retention"],
                "spend_180d": row[arm]["spend"],
                "cost": row[arm].get("cost", 0.0),
                **_interval("retention_180d", row[arm].get("retention_ci")),
                **_interval("spend_180d", row[arm].get("spend_ci")),
            }
            for row in gesture_results(ws, _results_at(ws, end))["by_trigger"]
            if row["trigger"] != "all"
            for arm in ("holdout", "treatment")
            if row[arm]["gestures"]
        ]
        if ws.count("gestures")
        else []
    )
    customers = _customers_by_band(ws, as_of, scored=end is None)
    return {
        "as_of": as_of,
        "as_of_day": None if as_of is None else (as_of - timedelta(microseconds=1)).date(),
        "pressure": pressure,
        "customers_by_band": customers,
        "gesture_arms": arms,
        "cadence": _cadence(ws, as_of),
    }


def _cadence(ws: Workspace, as_of: datetime | None) -> dict[str, Any] | None:
    """The customers' chosen cadence, with the policy file's caps (None: it does not
    validate, and the page says nothing of it rather than fail)."""
    try:
        policy = load_policy(policy_path_for(ws.path))
    except InputError:
        return None
    return cadence_summary(ws, policy, as_of=as_of)


def _customers_by_band(
    ws: Workspace, as_of: datetime | None, *, scored: bool
) -> list[dict[str, Any]]:
    """The scored customers per band: of their sends at the score's cutoff (``scored``, as
    the scores count them), else of their messages in the 30 days before ``as_of``."""
    params = d.contact_pressure_params()
    if not has_table(ws, "customer_scores"):
        return []
    if scored:
        return _named(records(ws, "views/customers_by_contact_band", **params))
    if as_of is None:
        return []
    return _named(records(ws, "views/customers_by_contact_band_at", as_of=as_of, **params))


def _results_at(ws: Workspace, end: datetime | None) -> datetime | None:
    """The instant of the gestures' results for a period ending at ``end``: that end, or
    the latest activity when it comes first (None: the latest activity)."""
    if end is None:
        return None
    try:
        return min(end, latest_activity(ws))
    except InputError:  # no activity at all: nothing later than the end to stop at
        return end


def _named(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with a band code (0 low, 1 mid, 2 high) with the band's name instead."""
    return [{**row, "band": d.CONTACT_BANDS[row["band"]][0]} for row in rows]


def _interval(name: str, ci: list[float | None] | None) -> dict[str, float | None]:
    low, high = ci if ci else (None, None)
    return {f"{name}_ci_low": low, f"{name}_ci_high": high}
