"""Promoters are the ones who recommend you: word of mouth (seed 003).

Estimand (``truth.json`` ``promoters_referrals``): the referral rate ratio promoters /
passives, in referrals per customer-year from the customer's first survey answer to the
as-of date, by the NPS category of that first answer (0-6 detractor, 7-8 passive, 9-10
promoter). Customers whose first answer skipped the NPS question are left out.

Interval: the exact conditional interval for a ratio of Poisson rates (given the total,
the promoters' count is binomial; Clopper-Pearson), with the Wald interval on the log
scale in ``details``. Per-category rates carry exact (Garwood) intervals.

Verdict: ``supported`` when the interval lies above 1 (promoters refer more than
passives), ``contradicted`` below 1, ``not_supported`` otherwise. Minimum: 30 promoters and
30 passives and at least 10 referrals between them. Observational: an association, not
proof of cause.
"""

from __future__ import annotations

import numpy as np

from legame.insights.context import Context, days, numbers
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

ID = "promoters_and_word_of_mouth"
#: No effect: a ratio of 1.
NULL = 1.0
CLAIM = (
    "Promoters are the customers who recommend the business to friends: they drive word "
    "of mouth (seed 003)."
)
METHOD = (
    "Referrals per customer-year from each customer's first survey answer to the as-of "
    "date, by the NPS category of that answer; promoter / passive rate ratio with the "
    "exact conditional (Poisson) 95% interval."
)
MIN_GROUP = 30
MIN_REFERRALS = 10


def compute(ctx: Context) -> Finding:
    t = ctx.fetch("finding_referrals")
    nps = numbers(t["nps"])
    ok = ~np.isnan(nps)
    cat = d.nps_category(nps[ok])
    exposure = (ctx.as_of_day - days(t["answered_at"])[ok]) / d.REFERRAL_EXPOSURE_DAYS_PER_YEAR
    refs = numbers(t["referrals"])[ok]
    per: dict[str, dict[str, float]] = {}
    for code, name in enumerate(d.NPS_CATEGORIES):
        sel = cat == code
        per[name] = {
            "customers": int(sel.sum()),
            "referrals": int(refs[sel].sum()),
            "customer_years": float(exposure[sel].sum()),
        }
    pro, pas = per["promoter"], per["passive"]
    n = int(pro["customers"] + pas["customers"])
    if min(pro["customers"], pas["customers"]) < MIN_GROUP or (
        pro["referrals"] + pas["referrals"] < MIN_REFERRALS
    ):
        return insufficient(
            ID,
            CLAIM,
            METHOD,
            (
                f"needs at least {MIN_GROUP} promoters and {MIN_GROUP} passives with a survey "
                f"answer and {MIN_REFERRALS} referrals between them; found "
                f"{pro['customers']} promoters, {pas['customers']} passives and "
                f"{pro['referrals'] + pas['referrals']} referrals."
            ),
            why=phrase(
                f"finding.{ID}.too_few",
                min=MIN_GROUP,
                min_referrals=MIN_REFERRALS,
                promoters=phrase("count.promoters", n=int(pro["customers"])),
                passives=phrase("count.passives", n=int(pas["customers"])),
                referrals=phrase("count.referrals", n=int(pro["referrals"] + pas["referrals"])),
            ),
            n=n,
            details={"by_nps": per},
        )
    rr = stats.rate_ratio_exact(
        int(pro["referrals"]), pro["customer_years"], int(pas["referrals"]), pas["customer_years"]
    )
    wald = stats.rate_ratio_wald(
        pro["referrals"], pro["customer_years"], pas["referrals"], pas["customer_years"]
    )
    rows = []
    for name, v in per.items():
        rate = stats.poisson_rate(int(v["referrals"]), v["customer_years"])
        rows.append(
            {
                "group": name,
                **v,
                "rate_per_year": rate.estimate,
                "ci_low": rate.ci_low,
                "ci_high": rate.ci_high,
            }
        )
    details: dict[str, object] = {"by_nps": rows, "wald_ci": [wald.ci_low, wald.ci_high]}
    det = per["detractor"]
    if det["customers"] >= MIN_GROUP and det["customer_years"] > 0:
        pd = stats.rate_ratio_exact(
            int(pro["referrals"]),
            pro["customer_years"],
            int(det["referrals"]),
            det["customer_years"],
        )
        details.update(
            promoter_detractor_ratio=pd.estimate, promoter_detractor_ci=[pd.ci_low, pd.ci_high]
        )
    verdict = verdict_from_interval(rr.ci_low, rr.ci_high, 1.0, "above")
    return Finding(
        id=ID,
        claim=CLAIM,
        estimate=rr.estimate,
        ci_low=rr.ci_low,
        ci_high=rr.ci_high,
        n=n,
        method=METHOD,
        verdict=verdict,
        summary=_summary(verdict, rr),
        causal=False,
        details=details,
        text=result_sentences(ID, verdict, est=rr.estimate, lo=rr.ci_low, hi=rr.ci_high),
    )


def _summary(verdict: Verdict, rr: stats.Interval) -> str:
    base = (
        f"Promoters made {rr.estimate:.1f}x as many referrals per year as passives (95% "
        f"interval {rr.ci_low:.1f}x to {rr.ci_high:.1f}x)."
    )
    tail = {
        "supported": " Promoters do spread the word; an association, not proof of cause.",
        "contradicted": " Here passives refer more; an association, not proof of cause.",
        "not_supported": " The data cannot tell promoters and passives apart yet.",
    }
    return base + tail[verdict]
