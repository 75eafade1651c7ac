"""Shared definitions: the exact windows, thresholds, bands and groups a finding uses.

The simulator (``legame.simulate``) computes the true value of every planted effect with
these same definitions, and the findings compute their estimates with them, so a finding's
confidence interval can be compared with the truth. Change a number here and both sides
move together.

Time values are plain numbers: durations in hours or days, timestamps as days (floats)
since any fixed origin. Missing values are ``NaN``. Every function accepts scalars or numpy
arrays and is vectorized.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike

# ---------------------------------------------------------------------------------------
# Outcome window and retention
# ---------------------------------------------------------------------------------------

#: The outcome window is the last ``OUTCOME_WINDOW_DAYS`` days before the as-of date:
#: ``[as_of - 180 days, as_of)``. "Before the window" means strictly before its start.
OUTCOME_WINDOW_DAYS: Final = 180

#: A customer (or an event) is *retained* if it has at least this many completed orders in
#: the outcome (or follow-up) window. Refunded and cancelled orders never count.
RETENTION_MIN_ORDERS: Final = 1

# ---------------------------------------------------------------------------------------
# Service: poor tickets
# ---------------------------------------------------------------------------------------

#: A ticket is poor if its first response came more than this many hours after it opened
#: (or never came, once this many hours have passed).
POOR_TICKET_RESPONSE_HOURS: Final = 48.0
#: ... or if it was not resolved within this many days of opening (resolved later, or not
#: resolved once this many days have passed) ...
POOR_TICKET_RESOLUTION_DAYS: Final = 7.0
#: ... or if its ticket CSAT is at most this.
POOR_TICKET_MAX_CSAT: Final = 2


def ticket_is_poor(
    response_hours: ArrayLike,
    resolution_days: ArrayLike,
    csat: ArrayLike,
    age_days: ArrayLike = np.inf,
) -> npt.NDArray[np.bool_]:
    """Whether tickets are *poor*: a slow or missing first response, a slow or missing
    resolution, or a ticket CSAT of 1-2.

    ``response_hours``: first response minus opening, in hours (NaN: no response yet).
    ``resolution_days``: resolution minus opening, in days (NaN: not resolved yet).
    ``csat``: ticket satisfaction 1-5 (NaN: not given). ``age_days``: as-of date minus
    opening; a missing response or resolution only counts as poor once the ticket is old
    enough for its deadline to have passed (default: infinitely old).
    """
    resp = np.asarray(response_hours, dtype=float)
    reso = np.asarray(resolution_days, dtype=float)
    sat = np.asarray(csat, dtype=float)
    age = np.asarray(age_days, dtype=float)
    slow_response = np.where(
        np.isnan(resp), age * 24.0 > POOR_TICKET_RESPONSE_HOURS, resp > POOR_TICKET_RESPONSE_HOURS
    )
    slow_resolution = np.where(
        np.isnan(reso), age > POOR_TICKET_RESOLUTION_DAYS, reso > POOR_TICKET_RESOLUTION_DAYS
    )
    low_csat = ~np.isnan(sat) & (np.nan_to_num(sat, nan=99.0) <= POOR_TICKET_MAX_CSAT)
    return np.asarray(slow_response | slow_resolution | low_csat)


def voice_params(as_of: datetime) -> dict[str, int | datetime]:
    """The parameters of ``customer_voice`` (the service, survey and contact measures per
    customer) as known at ``as_of``: the scores read it at midnight after their cutoff, and
    holdout validation at the end of its calibration period."""
    return {"as_of": as_of, "min_motivator_items": MIN_MOTIVATOR_ITEMS, **poor_ticket_params()}


def poor_ticket_params() -> dict[str, int]:
    """The parameters of the same rule in SQL (``legame/sql/defs/poor_ticket.sql``, which
    the scores and the findings read): whole hours and days."""
    return {
        "response_hours": int(POOR_TICKET_RESPONSE_HOURS),
        "resolution_days": int(POOR_TICKET_RESOLUTION_DAYS),
        "poor_csat": POOR_TICKET_MAX_CSAT,
    }


def ticket_is_decided(age_days: ArrayLike) -> npt.NDArray[np.bool_]:
    """Whether a ticket is old enough (``age_days`` past opening, at the as-of date) for
    every deadline of the poor-ticket rule to have passed. A younger ticket that is not yet
    poor may still become poor: leave it out of good-versus-poor comparisons."""
    return np.asarray(np.asarray(age_days, dtype=float) > POOR_TICKET_RESOLUTION_DAYS)


# ---------------------------------------------------------------------------------------
# Surveys: NPS, satisfaction, emotional connection
# ---------------------------------------------------------------------------------------

#: NPS categories by score: 0-6 detractor, 7-8 passive, 9-10 promoter.
NPS_DETRACTOR_MAX: Final = 6
NPS_PROMOTER_MIN: Final = 9
NPS_CATEGORIES: Final = ("detractor", "passive", "promoter")


def nps_category(score: ArrayLike) -> npt.NDArray[np.int8]:
    """Category code per NPS score: 0 detractor, 1 passive, 2 promoter, -1 missing."""
    s = np.asarray(score, dtype=float)
    out = np.where(s <= NPS_DETRACTOR_MAX, 0, np.where(s >= NPS_PROMOTER_MIN, 2, 1))
    return np.where(np.isnan(s), -1, out).astype(np.int8)


#: Highly satisfied: survey CSAT equal to this (the top box).
HIGHLY_SATISFIED_CSAT: Final = 5

#: Connected: emotional connection index at or above this (0-100 scale).
CONNECTION_THRESHOLD: Final = 70.0
#: A survey answer needs at least this many of the ten motivator items for a connection
#: index; with fewer the index is unknown (the scores and the findings alike).
MIN_MOTIVATOR_ITEMS: Final = 5


def connection_index(items: ArrayLike) -> FloatArray:
    """Emotional connection index 0-100 from the ten motivator items (1-5) in the last
    axis: the items' mean rescaled, ``(mean - 1) / 4 * 100``."""
    arr = np.asarray(items, dtype=float)
    return np.asarray((arr.mean(axis=-1) - 1.0) / 4.0 * 100.0)


def is_connected(index: ArrayLike) -> npt.NDArray[np.bool_]:
    """Connected customers: connection index >= ``CONNECTION_THRESHOLD``."""
    return np.asarray(np.asarray(index, dtype=float) >= CONNECTION_THRESHOLD)


def auc(score: ArrayLike, outcome: ArrayLike) -> float:
    """Area under the ROC curve of ``score`` for a 0/1 ``outcome`` (higher score, outcome 1):
    the Mann-Whitney probability that a random positive outscores a random negative, ties
    counted one half. NaN if either class is empty."""
    s = np.asarray(score, dtype=float)
    y = np.asarray(outcome).astype(bool)
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(s, kind="stable")
    ranks = np.empty(s.size, dtype=float)
    sorted_s = s[order]
    # average ranks over ties
    starts = np.flatnonzero(np.r_[True, sorted_s[1:] != sorted_s[:-1]])
    ends = np.r_[starts[1:], s.size]
    avg = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(avg, ends - starts)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


# ---------------------------------------------------------------------------------------
# Spend
# ---------------------------------------------------------------------------------------


def aov_terciles(aov: ArrayLike) -> npt.NDArray[np.int8]:
    """Tercile of average order value: 0 bottom (``aov <= q1/3``), 2 top (``aov > q2/3``),
    1 middle, where the cut points are the empirical 1/3 and 2/3 quantiles (numpy's
    default linear interpolation) of the given values. NaN stays -1."""
    a = np.asarray(aov, dtype=float)
    ok = ~np.isnan(a)
    if not ok.any():
        return np.full(a.shape, -1, dtype=np.int8)
    q1, q2 = np.quantile(a[ok], [1.0 / 3.0, 2.0 / 3.0])
    out = np.where(a <= q1, 0, np.where(a > q2, 2, 1))
    return np.where(ok, out, -1).astype(np.int8)


# ---------------------------------------------------------------------------------------
# Contact pressure
# ---------------------------------------------------------------------------------------

#: Contact pressure of a send: how many messages (any channel, any kind) the customer
#: received in the ``CONTACT_PRESSURE_WINDOW_DAYS`` days strictly before it.
CONTACT_PRESSURE_WINDOW_DAYS: Final = 30
#: Bands of that count, (name, lowest, highest or None): 0-4 low, 5-8 mid, 9+ high.
CONTACT_BANDS: Final = (("low", 0, 4), ("mid", 5, 8), ("high", 9, None))


def contact_pressure_params() -> dict[str, int]:
    """The parameters of the same definitions in SQL (``legame/sql/defs/
    contact_pressure_sends.sql`` and ``contact_band.sql``, which the findings and the
    engagement page read)."""
    return {
        "window_days": CONTACT_PRESSURE_WINDOW_DAYS,
        "mid_from": CONTACT_BANDS[1][1],
        "high_from": CONTACT_BANDS[2][1],
    }


def contact_band(prior_messages: ArrayLike) -> npt.NDArray[np.int8]:
    """Band code per send from the number of messages in the 30 days before it:
    0 low (0-4), 1 mid (5-8), 2 high (9 or more)."""
    n = np.asarray(prior_messages)
    mid_lo = CONTACT_BANDS[1][1]
    high_lo = CONTACT_BANDS[2][1]
    return np.where(n >= high_lo, 2, np.where(n >= mid_lo, 1, 0)).astype(np.int8)


# ---------------------------------------------------------------------------------------
# Gratitude and reciprocity program
# ---------------------------------------------------------------------------------------

#: Share of eligible events randomly assigned to the holdout arm (per trigger).
GRATITUDE_HOLDOUT_SHARE: Final = 0.3
#: fee_forgiveness fires on a late fee to a customer with at least this many completed
#: orders before the charge.
FEE_FORGIVENESS_MIN_PURCHASES: Final = 3
#: milestone_thanks fires on this completed order (the 5th).
MILESTONE_PURCHASE: Final = 5
#: Follow-up after ``given_at``: retention and spend are measured over
#: ``(given_at, given_at + 180 days]``; only events with ``given_at <= as_of - 180 days``
#: have full follow-up and count.
GRATITUDE_FOLLOWUP_DAYS: Final = 180
GRATITUDE_TRIGGERS: Final = ("fee_forgiveness", "milestone_thanks")
#: An experiment's pre-period: each unit's completed orders and revenue in the 180 days
#: before its assignment are the covariates CUPED adjusts for (docs/experiments.md).
EXPERIMENT_PRE_DAYS: Final = 180
#: A contact-frequency test's follow-up: a customer enters the test at their first
#: marketing message in it, and their unsubscribes, complaints, orders and revenue are
#: counted over the next 60 days (docs/experiments.md).
CONTACT_TEST_FOLLOWUP_DAYS: Final = 60

# ---------------------------------------------------------------------------------------
# Referrals
# ---------------------------------------------------------------------------------------

#: Referral rate of a customer: referrals per customer-year from the customer's first
#: survey answer to the as-of date, grouped by the NPS category of that first answer.
REFERRAL_EXPOSURE_DAYS_PER_YEAR: Final = 365.25
