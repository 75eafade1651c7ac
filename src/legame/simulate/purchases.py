"""The purchase process, with the events that change it: poor tickets, fees and gestures.

BG/NBD: the first purchase is at birth; while alive the customer buys at rate ``lam``;
after each repeat purchase (as in Fader, Hardie & Lee 2005: not after the first one, which
starts the relationship) the customer drops out with probability ``p``. That dropout is decided
at the moment the next purchase would happen (nothing observable happens in between, so
this is BG/NBD exactly), and every effect works on it: its hazard ``-log(1 - p)`` is
multiplied by

* ``service_k`` from the purchase a poor ticket belongs to onward (``service_dropout``; a
  ticket opens 0-4 days after its purchase and before that purchase's dropout decision), and
* a gratitude multiplier once per treated gesture given before the decision
  (``gratitude_uplift``; a milestone gesture at the 5th purchase, a fee waiver at the
  charge): ``gratitude_h``, except for the triggers in ``gratitude_nps_triggers`` (the fee
  waiver), whose multiplier is ``gratitude_h_by_nps`` by the customer's disposition, the
  NPS category of their main survey answer (drawn before the purchases:
  ``surveys.plan_surveys``; ``gratitude_h`` for customers who answer no survey).

While the contact-frequency test runs, a customer of an arm with a quit rate
``contact_test_quit_per_year`` (``contact_frequency_test``; ``experiments.py``) also drops
out at that rate per day of the test: the quit is decided with the dropout (at the next
potential purchase, after a repeat purchase only), with the days of the test since the
previous purchase as its exposure, and it is added to the dropout hazard before the
multipliers above apply (a treated gesture halves it too), so the multipliers stay the
hazard ratios of the whole dropout. A rate per day rather than a hazard multiplier, so that
frequent buyers are not hit harder than the others.

With these effects off the completed orders are exactly BG/NBD. The loop runs over the
purchase index and is vectorized over the customers still alive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from legame.simulate.gratitude import FEE_FORGIVENESS, MILESTONE_THANKS, TRIGGERS, BlockRandomizer
from legame.simulate.params import Effects, WorldParams
from legame.simulate.population import Population

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class History:
    """What happened. Order rows are sorted by customer, then time."""

    order_cust: I64
    order_time: F64
    order_amount: F64  # euros, rounded to cents
    n_orders: I64  # per customer
    first_order_row: I64  # per customer
    ticket_order: I64  # order row each ticket belongs to
    ticket_poor: Bool
    ticket_delay: F64  # days after that order
    fee_cust: I64
    fee_time: F64
    fee_amount: F64
    fee_order: I64  # order row the fee came from
    fee_prior_orders: I64  # completed orders before the charge
    gesture_cust: I64
    gesture_time: F64  # given_at = event time
    gesture_trigger: I64  # FEE_FORGIVENESS or MILESTONE_THANKS
    gesture_holdout: Bool
    gesture_fee: I64  # fee index (or -1)
    gesture_order: I64  # order row (or -1)
    #: Per order row: the multiplier (poor service, gestures) of the dropout hazard of the
    #: decision after that order; the contact-frequency test's truth uses it.
    order_decision_mult: F64


class _Fees:
    """Late fees waiting for their charge date, and those already charged."""

    def __init__(self) -> None:
        self.pending = {
            k: np.zeros(0, dtype=t)
            for k, t in (
                ("cust", np.int64),
                ("time", float),
                ("amount", float),
                ("order", np.int64),
            )
        }
        self.done: dict[str, list[npt.NDArray[np.generic]]] = {
            k: [] for k in ("cust", "time", "amount", "order", "prior")
        }
        self.count = 0

    def add(self, cust: I64, time: F64, amount: F64, order: I64) -> None:
        for key, val in (("cust", cust), ("time", time), ("amount", amount), ("order", order)):
            self.pending[key] = np.concatenate([self.pending[key], val])

    def take(self, mask: Bool, prior: I64) -> tuple[I64, F64, I64, I64]:
        """Charge the pending fees in ``mask`` (in time order); return cust, time, fee index,
        prior-order counts."""
        idx = np.flatnonzero(mask)
        perm = np.argsort(self.pending["time"][idx], kind="stable")
        idx, prior = idx[perm], prior[perm]
        got = {k: v[idx] for k, v in self.pending.items()}
        keep = np.ones(mask.size, dtype=bool)
        keep[idx] = False
        self.pending = {k: v[keep] for k, v in self.pending.items()}
        for k in ("cust", "time", "amount", "order"):
            self.done[k].append(got[k])
        self.done["prior"].append(prior)
        fee_idx = np.arange(self.count, self.count + idx.size)
        self.count += idx.size
        return got["cust"], got["time"], fee_idx, prior


def simulate_purchases(
    pop: Population,
    params: WorldParams,
    effects: Effects,
    rng: np.random.Generator,
    spend_rng: np.random.Generator,
    arm_rng: np.random.Generator,
    *,
    disposition: npt.NDArray[np.int8] | None = None,
    test_arm: I64 | None = None,
) -> History:
    """The purchase loop. ``disposition``: each customer's NPS category of their main
    survey answer (-1: none; None: nobody answers); ``test_arm``: each customer's arm in
    the contact-frequency test (None: no test)."""
    n = pop.size
    end = params.end_day
    k = params.service_k if effects.on("service_dropout") else 1.0
    grat_on = effects.on("gratitude_uplift")
    # Per trigger and customer: the multiplier of a treated gesture.
    h = {
        trig: np.full(n, params.gratitude_h if grat_on else 1.0)
        for trig in (FEE_FORGIVENESS, MILESTONE_THANKS)
    }
    if grat_on and disposition is not None:
        by_group = np.asarray(params.gratitude_h_by_nps, dtype=float)
        answered = disposition >= 0
        for name in params.gratitude_nps_triggers:
            h[TRIGGERS.index(name)][answered] = by_group[disposition[answered]]
    quit_rate = np.zeros(n)
    if test_arm is not None and effects.on("contact_frequency_test"):
        quit_rate = np.asarray(params.contact_test_quit_per_year, dtype=float)[test_arm] / 365.25
    test_start, test_end = params.contact_test_days
    quits = bool(quit_rate.any())
    log_stay = np.log1p(-pop.p)
    had_poor = np.zeros(n, dtype=bool)
    grat_mult = np.ones(n)  # product of the treated gestures' multipliers so far
    decide_at = np.full(n, -np.inf)
    fee_arm_rng, milestone_arm_rng = arm_rng.spawn(2)
    arms = {
        FEE_FORGIVENESS: BlockRandomizer(params.holdout_share, fee_arm_rng),
        MILESTONE_THANKS: BlockRandomizer(params.holdout_share, milestone_arm_rng),
    }
    fees = _Fees()
    o_cust: list[I64] = []
    o_time: list[F64] = []
    o_mult: list[F64] = []
    tk: dict[str, list[npt.NDArray[np.generic]]] = {"order": [], "poor": [], "delay": []}
    gs: dict[str, list[npt.NDArray[np.generic]]] = {
        k_: [] for k_ in ("cust", "time", "trigger", "holdout", "fee", "order")
    }

    def give(trigger: int, cust: I64, time: F64, fee: I64, order: I64) -> None:
        hold = arms[trigger].draw(cust.size)
        np.multiply.at(grat_mult, cust[~hold], h[trigger][cust[~hold]])
        for key, val in (
            ("cust", cust),
            ("time", time),
            ("holdout", hold),
            ("fee", fee),
            ("order", order),
            ("trigger", np.full(cust.size, trigger)),
        ):
            gs[key].append(val)

    def charge(mask: Bool, prior: I64) -> None:
        cust, time, fee_idx, prior_sorted = fees.take(mask, prior)
        elig = prior_sorted >= params.fee_forgiveness_min_purchases
        if elig.any():
            give(
                FEE_FORGIVENESS,
                cust[elig],
                time[elig],
                fee_idx[elig],
                np.full(int(elig.sum()), -1, dtype=np.int64),
            )

    act = np.arange(n, dtype=np.int64)
    t = pop.birth.astype(float).copy()
    created = 0
    j = 0
    lo_fee, hi_fee = params.fee_delay_days
    fee_amounts = np.array(params.fee_amounts, dtype=float)
    while act.size:
        m = act.size
        oid = np.arange(created, created + m, dtype=np.int64)
        created += m
        o_cust.append(act)
        o_time.append(t)
        if j + 1 == params.milestone_purchase:
            give(MILESTONE_THANKS, act, t, np.full(m, -1, dtype=np.int64), oid)
        u = rng.random((8, m))
        ticket = u[0] < params.ticket_prob
        poor = ticket & (u[1] < params.poor_ticket_prob)
        had_poor[act[poor]] = True
        fee_time = t + lo_fee + (hi_fee - lo_fee) * u[5]
        has_fee = (u[6] < params.fee_prob) & (fee_time < end)
        if has_fee.any():
            amount = fee_amounts[(u[7] * fee_amounts.size).astype(np.int64)]
            fees.add(act[has_fee], fee_time[has_fee], amount[has_fee], oid[has_fee])
        gap = rng.standard_exponential(m) / pop.lam[act]
        t_next = t + gap
        # The dropout after this purchase is decided at the next potential purchase
        # (t_next): unobservable in between, so the process is BG/NBD all the same, and
        # fees charged before then (with their gestures) come before the decision.
        decide_at[act] = t_next
        if fees.pending["cust"].size:
            due = fees.pending["time"] < decide_at[fees.pending["cust"]]
            if due.any():
                charge(due, np.full(int(due.sum()), j + 1, dtype=np.int64))
        hazard_mult = np.where(had_poor[act], k, 1.0) * grat_mult[act]
        o_mult.append(hazard_mult)
        if quits:
            exposure = np.clip(np.minimum(t_next, test_end) - np.maximum(t, test_start), 0.0, None)
            log_p_stay = hazard_mult * (log_stay[act] - quit_rate[act] * exposure)
        else:
            log_p_stay = hazard_mult * log_stay[act]
        # BG/NBD: dropout can follow a repeat purchase only, never the first one.
        drop = (u[2] >= np.exp(log_p_stay)) & (j > 0)
        cont = ~drop & (t_next < end)
        # A ticket opens 0-4 days later but before the dropout decision (and so before the
        # next purchase): it belongs to this purchase.
        delay = u[3] * params.ticket_max_delay_days
        delay = np.where(delay >= gap, u[4] * gap, delay)
        tk["order"].append(oid[ticket])
        tk["poor"].append(poor[ticket])
        tk["delay"].append(delay[ticket])
        decide_at[act[~cont]] = -np.inf
        act = act[cont]
        t = t_next[cont]
        j += 1

    cust_all = np.concatenate(o_cust) if o_cust else np.zeros(0, dtype=np.int64)
    time_all = np.concatenate(o_time) if o_time else np.zeros(0)
    mult_all = np.concatenate(o_mult) if o_mult else np.zeros(0)
    n_orders = np.bincount(cust_all, minlength=n).astype(np.int64)
    if fees.pending["cust"].size:
        charge(np.ones(fees.pending["cust"].size, dtype=bool), n_orders[fees.pending["cust"]])
    order = np.argsort(cust_all, kind="stable")  # steps were appended in time order
    row_of = np.empty_like(order)
    row_of[order] = np.arange(order.size)
    order_cust = cust_all[order]
    order_time = time_all[order]
    amount = spend_rng.gamma(params.gg_p, 1.0, order.size) / pop.nu[order_cust]
    amount = np.maximum(np.round(amount, 2), 0.01)
    first = np.concatenate([[0], np.cumsum(n_orders)[:-1]]).astype(np.int64)

    def cat(parts: list[npt.NDArray[np.generic]], dtype: type) -> npt.NDArray[Any]:
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

    g_order = cat(gs["order"], np.int64)
    g_order = np.where(g_order >= 0, row_of[np.maximum(g_order, 0)], -1)
    return History(
        order_cust=order_cust,
        order_time=order_time,
        order_amount=amount,
        n_orders=n_orders,
        first_order_row=first,
        ticket_order=row_of[cat(tk["order"], np.int64)],
        ticket_poor=cat(tk["poor"], bool),
        ticket_delay=cat(tk["delay"], float),
        fee_cust=cat(fees.done["cust"], np.int64),
        fee_time=cat(fees.done["time"], float),
        fee_amount=cat(fees.done["amount"], float),
        fee_order=row_of[cat(fees.done["order"], np.int64)],
        fee_prior_orders=cat(fees.done["prior"], np.int64),
        gesture_cust=cat(gs["cust"], np.int64),
        gesture_time=cat(gs["time"], float),
        gesture_trigger=cat(gs["trigger"], np.int64),
        gesture_holdout=cat(gs["holdout"], bool),
        gesture_fee=cat(gs["fee"], np.int64),
        gesture_order=g_order,
        order_decision_mult=mult_all[order],
    )
