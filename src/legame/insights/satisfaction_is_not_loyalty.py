"""Satisfaction is not a good indicator of loyalty (seed 001).

Estimand (``truth.json`` ``satisfaction_not_loyalty``): AUC(NPS) - AUC(survey CSAT) for
predicting retention (at least one completed order in ``[as_of - 180 days, as_of)``) among
customers whose latest survey answer before that window has an NPS; both scores from that
answer; AUC with ties counted one half (``definitions.auc``). ``details`` also gives the
AUC of the emotional connection index (on the customers whose answer has one).

Interval: paired percentile bootstrap (2,000 resamples of customers, the same resample for
every score, seeded).

Verdict: CSAT is a weaker predictor than NPS in any real data: it has 5 levels against
NPS's 11, so even when both measure the same attitude CSAT ranks a little worse (about 0.01
in AUC). A difference counts only beyond ``AUC_MARGIN`` = 0.02: ``supported`` when the
interval lies above +0.02 (CSAT predicts retention materially worse than NPS),
``contradicted`` when it lies below -0.02 (CSAT predicts it materially better),
``not_supported`` otherwise. Minimum: 100 customers, at least 20 retained and 20 not.
Observational: an association, not proof of cause.
"""

from __future__ import annotations

import numpy as np

from legame.insights.context import Context
from legame.insights.finding import (
    Finding,
    Verdict,
    insufficient,
    phrase,
    result_sentences,
    verdict_from_interval,
)
from legame.insights.panel import panel
from legame.metrics import stats

ID = "satisfaction_is_not_loyalty"
#: No effect: a difference of 0.
NULL = 0.0
CLAIM = (
    "Customer satisfaction is not a reliable indicator of loyalty: it reflects the latest "
    "interaction, not the bond (seed 001)."
)
METHOD = (
    "AUC for predicting retention (an order in the 180 days before the as-of date) from "
    "the latest earlier survey answer: AUC(NPS) - AUC(CSAT), with a paired 95% "
    "percentile bootstrap (2,000 resamples of customers); differences within +-0.02 "
    "count as none."
)
AUC_MARGIN = 0.02
MARGIN = AUC_MARGIN  # the claim of no relation holds within it
MIN_CUSTOMERS = 100
MIN_PER_CLASS = 20


def compute(ctx: Context) -> Finding:
    p = panel(ctx)
    m = p.surveyed & ~np.isnan(p.nps) & ~np.isnan(p.csat)
    y = p.retained[m]
    n = int(m.sum())
    n_pos = int(y.sum())
    if n < MIN_CUSTOMERS or min(n_pos, n - n_pos) < MIN_PER_CLASS:
        return insufficient(
            ID,
            CLAIM,
            METHOD,
            (
                f"needs at least {MIN_CUSTOMERS} customers with an NPS answer before the last 180 "
                f"days, {MIN_PER_CLASS} of them retained and {MIN_PER_CLASS} not; found {n} "
                f"({n_pos} retained)."
            ),
            why=phrase(
                f"finding.{ID}.too_few",
                min=MIN_CUSTOMERS,
                min_class=MIN_PER_CLASS,
                found=n,
                retained=phrase("count.retained", n=n_pos),
            ),
            n=n,
        )
    nps_codes, nps_levels = stats.score_codes(p.nps[m])
    csat_codes, csat_levels = stats.score_codes(p.csat[m])
    idx_all = np.arange(n)[None, :]
    auc_nps = float(stats.resampled_aucs(idx_all, nps_codes, nps_levels, y)[0])
    auc_csat = float(stats.resampled_aucs(idx_all, csat_codes, csat_levels, y)[0])
    index = p.index[m]
    has_index = ~np.isnan(index)
    rng = ctx.rng(ID)
    reps: dict[str, list[np.ndarray]] = {"nps": [], "csat": []}
    for idx in stats.index_chunks(rng, n):
        reps["nps"].append(stats.resampled_aucs(idx, nps_codes, nps_levels, y))
        reps["csat"].append(stats.resampled_aucs(idx, csat_codes, csat_levels, y))
    r_nps = np.concatenate(reps["nps"])
    r_csat = np.concatenate(reps["csat"])
    est = auc_nps - auc_csat
    lo, hi = stats.percentile_interval(r_nps - r_csat)
    details: dict[str, object] = {
        "auc_nps": auc_nps,
        "auc_nps_ci": list(stats.percentile_interval(r_nps)),
        "auc_csat": auc_csat,
        "auc_csat_ci": list(stats.percentile_interval(r_csat)),
        "retained": n_pos,
        "not_retained": n - n_pos,
        "auc_margin": AUC_MARGIN,
    }
    n_emo = int(has_index.sum())
    y_emo = y[has_index]
    if n_emo >= MIN_CUSTOMERS and min(int(y_emo.sum()), n_emo - int(y_emo.sum())) >= MIN_PER_CLASS:
        codes_e, levels_e = stats.score_codes(index[has_index])
        auc_emo = float(
            stats.resampled_aucs(np.arange(n_emo)[None, :], codes_e, levels_e, y_emo)[0]
        )
        r_emo = np.concatenate(
            [
                stats.resampled_aucs(idx, codes_e, levels_e, y_emo)
                for idx in stats.index_chunks(rng, n_emo)
            ]
        )
        details.update(
            auc_emotion=auc_emo,
            auc_emotion_ci=list(stats.percentile_interval(r_emo)),
            n_emotion=n_emo,
        )
    verdict = _verdict(lo, hi)
    return Finding(
        id=ID,
        claim=CLAIM,
        estimate=est,
        ci_low=lo,
        ci_high=hi,
        n=n,
        method=METHOD,
        verdict=verdict,
        summary=_summary(verdict, auc_nps, auc_csat, lo, hi),
        causal=False,
        details=details,
        text=result_sentences(ID, verdict, auc_nps=auc_nps, auc_csat=auc_csat, lo=lo, hi=hi),
    )


def _verdict(lo: float, hi: float) -> Verdict:
    if verdict_from_interval(lo, hi, AUC_MARGIN, "above") == "supported":
        return "supported"
    if verdict_from_interval(lo, hi, -AUC_MARGIN, "below") == "supported":
        return "contradicted"
    return "not_supported"


def _summary(verdict: Verdict, auc_nps: float, auc_csat: float, lo: float, hi: float) -> str:
    base = (
        f"Likelihood to recommend (NPS) ranks who comes back with an AUC of {auc_nps:.2f}, "
        f"satisfaction (CSAT) with {auc_csat:.2f} (difference 95% interval {lo:+.2f} to "
        f"{hi:+.2f}; 0.5 is a coin toss)."
    )
    tail = {
        "supported": " Satisfaction is the weaker signal of loyalty here; an association, not "
        "proof of cause.",
        "contradicted": " Here satisfaction is the better signal of loyalty; an association, "
        "not proof of cause.",
        "not_supported": " The two signals cannot be told apart on this data.",
    }
    return base + tail[verdict]
