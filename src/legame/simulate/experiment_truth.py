"""The truth of the experiments' estimands: the contact-frequency test, the gratitude
effect by NPS group, and the pre-period correlation CUPED relies on.

All three are computed on the Monte-Carlo world of ``truth.py`` (``monte_carlo`` caches
them with the others), with the estimands of legame's experiment readings:

* **contact_frequency_test** (``experiments/contact_test_units.sql``): a customer enters
  the test at their first marketing message on its channel in [start, end) and is read
  over the next ``CONTACT_TEST_FOLLOWUP_DAYS`` (60) days: an unsubscribe or a complaint
  (any message), a completed order (repurchase), the revenue of completed orders. Each
  other arm minus the reference (first) arm, means over each arm's units. Also over the
  whole window (every customer; outcomes in [start, end)). The contact process is drawn
  for a subset of the reference arm's customers (1 in ``CONTACT_SUBSET``, at least
  ``CONTACT_SUBSET_MIN``), once per arm with the same stream; the other arms' purchases
  follow from the reference arm's by an independent extra dropout coin per decision in
  the window (``experiments.py``). Standard errors: batch means over customers.
* **gratitude_by_nps_group**: the ``gratitude_uplift`` estimand within each NPS group at
  the gesture (``experiments.nps_group_at``).
* **cuped**: over the gestures with full follow-up, the correlation of the customer's
  completed orders (and revenue) in the ``EXPERIMENT_PRE_DAYS`` (180) days up to the
  gesture, (given_at - 180 days, given_at], with the same in the follow-up
  (given_at, given_at + 180 days], and of the pre-period orders with retention.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from legame.errors import InputError
from legame.metrics import definitions as d
from legame.simulate import experiments as x
from legame.simulate.campaign_text import STYLES
from legame.simulate.contact import CHANNELS, Contact, draw_contact
from legame.simulate.gratitude import TRIGGERS
from legame.simulate.params import Effects, WorldParams
from legame.simulate.population import Population
from legame.simulate.streams import Streams
from legame.simulate.world import World

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

#: The contact process of the truth is drawn for 1 in this many reference-arm customers.
CONTACT_SUBSET = 50
CONTACT_SUBSET_MIN = 2_000
BATCHES = 20
METRICS: tuple[str, ...] = ("unsubscribe", "complaint", "repurchase", "revenue")
TRANSACTIONAL = STYLES.index("transactional")


def search(keys: F64, needles: F64) -> I64:
    """``np.searchsorted(keys, needles, side="right")``, with the needles looked up in
    sorted order (many times faster on large arrays: the lookups stay in cache)."""
    order = np.argsort(needles, kind="stable")
    out = np.empty(needles.size, dtype=np.int64)
    out[order] = np.searchsorted(keys, needles[order], side="right")
    return out


def _subset(pop: Population, idx: I64) -> Population:
    return dataclasses.replace(
        pop, **{f.name: getattr(pop, f.name)[idx] for f in dataclasses.fields(pop)}
    )


def _batch_mean_se(stat: Callable[[Bool], float], batch: I64) -> tuple[float, float]:
    value = stat(np.ones(batch.size, dtype=bool))
    per = np.array([stat(batch == b) for b in range(BATCHES)])
    per = per[np.isfinite(per)]
    se = float(np.std(per, ddof=1) / np.sqrt(per.size)) if per.size > 1 else float("nan")
    return value, se


def _mean(v: F64, m: Bool) -> float:
    return float(v[m].mean()) if m.any() else float("nan")


class _Arm:
    """One arm's outcomes for the subset's customers."""

    def __init__(
        self, contact: Contact, params: WorldParams, orders: tuple[I64, F64, F64], m: int
    ) -> None:
        start, stop = params.contact_test_days
        f = float(d.CONTACT_TEST_FOLLOWUP_DAYS)
        tx = contact.campaigns.style[contact.campaign] == TRANSACTIONAL
        counted = x.counted_sends(contact.channel, tx, CHANNELS, params.contact_test_channel)
        inside = counted & (contact.sent >= start) & (contact.sent < stop)
        entry = np.full(m, np.inf)
        np.minimum.at(entry, contact.cust[inside], contact.sent[inside])
        self.unit = np.isfinite(entry)
        e = entry[contact.cust]

        def after_entry(t: F64) -> F64:
            """1 for customers with a ``t`` in (entry, entry + follow-up]."""
            hit = (t > e) & (t <= e + f)
            return (np.bincount(contact.cust[hit], minlength=m) > 0).astype(float)

        def in_window(t: F64) -> F64:
            hit = (t >= start) & (t < stop)
            return (np.bincount(contact.cust[hit], minlength=m) > 0).astype(float)

        with np.errstate(invalid="ignore"):
            self.units = {
                "unsubscribe": after_entry(contact.unsubscribed),
                "complaint": after_entry(contact.complained),
            }
            self.window = {
                "unsubscribe": in_window(contact.unsubscribed),
                "complaint": in_window(contact.complained),
            }
        near = (contact.sent >= e) & (contact.sent <= e + f)
        self.messages = np.bincount(contact.cust[near], minlength=m).astype(float)
        cust, time, amount = orders
        eo = entry[cust]
        after = (time > eo) & (time <= eo + f)
        self.units["repurchase"] = (np.bincount(cust[after], minlength=m) > 0).astype(float)
        self.units["revenue"] = np.bincount(cust[after], amount[after], m).astype(float)
        win = (time >= start) & (time < stop)
        self.window["repurchase"] = (np.bincount(cust[win], minlength=m) > 0).astype(float)
        self.window["revenue"] = np.bincount(cust[win], amount[win], m).astype(float)


def _orders_of(world: World, idx: I64) -> tuple[I64, I64]:
    """Order rows of the customers ``idx`` (in order) and each row's position in ``idx``."""
    h = world.hist
    counts = h.n_orders[idx]
    local = np.repeat(np.arange(idx.size), counts)
    offset = np.arange(local.size) - np.repeat(np.cumsum(counts) - counts, counts)
    return h.first_order_row[idx][local] + offset, local


def _extra_dropout(
    world: World, rows: I64, local: I64, extra_per_day: float, rng: np.random.Generator
) -> Bool:
    """Which of ``rows`` remain when each dropout decision gets an extra, independent quit
    coin with hazard ``extra_per_day`` times the days of the test since the purchase before
    it, times the decision's multiplier (the first quit cuts the customer's later orders)."""
    h, p = world.hist, world.params
    start, stop = p.contact_test_days
    last = np.r_[local[1:] != local[:-1], True]
    first = np.r_[True, local[1:] != local[:-1]]
    t = h.order_time[rows]
    t_next = h.order_time[np.minimum(rows + 1, h.order_time.size - 1)]
    exposure = np.clip(np.minimum(t_next, stop) - np.maximum(t, start), 0.0, None)
    q = -np.expm1(-extra_per_day * exposure * h.order_decision_mult[rows])
    drop = ~last & ~first & (rng.random(rows.size) < q)
    # Rows after a customer's first quit go: count earlier quits within the customer.
    before = np.cumsum(drop) - drop
    seen = before - np.repeat(before[first], np.diff(np.r_[np.flatnonzero(first), rows.size]))
    return seen == 0


def contact_test_truth(
    world: World,
    params: WorldParams,
    effects: Effects,
    seed: int,
    *,
    every: int = CONTACT_SUBSET,
) -> dict[str, Any]:
    """Per other arm, the differences with the reference arm (``value``, ``se``) and each
    arm's levels, for the units and the window; zeros (exact) while the effect is off.
    The contact process is drawn for 1 in ``every`` reference-arm customers (at least
    ``CONTACT_SUBSET_MIN`` of them when there are that many)."""
    names = [a[0] for a in params.contact_test_arms]
    ref = names[0]
    out: dict[str, Any] = {"reference_arm": ref, "units": {}, "window": {}}
    if not effects.on("contact_frequency_test"):
        for scope in ("units", "window"):
            out[scope] = {
                name: {m: {"value": 0.0, "se": 0.0} for m in METRICS} for name in names[1:]
            }
        out["method"] = "exact"
        return out
    ks = params.contact_test_quit_per_year
    if any(k < ks[0] for k in ks[1:]):
        raise InputError("contact_test_quit_per_year must not be below the reference arm's")
    pool = np.flatnonzero(world.arms == 0)
    step = max(1, min(every, pool.size // CONTACT_SUBSET_MIN))
    idx = pool[::step]
    m = idx.size
    sub = _subset(world.pop, idx)
    rows, local = _orders_of(world, idx)
    h = world.hist
    coin_rng = Streams(seed)["experiment_truth"]
    arms: list[_Arm] = []
    for a in range(len(names)):
        contact = draw_contact(
            sub, params, effects, Streams(seed)["contact"], arms=np.full(m, a, dtype=np.int64)
        )
        kept = (
            _extra_dropout(world, rows, local, (ks[a] - ks[0]) / 365.25, coin_rng)
            if a
            else np.ones(rows.size, dtype=bool)
        )
        orders = (local[kept], h.order_time[rows[kept]], h.order_amount[rows[kept]])
        arms.append(_Arm(contact, params, orders, m))
    batch = np.arange(m) % BATCHES
    for a in range(1, len(names)):
        for scope in ("units", "window"):
            block: dict[str, Any] = {}
            for metric in METRICS:
                hi = getattr(arms[a], scope)[metric]
                lo = getattr(arms[0], scope)[metric]
                mask_hi = arms[a].unit if scope == "units" else np.ones(m, dtype=bool)
                mask_lo = arms[0].unit if scope == "units" else np.ones(m, dtype=bool)

                def diff(
                    sel: Bool, hi: F64 = hi, lo: F64 = lo, mh: Bool = mask_hi, ml: Bool = mask_lo
                ) -> float:
                    return _mean(hi, sel & mh) - _mean(lo, sel & ml)

                value, se = _batch_mean_se(diff, batch)
                block[metric] = {
                    "value": value,
                    "se": se,
                    ref: _mean(lo, mask_lo),
                    names[a]: _mean(hi, mask_hi),
                }
            if scope == "units":
                block["messages_per_unit"] = {
                    ref: _mean(arms[0].messages, arms[0].unit),
                    names[a]: _mean(arms[a].messages, arms[a].unit),
                }
                block["unit_share"] = {
                    ref: float(arms[0].unit.mean()),
                    names[a]: float(arms[a].unit.mean()),
                }
            out[scope][names[a]] = block
    out["method"] = "monte_carlo"
    out["subset_customers"] = m
    return out


# --- gestures ---------------------------------------------------------------------------


class GestureEvents:
    """Gestures with full follow-up: outcomes after, the pre-period, and the NPS group."""

    def __init__(self, world: World) -> None:
        p, h, s = world.params, world.hist, world.surveys
        horizon = float(p.gratitude_followup_days)
        pre = float(d.EXPERIMENT_PRE_DAYS)
        full = h.gesture_time <= p.end_day - horizon
        self.cust = h.gesture_cust[full]
        self.time = h.gesture_time[full]
        self.holdout = h.gesture_holdout[full]
        self.trigger = h.gesture_trigger[full]
        span = p.end_day + horizon + pre + 1.0
        key = h.order_cust * span + h.order_time
        cum = np.r_[0.0, np.cumsum(h.order_amount)]
        base = self.cust * span

        def at(t: F64) -> I64:
            return search(key, base + t)

        lo_pre, mid, hi = at(self.time - pre), at(self.time), at(self.time + horizon)
        self.pre_orders = (mid - lo_pre).astype(float)
        self.pre_revenue = cum[mid] - cum[lo_pre]
        self.orders = (hi - mid).astype(float)
        self.revenue = cum[hi] - cum[mid]
        self.retained = (self.orders >= d.RETENTION_MIN_ORDERS).astype(float)
        self.group = x.nps_group_at(s.cust, s.time, s.nps, self.cust, self.time)


def _diff(values: F64, holdout: Bool, sel: Bool) -> float:
    return _mean(values, sel & ~holdout) - _mean(values, sel & holdout)


def gratitude_by_group(ev: GestureEvents, params: WorldParams, effects: Effects) -> dict[str, Any]:
    """Per NPS group at the gesture: the ``gratitude_uplift`` estimand (retention and
    revenue, pooled and per trigger) with batch-means standard errors, and the
    Monte-Carlo gesture count."""
    batch = ev.cust % BATCHES
    out: dict[str, Any] = {}
    on = effects.on("gratitude_uplift")
    planted = (*params.gratitude_h_by_nps, params.gratitude_h)
    cells: list[tuple[str, F64, Bool | None]] = [
        ("", ev.retained, None),
        ("_spend", ev.revenue, None),
        *((f"_{t}", ev.retained, ev.trigger == k) for k, t in enumerate(TRIGGERS)),
    ]
    for code, name in zip((0, 1, 2, -1), x.NPS_GROUPS, strict=True):
        in_group = ev.group == code
        entry: dict[str, Any] = {}
        with np.errstate(all="ignore"):
            for key, values, of_trigger in cells:
                g = in_group if of_trigger is None else in_group & of_trigger

                def stat(sel: Bool, v: F64 = values, g: Bool = g) -> float:
                    return _diff(v, ev.holdout, sel & g)

                value, se = _batch_mean_se(stat, batch)
                entry[f"value{key}"] = value if math.isfinite(value) else None
                entry[f"se{key}"] = se if math.isfinite(se) else None
        entry["events"] = int(in_group.sum())
        entry["share"] = float(in_group.mean()) if in_group.size else None
        entry["hazard_ratio_of_disposition"] = {
            t: (float(planted[code]) if t in params.gratitude_nps_triggers else params.gratitude_h)
            if on
            else 1.0
            for t in TRIGGERS
        }
        out[name] = entry
    return out


def _corr(a: F64, b: F64) -> float | None:
    if a.size < 3 or np.std(a) == 0 or np.std(b) == 0:
        return None
    return float(np.corrcoef(a, b)[0, 1])


def cuped(ev: GestureEvents) -> dict[str, Any]:
    """Correlations of the pre-period with the follow-up over the gestures with full
    follow-up (module docstring)."""
    return {
        "orders": _corr(ev.pre_orders, ev.orders),
        "revenue": _corr(ev.pre_revenue, ev.revenue),
        "retention": _corr(ev.pre_orders, ev.retained),
        "events": int(ev.cust.size),
    }


def group_counts(ev: GestureEvents) -> dict[str, int]:
    """Gestures with full follow-up per NPS group at the gesture."""
    return {
        name: int((ev.group == code).sum())
        for code, name in zip((0, 1, 2, -1), x.NPS_GROUPS, strict=True)
    }


# --- truth.json ----------------------------------------------------------------------------

CONTACT_TEST_MEANING = (
    "The randomized contact-frequency test, declared as the policy declares it "
    "([experiments.contact_tests.<name>]; legame.simulate.experiments.policy_fragment writes "
    "that table). Arms: legame.assign.arm_indices(seed, name, customer ids, shares) on the ids "
    "of customers.csv. From start (inclusive) to end (exclusive, UTC dates) each customer's "
    "marketing sends (not transactional) on the channel ('all': every channel) are at most "
    "the arm's per_7_days in any 7 days (sends before start count). effects.units: each other "
    "arm minus the reference arm among the test's units (a customer enters at their first "
    "marketing message in [start, end) and is followed for 60 days after it: unsubscribe = an "
    "unsubscribe from any message, complaint likewise, repurchase = >= 1 completed order, "
    "revenue = completed orders' amounts; experiments/contact_test_units.sql); value is the "
    "difference, se its Monte-Carlo standard error, and each arm's own mean under its name. "
    "effects.window: the same over every customer with outcomes in [start, end). While on "
    "(contact_frequency_test), each arm has its own cap and its customers quit at the arm's "
    "quit_per_year (an extra dropout hazard per day of the test, decided with BG/NBD's dropout "
    "at the next potential purchase); while off, every customer gets the lowest cap and no "
    "extra dropout, so the arms are treated alike and every difference is exactly 0. "
    "arms_in_data: customers per arm in customers.csv."
)
GROUP_MEANING = (
    "The gratitude_uplift estimand (treatment minus holdout in 180-day retention, value; and "
    "in revenue, value_spend) within each NPS group at the gesture: the latest survey answer "
    "with an NPS at or before given_at (promoter 9-10, passive 7-8, detractor 0-6; none: no "
    "such answer), as experiments/gesture_units.sql computes it. events: Monte-Carlo gestures "
    "with full follow-up, share of them; data_events: the same count in the written data. "
    "The planted multiplier of each treated gesture on the later dropout hazards depends on "
    "the customer's disposition, the NPS category of their main survey answer whenever it "
    "comes (hazard_ratio_of_disposition; 'none' = customers who answer no survey: "
    "gratitude_h). A gesture in a group is almost always one whose customer has that "
    "disposition; gestures in 'none' mix them all. Monte Carlo (batch-means se)."
)
CUPED_MEANING = (
    "Over the gestures with full follow-up (given_at <= as_of - 180 days): the correlation of "
    "the customer's completed orders in the 180 days up to the gesture ((given_at - 180 days, "
    "given_at], definitions.EXPERIMENT_PRE_DAYS; the covariate CUPED adjusts for) with their "
    "completed orders in the follow-up (given_at, given_at + 180 days] (orders), the same for "
    "revenue (revenue), and the pre-period orders with 180-day retention (retention). value: "
    "the Monte-Carlo population; data: the written data. Positive because customers differ "
    "in their purchase rates (BG/NBD's gamma heterogeneity) and keep them."
)


def truth_keys(
    params: WorldParams,
    effects: Effects,
    mc: dict[str, dict[str, Any]],
    world: World,
) -> dict[str, dict[str, Any]]:
    """``truth.json``'s ``contact_frequency_test``, ``gratitude_by_nps_group`` and
    ``cuped``: the Monte-Carlo truth, and counts of the written data (``world``)."""
    names = [a[0] for a in params.contact_test_arms]
    on = effects.on("contact_frequency_test")
    counts = np.bincount(world.arms, minlength=len(names))
    test: dict[str, Any] = {
        **x.declaration(params),
        "on": on,
        "reference_arm": names[0],
        "quit_per_year": {
            n: (float(k) if on else 0.0)
            for n, k in zip(names, params.contact_test_quit_per_year, strict=True)
        },
        "arms_in_data": {n: int(c) for n, c in zip(names, counts, strict=True)},
        "followup_days": d.CONTACT_TEST_FOLLOWUP_DAYS,
        "effects": {k: v for k, v in mc["contact_frequency_test"].items()},
        "meaning": CONTACT_TEST_MEANING,
    }
    events = GestureEvents(world)
    data_counts = group_counts(events)
    groups: dict[str, Any] = {
        name: {**entry, "data_events": data_counts[name]}
        for name, entry in mc["gratitude_by_nps_group"].items()
    }
    groups["meaning"] = GROUP_MEANING
    return {
        "contact_frequency_test": test,
        "gratitude_by_nps_group": groups,
        "cuped": {
            "value": mc["cuped"],
            "data": cuped(events),
            "pre_days": d.EXPERIMENT_PRE_DAYS,
            "meaning": CUPED_MEANING,
        },
    }
