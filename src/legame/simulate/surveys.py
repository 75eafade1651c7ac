"""Survey answers: NPS, CSAT, CES and the ten emotional motivators.

About 45% of customers answer one survey (a quarter of them a second one) 1-60 days after
one of their purchases, chosen at random. Every draw that does not need the purchases is
made first (``plan_surveys``), so the score of each customer's main answer is known before
the purchases are drawn: the gratitude effect depends on it (``purchases.py``).

* NPS comes from the latent loyalty plus per-answer noise, cut into 0-10 at the normal
  quantiles of ``nps_probs``.
* CSAT: while ``satisfaction_not_loyalty`` is on, a transient satisfaction drawn afresh for
  each answer, independent of loyalty and dropout; while it is off, the same latent score
  as the NPS. Either way cut at the normal quantiles of ``csat_probs``.
* CES (effort) leans against the CSAT latent.
* Motivator items: connected customers mostly 4-5, the others mostly 2-4, with a person
  level shift so answers hang together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

from legame.metrics.definitions import connection_index, nps_category
from legame.simulate.params import Effects, WorldParams
from legame.simulate.population import Population
from legame.simulate.purchases import History

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]
N_ITEMS = 10


@dataclass(frozen=True)
class Surveys:
    """Answers sorted by customer, then time."""

    cust: I64
    time: F64
    nps: F64  # 0-10, NaN when skipped
    nps_latent: I64  # the score the customer would have given (also when skipped)
    csat: I64
    ces: I64
    items: npt.NDArray[np.int8]  # (answers, 10), each 1-5
    first: Bool  # the customer's first answer

    @property
    def index(self) -> F64:
        return connection_index(self.items)


def _cut(latent: F64, probs: tuple[float, ...], lowest: int) -> I64:
    """Ordinal score from a standard-normal latent, with P(score = lowest + i) = probs[i]."""
    p = np.asarray(probs, dtype=float)
    cuts = special.ndtri(np.cumsum(p / p.sum())[:-1])
    return np.searchsorted(cuts, latent, side="right").astype(np.int64) + lowest


@dataclass(frozen=True)
class SurveyPlan:
    """Every survey draw that does not depend on the purchases, made before them.

    Planned answers: each chosen customer's main answer, then the second answers. Their
    scores are fixed here; when each answer comes needs the orders (``draw_surveys``). The
    customer's ``disposition`` (the NPS category of their main answer, -1 for customers
    who answer no survey) is what the gratitude effect depends on (``purchases.py``).
    """

    cust: I64
    main: Bool
    pick: F64  # (2, planned): which order the answer follows, and the delay after it
    noise: F64  # (3, planned): NPS response noise, transient satisfaction, effort noise
    score: F64  # standardized latent behind the NPS
    nps_latent: I64
    skipped: Bool
    person: F64  # per customer: level of the motivator items
    item_u: F64  # (planned, N_ITEMS)
    disposition: npt.NDArray[np.int8]  # per customer


def plan_surveys(pop: Population, params: WorldParams, rng: np.random.Generator) -> SurveyPlan:
    n = pop.size
    answers = np.flatnonzero(rng.random(n) < params.survey_share)
    again = answers[rng.random(answers.size) < params.second_survey_share]
    cust = np.concatenate([answers, again])
    main = np.r_[np.ones(answers.size, dtype=bool), np.zeros(again.size, dtype=bool)]
    m = cust.size
    pick = rng.random((2, m))
    noise = rng.standard_normal((3, m))
    skipped = rng.random(m) < params.nps_skip_share
    person = rng.normal(0.0, params.motivator_person_sd, n)
    item_u = rng.random((m, N_ITEMS))
    # Latent score behind the NPS, standardized with its population moments.
    c, w = params.connected_share, params.loyalty_connected_weight
    mean = w * c
    sd = np.sqrt(
        1.0 + w * w * c * (1 - c) + params.loyalty_noise_sd**2 + params.response_noise_sd**2
    )
    score = (pop.loyalty[cust] + params.response_noise_sd * noise[0] - mean) / sd
    nps_latent = _cut(score, params.nps_probs, 0)
    disposition = np.full(n, -1, dtype=np.int8)
    disposition[answers] = nps_category(nps_latent[: answers.size])
    return SurveyPlan(
        cust=cust,
        main=main,
        pick=pick,
        noise=noise,
        score=score,
        nps_latent=nps_latent,
        skipped=skipped,
        person=person,
        item_u=item_u,
        disposition=disposition,
    )


def draw_surveys(
    pop: Population,
    hist: History,
    params: WorldParams,
    effects: Effects,
    plan: SurveyPlan,
) -> Surveys:
    """The planned answers that fit before the end, each 1-60 days after one of the
    customer's orders (chosen at random among all of them)."""
    row = hist.first_order_row[plan.cust] + (plan.pick[0] * hist.n_orders[plan.cust]).astype(
        np.int64
    )
    t0 = hist.order_time[row]
    lo, hi = params.survey_delay_days
    room = np.minimum(hi, params.end_day - t0)
    time_all = t0 + lo + plan.pick[1] * (room - lo)
    ok = np.flatnonzero(room > lo)
    idx = ok[np.lexsort((time_all[ok], plan.cust[ok]))]
    cust, time = plan.cust[idx], time_all[idx]
    m = cust.size
    first = np.r_[True, cust[1:] != cust[:-1]] if m else np.zeros(0, dtype=bool)

    score, noise = plan.score[idx], plan.noise[:, idx]
    nps_latent = plan.nps_latent[idx]
    nps = np.where(plan.skipped[idx], np.nan, nps_latent.astype(float))
    sat = noise[1] if effects.on("satisfaction_not_loyalty") else score
    csat = _cut(sat, params.csat_probs, 1)
    ces = _cut(-0.5 * sat + np.sqrt(0.75) * noise[2], params.ces_probs, 1)

    person = plan.person[cust]
    v = special.ndtr(special.ndtri(np.clip(plan.item_u[idx], 1e-12, 1 - 1e-12)) + person[:, None])
    cdf_c = np.cumsum(params.motivator_probs_connected)[:-1]
    cdf_u = np.cumsum(params.motivator_probs_unconnected)[:-1]
    conn = pop.connected[cust][:, None]
    items = (
        np.where(
            conn,
            np.searchsorted(cdf_c, v.ravel(), side="right").reshape(v.shape),
            np.searchsorted(cdf_u, v.ravel(), side="right").reshape(v.shape),
        )
        + 1
    )
    return Surveys(
        cust=cust,
        time=time,
        nps=nps,
        nps_latent=nps_latent,
        csat=csat,
        ces=ces,
        items=items.astype(np.int8),
        first=first,
    )
