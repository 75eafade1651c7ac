"""Word of mouth: referrals after the first survey answer, at a rate set by its NPS category.

From a customer's first survey answer to the as-of date, referrals arrive as a Poisson
process: 0.04 a year for detractors, 0.08 for passives and k x 0.08 for promoters
(``promoters_referrals``, k = 4; k = 1 while off). A skipped NPS uses the score the
customer would have given. A referral names an existing customer whose first purchase
falls within 30 days after it, if one is still free, else nobody.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from legame.metrics.definitions import REFERRAL_EXPOSURE_DAYS_PER_YEAR, nps_category
from legame.simulate.params import Effects, WorldParams
from legame.simulate.population import Population
from legame.simulate.surveys import Surveys

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Referrals:
    referrer: I64
    referred: I64  # -1: nobody identified
    time: F64


def rates_per_year(params: WorldParams, effects: Effects) -> F64:
    """Referral rate per customer-year by NPS category (detractor, passive, promoter)."""
    k = params.referral_k if effects.on("promoters_referrals") else 1.0
    return np.array(
        [
            params.referral_rate_detractor,
            params.referral_rate_passive,
            k * params.referral_rate_passive,
        ]
    )


def draw_referrals(
    pop: Population,
    surveys: Surveys,
    params: WorldParams,
    effects: Effects,
    rng: np.random.Generator,
) -> Referrals:
    first = np.flatnonzero(surveys.first)
    who = surveys.cust[first]
    since = surveys.time[first]
    category = nps_category(surveys.nps_latent[first])
    years = (params.end_day - since) / REFERRAL_EXPOSURE_DAYS_PER_YEAR
    count = rng.poisson(rates_per_year(params, effects)[category] * years)
    referrer = np.repeat(who, count)
    time = np.repeat(since, count) + rng.random(referrer.size) * np.repeat(
        params.end_day - since, count
    )
    order = np.lexsort((referrer, time))
    referrer, time = referrer[order], time[order]
    referred = np.full(referrer.size, -1, dtype=np.int64)
    taken = np.zeros(pop.size, dtype=bool)
    lo = np.searchsorted(pop.birth, time, side="right")
    hi = np.searchsorted(pop.birth, time + params.referral_match_days, side="right")
    picks = rng.random(referrer.size)
    for i in range(referrer.size):  # a few hundred referrals per 5,000 customers
        if hi[i] <= lo[i]:
            continue
        cand = np.arange(lo[i], hi[i])
        cand = cand[~taken[cand] & (cand != referrer[i])]
        if cand.size:
            c = cand[int(picks[i] * cand.size)]
            taken[c] = True
            referred[i] = c
    return Referrals(referrer=referrer, referred=referred, time=time)
