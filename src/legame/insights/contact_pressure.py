"""Bombarding customers with messages backfires (seeds 000 and 003).

Estimand (``truth.json`` ``contact_pressure``): the per-message unsubscribe rate ratio of the
high band to the low band, where a message's band is the number of messages (any channel,
any kind) the customer received in the 30 days before it (``definitions.contact_band``:
0-4 low, 5-8 mid, 9+ high). ``details`` has the dose-response per band: unsubscribe,
complaint and later-purchase rates (a completed order within 30 days after the message,
among messages sent at least 30 days before the as-of date), and the complaint rate ratio.

Interval: percentile bootstrap over *customers* (2,000 resamples, seeded): a customer's
messages move together, so customers, not messages, are the independent units. The exact
per-message (Poisson) interval, which ignores that, is in ``details``.

Verdict: ``supported`` when the interval lies above 1 (more pressure, more unsubscribes),
``contradicted`` below 1, ``not_supported`` otherwise. Minimum, in each of the low and high
bands: 50 customers (the bootstrap's units), 500 messages and 10 unsubscribes.
Observational: an association, not proof of cause (customers who get more messages may
differ in other ways).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from legame.insights.context import Context, numbers
from legame.insights.finding import (
    Finding,
    Verdict,
    insufficient,
    phrase,
    result_sentences,
    verdict_from_interval,
)
from legame.metrics import definitions as d
from legame.metrics import stats

ID = "contact_pressure"
#: No effect: a ratio of 1.
NULL = 1.0
CLAIM = (
    "Bombarding customers with messages backfires: more contact does not build the "
    "relationship, it drives customers away (seeds 000 and 003)."
)
METHOD = (
    "Per-message unsubscribe rate by contact pressure (messages in the 30 days before "
    "each message: 0-4 low, 5-8 mid, 9+ high); high / low rate ratio with a 95% "
    "percentile bootstrap over customers (2,000 resamples)."
)
FOLLOWUP_DAYS = 30
MIN_CUSTOMERS = 50
MIN_MESSAGES = 500
MIN_UNSUBSCRIBES = 10
MEASURES = ("messages", "unsubscribes", "complaints", "observed", "purchased")
BANDS = tuple(name for name, _, _ in d.CONTACT_BANDS)

FloatArray = npt.NDArray[np.float64]


def compute(ctx: Context) -> Finding:
    t = ctx.fetch(
        "finding_contact_pressure", **d.contact_pressure_params(), followup_days=FOLLOWUP_DAYS
    )
    ids = np.asarray(t["customer_id"].to_pylist(), dtype=object)
    band = numbers(t["band"]).astype(np.int64)
    _, cust = np.unique(ids, return_inverse=True) if ids.size else (ids, np.zeros(0, np.int64))
    n_cust = int(cust.max()) + 1 if cust.size else 0
    # per customer: (band, measure) counts, flattened
    X = np.zeros((n_cust, len(BANDS) * len(MEASURES)))
    for j, m in enumerate(MEASURES):
        np.add.at(X, (cust, band * len(MEASURES) + j), numbers(t[m]))
    tot = X.sum(axis=0).reshape(len(BANDS), len(MEASURES))
    col = {m: j for j, m in enumerate(MEASURES)}
    low, high = tot[0], tot[2]
    n_msgs = int(tot[:, col["messages"]].sum())
    reached = [int(np.count_nonzero(X[:, k * len(MEASURES)])) for k in range(len(BANDS))]
    if (
        min(reached[0], reached[2]) < MIN_CUSTOMERS
        or min(low[col["messages"]], high[col["messages"]]) < MIN_MESSAGES
        or min(low[col["unsubscribes"]], high[col["unsubscribes"]]) < MIN_UNSUBSCRIBES
    ):
        return insufficient(
            ID,
            CLAIM,
            METHOD,
            (
                f"needs at least {MIN_CUSTOMERS} customers, {MIN_MESSAGES} messages and "
                f"{MIN_UNSUBSCRIBES} unsubscribes in both the low (0-4 messages in 30 days) and "
                f"the high (9+) band; found {reached[0]} customers, {int(low[col['messages']])} "
                f"messages and {int(low[col['unsubscribes']])} unsubscribes (low) and "
                f"{reached[2]} customers, {int(high[col['messages']])} messages and "
                f"{int(high[col['unsubscribes']])} unsubscribes (high)."
            ),
            why=phrase(
                f"finding.{ID}.too_few",
                min_customers=MIN_CUSTOMERS,
                min_messages=MIN_MESSAGES,
                min_unsubscribes=MIN_UNSUBSCRIBES,
                low=_found(reached[0], low, col),
                high=_found(reached[2], high, col),
            ),
            n=n_msgs,
        )
    rng = ctx.rng(ID)
    reps = np.concatenate([w @ X for w in stats.count_chunks(rng, n_cust)])
    reps = reps.reshape(-1, len(BANDS), len(MEASURES))
    with np.errstate(invalid="ignore", divide="ignore"):
        unsub = reps[:, :, col["unsubscribes"]] / reps[:, :, col["messages"]]
        compl = reps[:, :, col["complaints"]] / reps[:, :, col["messages"]]
        bought = reps[:, :, col["purchased"]] / reps[:, :, col["observed"]]
        rr_reps = unsub[:, 2] / unsub[:, 0]
        crr_reps = compl[:, 2] / compl[:, 0]
    rate = tot[:, col["unsubscribes"]] / tot[:, col["messages"]]
    est = float(rate[2] / rate[0])
    lo, hi = stats.percentile_interval(rr_reps)
    exact = stats.rate_ratio_exact(
        int(high[col["unsubscribes"]]),
        high[col["messages"]],
        int(low[col["unsubscribes"]]),
        low[col["messages"]],
    )
    details: dict[str, object] = {
        "by_band": _by_band(tot, col, unsub, compl, bought),
        "complaint_rate_ratio": _ratio(
            tot[2, col["complaints"]],
            tot[2, col["messages"]],
            tot[0, col["complaints"]],
            tot[0, col["messages"]],
        ),
        "complaint_rate_ratio_ci": list(stats.percentile_interval(crr_reps)),
        "per_message_exact_ci": [exact.ci_low, exact.ci_high],
        "customers": n_cust,
        "pressure_window_days": d.CONTACT_PRESSURE_WINDOW_DAYS,
        "purchase_followup_days": FOLLOWUP_DAYS,
    }
    verdict = verdict_from_interval(lo, hi, 1.0, "above")
    return Finding(
        id=ID,
        claim=CLAIM,
        estimate=est,
        ci_low=lo,
        ci_high=hi,
        n=n_msgs,
        method=METHOD,
        verdict=verdict,
        summary=_summary(verdict, est, lo, hi),
        causal=False,
        details=details,
        text=result_sentences(ID, verdict, est=est, lo=lo, hi=hi),
    )


def _found(customers: int, totals: FloatArray, col: dict[str, int]) -> dict[str, object]:
    """What one band holds, as a phrase: customers, messages, unsubscribes."""
    return phrase(
        f"finding.{ID}.found",
        customers=phrase("count.customers", n=customers),
        messages=phrase("count.messages", n=int(totals[col["messages"]])),
        unsubscribes=phrase("count.unsubscribes", n=int(totals[col["unsubscribes"]])),
    )


def _ratio(a: float, na: float, b: float, nb: float) -> float | None:
    if na <= 0 or nb <= 0 or b <= 0:
        return None
    return float((a / na) / (b / nb))


def _by_band(
    tot: FloatArray, col: dict[str, int], unsub: FloatArray, compl: FloatArray, bought: FloatArray
) -> list[dict[str, object]]:
    rows = []
    for k, name in enumerate(BANDS):
        row = tot[k]
        entry: dict[str, object] = {
            "band": name,
            "messages": int(row[col["messages"]]),
            "unsubscribes": int(row[col["unsubscribes"]]),
            "complaints": int(row[col["complaints"]]),
        }
        for key, num, den, reps in (
            ("unsubscribe_rate", "unsubscribes", "messages", unsub),
            ("complaint_rate", "complaints", "messages", compl),
            ("purchase_rate_30d", "purchased", "observed", bought),
        ):
            value = float(row[col[num]] / row[col[den]]) if row[col[den]] > 0 else None
            lo, hi = stats.percentile_interval(reps[:, k])
            entry.update({key: value, f"{key}_ci": [lo, hi]})
        rows.append(entry)
    return rows


def _summary(verdict: Verdict, est: float, lo: float, hi: float) -> str:
    base = (
        f"Customers who had received 9 or more messages in the previous 30 days "
        f"unsubscribed {est:.1f}x as often per message as those who had received 0-4 "
        f"(95% interval {lo:.1f}x to {hi:.1f}x)."
    )
    tail = {
        "supported": " More pressure goes with more unsubscribes; an association, not proof "
        "of cause.",
        "contradicted": " Here heavily contacted customers unsubscribe less; an association, "
        "not proof of cause.",
        "not_supported": " The data cannot tell whether pressure drives unsubscribes.",
    }
    return base + tail[verdict]
