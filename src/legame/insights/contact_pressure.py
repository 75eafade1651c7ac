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

**Causal, when there is a test.** When the policy declares a randomized contact-frequency
test (``[experiments.contact_tests]``) and it has units in its most and least permissive
arms (:func:`legame.experiments.contact_test.pressure_contrast`), the finding is that
test's reading instead, and says it is causal: the estimate is the difference (most minus
least permissive arm) in the share of customers who unsubscribe within 60 days of their
first message in the test, with the always-valid interval (CUPED on the 180 days before);
``supported`` when it lies above 0. The observational reading stays in
``details["observational"]``, beside it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from legame.engage.preferences import summary as cadence_summary
from legame.experiments.contact_test import pressure_contrast
from legame.insights.context import Context, numbers
from legame.insights.finding import (
    Finding,
    Verdict,
    insufficient,
    phrase,
    result_sentences,
    sentences,
    verdict_from_interval,
)
from legame.metrics import definitions as d
from legame.metrics import stats
from legame.policy import load_policy, policy_path_for
from legame.words import is_one, noun

ID = "contact_pressure"
#: No effect: a ratio of 1.
NULL = 1.0
CLAIM = (
    "Bombarding customers with messages backfires: more contact does not build the "
    "relationship, it drives customers away (seeds 000 and 003)."
)
CAUSAL_METHOD = (
    "Randomized contact-frequency test (the policy's [experiments.contact_tests]): the share "
    "of customers who unsubscribe within 60 days of their first message in the test, the "
    "most permissive arm minus the least; CUPED on the 180 days before, always-valid 95% "
    "confidence sequence (Waudby-Smith et al. 2024)."
)
#: What the causal verdict means, as the English catalogue says it.
CAUSAL_VERDICTS = {
    "supported": "The arms were assigned at random, so this is the effect of the cadence: "
    "more messages drive customers away.",
    "contradicted": "The arms were assigned at random, so this is the effect of the cadence: "
    "here more messages kept customers.",
    "not_supported": "The arms were assigned at random; the effect of the cadence cannot be "
    "told apart from zero yet. The interval stays valid at every look: keep the test running.",
}
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
    """The causal reading when the policy's contact-frequency test has results (module
    docstring), with the observational one in its details; else the observational one."""
    observed = _observational(ctx)
    contrast = _contrast(ctx)
    found = observed if contrast is None else _causal(contrast, observed)
    return _with_cadence(ctx, found)


def _with_cadence(ctx: Context, found: Finding) -> Finding:
    """The finding with what customers chose through their preference links: how many
    chose a lower cadence, and their revenue in the 90 days after the choice against the
    90 days before (:func:`legame.engage.preferences.summary`)."""
    if ctx.as_of is None:
        return found
    chosen = cadence_summary(
        ctx.workspace, load_policy(policy_path_for(ctx.workspace.path)), as_of=ctx.as_of
    )
    moment = chosen["as_of"]
    details = {
        **found.details,
        "chosen_cadence": {**chosen, "as_of": None if moment is None else moment.isoformat()},
    }
    n, every, days = chosen["customers"], chosen["kinds"][0], chosen["window_days"]
    if not n or not found.text:
        return replace(found, details=details)
    many = noun(n, "customer chose", "customers chose")
    mine = "their preference link" if is_one(n) else "their preference links"
    said = f"{n:,} {many} a lower cadence than the policy allows through {mine}"
    if every["observed"] and every["revenue_before"] is not None:
        before, after = every["revenue_before"], every["revenue_after"]
        key = f"finding.{ID}.cadence_value"
        values: dict[str, Any] = {"days": days, "before": before, "after": after}
        whose = "the" if is_one(n) else "their"
        said += (
            f"; in the {days} days after {whose} choice they spent {after:,.2f} on average, "
            f"against {before:,.2f} in the {days} days before."
        )
    else:
        key, values = f"finding.{ID}.cadence", {}
        said += "."
    text = {**found.text, "summary": [*found.text["summary"], phrase(key, n=n, **values)]}
    return replace(found, details=details, text=text, summary=f"{found.summary} {said}")


def _per_week(value: float) -> float | int:
    """Messages a week as the catalogue writes a number without a format: a whole number
    as one, else to one decimal."""
    rounded = round(value, 1)
    return int(rounded) if float(rounded).is_integer() else rounded


def _contrast(ctx: Context) -> dict[str, Any] | None:
    if ctx.as_of is None:
        return None
    policy = load_policy(policy_path_for(ctx.workspace.path))
    return pressure_contrast(ctx.workspace, policy, ctx.as_of, engine=ctx.engine)


def _causal(contrast: dict[str, Any], observed: Finding) -> Finding:
    """The test's arms, most permissive minus least: the difference in the share of
    customers who unsubscribe within the follow-up, with the always-valid interval."""
    unsub = contrast["comparisons"]["unsubscribe"]["always_valid"]
    est, lo, hi = unsub["estimate"], unsub["ci_low"], unsub["ci_high"]
    verdict = verdict_from_interval(lo, hi, 0.0, "above")
    values = {
        "test": contrast["test"],
        "more": contrast["more"],
        "less": contrast["less"],
        "more_per_week": _per_week(contrast["more_per_week"]),
        "less_per_week": _per_week(contrast["less_per_week"]),
        "days": contrast["followup_days"],
        "est": 100 * est,
        "lo": 100 * lo,
        "hi": 100 * hi,
    }
    said = (
        f"In the randomized contact test {values['test']}, customers allowed "
        f"{values['more_per_week']} messages a week ({values['more']}) unsubscribed within "
        f"{values['days']} days {100 * est:+.2f} percentage points more often than those "
        f"allowed {values['less_per_week']} ({values['less']}) (always-valid 95% interval "
        f"{100 * lo:+.2f} to {100 * hi:+.2f}). {CAUSAL_VERDICTS[verdict]}"
    )
    if observed.estimate is not None:
        said += (
            f" Without randomization, across all messages, the heavily contacted "
            f"unsubscribed {observed.estimate:.1f}x as often (95% interval "
            f"{observed.ci_low:.1f}x to {observed.ci_high:.1f}x): an association, shown "
            "beside the causal estimate."
        )
    text = sentences(
        ID,
        phrase(f"finding.{ID}.causal_result", **values),
        phrase(f"finding.{ID}.causal_{verdict}"),
        *(
            [
                phrase(
                    f"finding.{ID}.observational",
                    est=observed.estimate,
                    lo=observed.ci_low,
                    hi=observed.ci_high,
                )
            ]
            if observed.estimate is not None
            else []
        ),
    )
    text["method"] = f"finding.{ID}.causal_method"
    return Finding(
        id=ID,
        claim=CLAIM,
        estimate=est,
        ci_low=lo,
        ci_high=hi,
        n=int(contrast["units"]),
        method=CAUSAL_METHOD,
        verdict=verdict,
        summary=said,
        causal=True,
        details={
            "contact_test": contrast,
            "observational": {
                "estimand": "high / low band per-message unsubscribe rate ratio",
                "estimate": observed.estimate,
                "ci_low": observed.ci_low,
                "ci_high": observed.ci_high,
                "verdict": observed.verdict,
                **observed.details,
            },
        },
        text=text,
    )


def _observational(ctx: Context) -> Finding:
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
