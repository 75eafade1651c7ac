"""The randomized contact-frequency test, and the NPS group a gesture is read by.

**The contact-frequency test** (seed 000, "stop bombarding") is declared by
``WorldParams.contact_test_*`` exactly as a workspace's policy declares one
(``[experiments.contact_tests.<name>]``; :func:`policy_fragment` writes that table).
Each customer's arm is :func:`legame.assign.arm_indices` of (seed, name, customer id,
shares) on the ids ``customers.csv`` holds, so legame's governor and results compute the
same arms from the written ids. From ``start`` (inclusive) to ``end`` (exclusive) the
marketing sends (every campaign but the transactional ones) on the test's channel
(``all``: every channel) of each customer are thinned to the arm's cap per rolling 7 days:
the customer's planned sends are taken in time order and one is dropped when the customer
already had ``cap`` such sends in the 7 days before it (sends before ``start`` count), so
every 7-day span that ends inside the test holds at most ``cap`` of them. Transactional
sends are never dropped. Unsubscribes are drawn afterwards on the sends that remain (an
unsubscribe cancels later sends, which only lowers the counts), so the caps hold in
``messages.csv``.

The planted effect (``contact_frequency_test``) is on unless switched off:

* **on**: each arm has its own cap, and the customers of an arm with a quit rate
  (``contact_test_quit_per_year``: 0 for ``low``, 1 a year for ``high``) drop out at that
  rate per day of the test, on top of BG/NBD's dropout (decided with it, at the next
  potential purchase, and scaled like it by a poor ticket or a gesture; a rate per day,
  so frequent buyers are not hit harder): fewer repurchases and less revenue in the high
  arm. The high arm's unsubscribes and complaints rise only through its extra messages,
  by the per-message probabilities every message has (0.003 and 0.001, times the
  ``contact_pressure`` factor of its band), so the contact_pressure truth stays exact.
* **off**: every customer in the test gets the lowest arm's cap and no extra dropout, so
  both arms are treated exactly alike and every true difference between them is 0 (the
  declared caps still hold: each is an upper bound). This is why "off" caps everyone at
  the lowest cap instead of at each arm's own: with different caps the arms would differ
  mechanically (more messages, more chances to unsubscribe) and the null would not be 0.

The truth (``experiment_truth.py``) is computed on a Monte-Carlo subset with the same
customers in every arm (common random numbers): the contact process is drawn once per
arm with the same stream, and another arm's purchases follow from the reference arm's by
an independent extra quit coin per dropout decision, with the difference of the two arms'
quit hazards (independent hazards add up, so this is the arm's process exactly).

**The NPS group at a gesture** (:func:`nps_group_at`) is legame's segment
(``experiments/gesture_units.sql``): the latest survey answer with an NPS at or before
``given_at``: promoter (9-10), passive (7-8), detractor (0-6), or none. The gratitude
effect of a fee waiver (``gratitude_nps_triggers``) depends on the customer's
*disposition*, the NPS category of their main survey answer whenever it comes
(``surveys.plan_surveys``): the hazard multiplier is 0.25 for detractors, 0.4 for passives
and 0.7 for promoters, and 0.5 (``gratitude_h``, as before) for customers who answer no
survey; the thank-you note keeps 0.5 for everyone. Why the disposition and not the group
at the gesture: a simulated answer follows an order drawn among all of the customer's
orders, later ones included, so the answers before a gesture are not known when the
purchases are drawn, and the group at the gesture cannot drive them without a circle. A
gesture in the group promoter, passive or detractor is one whose customer has that
disposition in over 90% of cases (a second answer in another group can come in between);
gestures in the group "none" mix every disposition.

The multipliers average about 0.5 on the log scale over the fee waivers' dropout
decisions, so ``hazard_ratio_per_gesture`` (0.5) stays the one hazard ratio a pooled model
finds (``legame clv fit --covariates``' gesture: mean log hazard ratio -0.671, standard
error 0.012, over seeds 12-17 of 10,000 customers, for log 0.5 = -0.693; -0.78 over seeds
12-15 with 0.2, 0.35 and 0.5, which the gesture's interval missed in two of four).
Promoters keep an effect (0.7, not 1) because they are most of the emotionally connected
customers, whose many fee waivers carry the emotion_value truth: with no effect for them
that truth falls from about 2.0 to about 1.7.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from legame.assign import arm_indices
from legame.errors import InputError
from legame.metrics import definitions as d
from legame.simulate.params import Effects, WorldParams

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

#: The NPS groups of a gesture, by code: 0-2 as ``definitions.nps_category``, -1 none.
NPS_GROUPS: tuple[str, ...] = ("detractor", "passive", "promoter", "none")
#: The rolling window of the caps, in days; a kept send is more than this (plus one
#: second, so that whole-second timestamps keep the gap) after the cap-th one before it.
CAP_WINDOW_DAYS = 7.0
_GAP = CAP_WINDOW_DAYS + 1.0 / 86_400


def shares(params: WorldParams) -> tuple[float, ...]:
    return tuple(float(a[1]) for a in params.contact_test_arms)


def arms_of_ids(params: WorldParams, customer_ids: Iterable[str]) -> I64:
    """Each customer's arm index, by legame's seeded hash of the written id."""
    return arm_indices(
        params.contact_test_seed, params.contact_test_name, customer_ids, shares(params)
    )


def draw_arms(n: int, params: WorldParams, rng: np.random.Generator) -> I64:
    """Arms drawn at random with the declared shares (the Monte-Carlo population, which
    has no written ids; the hash is a random split all the same)."""
    cuts = np.cumsum(shares(params))
    cuts = cuts / cuts[-1]
    return np.minimum(np.searchsorted(cuts, rng.random(n), side="right"), cuts.size - 1).astype(
        np.int64
    )


def caps(arms: I64, params: WorldParams, effects: Effects) -> I64:
    """Each customer's cap per rolling 7 days: the arm's while the effect is on, the
    lowest arm's for everyone while it is off."""
    per_arm = np.array([int(a[2]) for a in params.contact_test_arms], dtype=np.int64)
    if (per_arm < 1).any():
        raise InputError("every arm of the contact test must allow at least one send")
    if not effects.on("contact_frequency_test"):
        per_arm = np.full_like(per_arm, per_arm.min())
    return per_arm[arms]


def thin_to_caps(cust: I64, sent: F64, counted: Bool, cap: I64, start: float, end: float) -> Bool:
    """Which sends remain: rows sorted by (customer, time); ``counted`` marks the sends the
    caps count (marketing, on the test's channel); only those in [start, end) are dropped."""
    keep = np.ones(cust.size, dtype=bool)
    rows = np.flatnonzero(counted & (sent >= start - CAP_WINDOW_DAYS) & (sent < end))
    if rows.size == 0:
        return keep
    c = cust[rows]
    new = np.r_[True, c[1:] != c[:-1]]
    begin = np.flatnonzero(new)
    rank = np.arange(rows.size) - np.repeat(begin, np.diff(np.r_[begin, rows.size]))
    by_rank = rows[np.argsort(rank, kind="stable")]
    bounds = np.searchsorted(np.sort(rank), np.arange(int(rank.max()) + 2))
    width = int(cap.max())
    n = int(cust.max()) + 1
    recent = np.full((n, width), -np.inf)  # ring of each customer's last kept sends
    count = np.zeros(n, dtype=np.int64)
    for r in range(bounds.size - 1):
        sel = by_rank[bounds[r] : bounds[r + 1]]
        who, t = cust[sel], sent[sel]
        k = cap[who]
        pos = count[who]
        oldest = np.where(pos >= k, recent[who, (pos - k) % width], -np.inf)
        ok = (t < start) | (t - oldest >= _GAP)
        keep[sel[~ok]] = False
        who, t, pos = who[ok], t[ok], pos[ok]
        recent[who, pos % width] = t
        count[who] += 1
    return keep


def counted_sends(channel: I64, transactional: Bool, channels: tuple[str, ...], test: str) -> Bool:
    """The sends the test's caps count: marketing ones on its channel (or on every one)."""
    if test == "all":
        return ~transactional
    if test not in channels:
        raise InputError(f"unknown contact-test channel {test!r}")
    return ~transactional & (channel == channels.index(test))


def nps_group_at(s_cust: I64, s_time: F64, s_nps: F64, cust: I64, at: F64) -> npt.NDArray[np.int8]:
    """NPS category (0 detractor, 1 passive, 2 promoter; -1 none) of each (customer, time)'s
    latest answer with an NPS at or before ``at``. Answers sorted by (customer, time)."""
    has = ~np.isnan(s_nps)
    sc, st, sn = s_cust[has], s_time[has], s_nps[has]
    span = float(max(np.max(st, initial=0.0), np.max(at, initial=0.0))) + 1.0
    pos = np.searchsorted(sc * span + st, cust * span + at, side="right") - 1
    out = np.full(cust.size, -1, dtype=np.int8)
    found = pos >= 0
    found[found] = sc[pos[found]] == cust[found]
    out[found] = d.nps_category(sn[pos[found]])
    return out


def declaration(params: WorldParams) -> dict[str, Any]:
    """The test as the policy declares it (truth.json and :func:`policy_fragment`)."""
    return {
        "name": params.contact_test_name,
        "seed": params.contact_test_seed,
        "start": params.contact_test_start,
        "end": params.contact_test_end,
        "channel": params.contact_test_channel,
        "arms": [
            {"name": name, "share": share, "per_7_days": cap}
            for name, share, cap in params.contact_test_arms
        ],
    }


def _key(name: str) -> str:
    """A TOML key: bare when it can be, quoted otherwise."""
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)


def policy_fragment(truth: Mapping[str, Any]) -> str:
    """The TOML of the test's ``[experiments.contact_tests.<name>]`` table, from a
    ``truth.json`` dict (or :func:`declaration`), to append to a workspace's legame.toml."""
    test = truth.get("contact_frequency_test", truth)
    lines = [
        f"[experiments.contact_tests.{_key(test['name'])}]",
        f'start = "{test["start"]}"',
        f'end = "{test["end"]}"',
        f"seed = {int(test['seed'])}",
        f'channel = "{test["channel"]}"',
    ]
    for arm in test["arms"]:
        lines.append(
            f"arms.{_key(arm['name'])} = {{ share = {float(arm['share'])!r}, "
            f"per_7_days = {int(arm['per_7_days'])} }}"
        )
    return "\n".join(lines) + "\n"
