"""The behavioural core: customers, their purchases (with tickets, fees and gestures) and
their survey answers.

The data set and the Monte-Carlo truth are both drawn by ``build_world``; the truth simply
uses a larger population and its own fixed seed. The survey draws that do not need the
purchases come first (the gratitude effect depends on the customer's main answer), and
each customer's arm in the contact-frequency test is given (the data set: the seeded hash
of the written customer ids) or drawn from the ``experiments`` stream (the truth).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from legame.simulate.experiments import draw_arms
from legame.simulate.params import Effects, WorldParams
from legame.simulate.population import Population, draw_population
from legame.simulate.purchases import History, simulate_purchases
from legame.simulate.streams import Streams
from legame.simulate.surveys import SurveyPlan, Surveys, draw_surveys, plan_surveys


@dataclass(frozen=True)
class World:
    params: WorldParams
    effects: Effects
    pop: Population
    hist: History
    surveys: Surveys
    plan: SurveyPlan
    arms: npt.NDArray[np.int64]  # each customer's arm in the contact-frequency test


def build_world(
    n: int,
    params: WorldParams,
    effects: Effects,
    streams: Streams,
    arms: npt.NDArray[np.int64] | None = None,
) -> World:
    pop = draw_population(
        n, params, effects, streams["population"], channel_rng=streams["acquisition"]
    )
    if arms is None:
        arms = draw_arms(n, params, streams["experiments"])
    plan = plan_surveys(pop, params, streams["surveys"])
    hist = simulate_purchases(
        pop,
        params,
        effects,
        streams["purchases"],
        streams["spend"],
        streams["gratitude"],
        disposition=plan.disposition,
        test_arm=arms,
    )
    surveys = draw_surveys(pop, hist, params, effects, plan)
    return World(
        params=params,
        effects=effects,
        pop=pop,
        hist=hist,
        surveys=surveys,
        plan=plan,
        arms=arms,
    )
