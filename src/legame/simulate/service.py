"""Support tickets: when they open, how fast they are answered and resolved, and how they
went for the customer.

Whether a ticket exists and whether it is *poor* is decided in the purchase process (the
poor ones raise the customer's dropout hazard). Here the decided quality becomes data that
meets the shared definition (``definitions.ticket_is_poor``): a poor ticket has at least
one of a first response after more than 48 h (or none), a resolution after more than 7 days
(or none), a ticket CSAT of 1-2; a good ticket has none of them. Timestamps after the as-of
date are not known yet and stay empty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from legame.simulate.params import WorldParams
from legame.simulate.purchases import History

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

HOUR = 1.0 / 24.0
GOOD_EFFORT = (0.30, 0.30, 0.20, 0.12, 0.05, 0.02, 0.01)
POOR_EFFORT = (0.02, 0.05, 0.10, 0.18, 0.25, 0.22, 0.18)
GOOD_CSAT = (0.0, 0.0, 0.15, 0.40, 0.45)
POOR_OK_CSAT = (0.0, 0.0, 0.50, 0.35, 0.15)


@dataclass(frozen=True)
class Tickets:
    cust: I64
    opened: F64  # days since start
    first_response: F64  # NaN: none by the as-of date
    resolved: F64  # NaN: not resolved by the as-of date
    csat: F64  # NaN: not given
    effort: I64
    channel: I64
    category: I64
    poor: npt.NDArray[np.bool_]  # as decided in the purchase process


def _choice(rng: np.random.Generator, probs: tuple[float, ...], n: int) -> I64:
    p = np.asarray(probs, dtype=float)
    return np.searchsorted(np.cumsum(p / p.sum())[:-1], rng.random(n), side="right")


def draw_tickets(hist: History, params: WorldParams, rng: np.random.Generator) -> Tickets:
    end = params.end_day
    opened = hist.order_time[hist.ticket_order] + hist.ticket_delay
    seen = opened < end
    opened = opened[seen]
    poor = hist.ticket_poor[seen]
    cust = hist.order_cust[hist.ticket_order[seen]]
    n = opened.size
    u = rng.random((8, n))
    # Failure modes of poor tickets: at least one of the three.
    slow_resp = poor & (u[0] < 0.45)
    slow_reso = poor & (u[1] < 0.55)
    low_csat = poor & (u[2] < 0.45)
    none = poor & ~(slow_resp | slow_reso | low_csat)
    pick = (u[3] * 3).astype(np.int64)
    slow_resp |= none & (pick == 0)
    slow_reso |= none & (pick == 1)
    low_csat |= none & (pick == 2)

    fast_h = np.minimum(0.25 + rng.exponential(8.0, n), 47.5)
    slow_h = 48.5 + rng.exponential(48.0, n)
    resp_h = np.where(slow_resp, slow_h, fast_h)
    resp_h = np.where(slow_resp & (u[4] < 0.25), np.nan, resp_h)  # never answered
    resp_d = resp_h * HOUR
    fast_d = np.minimum(np.nan_to_num(resp_d) + 0.05 + rng.exponential(1.5, n), 6.9)
    slow_d = np.maximum(7.1 + rng.exponential(5.0, n), np.nan_to_num(resp_d) + 0.05)
    reso_d = np.where(slow_reso, slow_d, fast_d)
    # A slow first response can push the resolution past 7 days: still poor, as decided.
    reso_d = np.where(np.isnan(resp_d) | (slow_reso & (u[5] < 0.3)), np.nan, reso_d)
    reso_d = np.where(~np.isnan(resp_d) & (reso_d < resp_d), resp_d + 0.05, reso_d)

    csat = np.where(poor, _choice(rng, POOR_OK_CSAT, n), _choice(rng, GOOD_CSAT, n)) + 1.0
    csat = np.where(low_csat, 1.0 + (u[6] < 0.4), csat)
    csat = np.where(~low_csat & (u[7] < params.ticket_csat_missing), np.nan, csat)
    # CSAT is asked at resolution (or a week after opening when unresolved).
    csat_at = opened + np.where(np.isnan(reso_d), 7.0, reso_d)
    csat = np.where(csat_at < end, csat, np.nan)

    first_response = opened + resp_d
    resolved = opened + reso_d
    first_response = np.where(first_response < end, first_response, np.nan)
    resolved = np.where(resolved < end, resolved, np.nan)
    effort = np.where(poor, _choice(rng, POOR_EFFORT, n), _choice(rng, GOOD_EFFORT, n)) + 1
    channel = _choice(rng, params.ticket_channel_weights, n)
    category = _choice(rng, params.ticket_category_weights, n)
    return Tickets(
        cust=cust,
        opened=opened,
        first_response=first_response,
        resolved=resolved,
        csat=csat,
        effort=effort.astype(np.int64),
        channel=channel,
        category=category,
        poor=poor,
    )
