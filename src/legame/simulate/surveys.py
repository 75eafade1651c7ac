"""Survey answers: NPS, CSAT, CES and the ten emotional motivators.

About 45% of customers answer one survey (a quarter of them a second one) 1-60 days after
one of their purchases, chosen at random.

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

from legame.metrics.definitions import connection_index
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


def _pick_answers(
    hist: History, chosen: I64, params: WorldParams, rng: np.random.Generator
) -> tuple[I64, F64]:
    """One answer per chosen customer, 1-60 days after one of their orders (before the end)."""
    u = rng.random((2, chosen.size))
    row = hist.first_order_row[chosen] + (u[0] * hist.n_orders[chosen]).astype(np.int64)
    t0 = hist.order_time[row]
    lo, hi = params.survey_delay_days
    room = np.minimum(hi, params.end_day - t0)
    ok = room > lo
    time = t0 + lo + u[1] * (room - lo)
    return chosen[ok], time[ok]


def draw_surveys(
    pop: Population,
    hist: History,
    params: WorldParams,
    effects: Effects,
    rng: np.random.Generator,
) -> Surveys:
    n = pop.size
    answers = np.flatnonzero(rng.random(n) < params.survey_share)
    again = answers[rng.random(answers.size) < params.second_survey_share]
    c1, t1 = _pick_answers(hist, answers, params, rng)
    c2, t2 = _pick_answers(hist, again, params, rng)
    cust = np.concatenate([c1, c2])
    time = np.concatenate([t1, t2])
    order = np.lexsort((time, cust))
    cust, time = cust[order], time[order]
    m = cust.size
    first = np.r_[True, cust[1:] != cust[:-1]] if m else np.zeros(0, dtype=bool)

    # Latent score behind the NPS, standardized with its population moments.
    c, w = params.connected_share, params.loyalty_connected_weight
    mean = w * c
    sd = np.sqrt(
        1.0 + w * w * c * (1 - c) + params.loyalty_noise_sd**2 + params.response_noise_sd**2
    )
    draws = rng.standard_normal((4, m))
    score = (pop.loyalty[cust] + params.response_noise_sd * draws[0] - mean) / sd
    nps_latent = _cut(score, params.nps_probs, 0)
    skipped = rng.random(m) < params.nps_skip_share
    nps = np.where(skipped, np.nan, nps_latent.astype(float))
    sat = draws[1] if effects.on("satisfaction_not_loyalty") else score
    csat = _cut(sat, params.csat_probs, 1)
    ces = _cut(-0.5 * sat + np.sqrt(0.75) * draws[2], params.ces_probs, 1)

    person = rng.normal(0.0, params.motivator_person_sd, n)[cust]
    v = special.ndtr(
        special.ndtri(np.clip(rng.random((m, N_ITEMS)), 1e-12, 1 - 1e-12)) + person[:, None]
    )
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
