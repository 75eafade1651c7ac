"""The behavioural core: customers, their purchases (with tickets, fees and gestures) and
their survey answers.

The data set and the Monte-Carlo truth are both drawn by ``build_world``; the truth simply
uses a larger population and its own fixed seed.
"""

from __future__ import annotations

from dataclasses import dataclass

from legame.simulate.params import Effects, WorldParams
from legame.simulate.population import Population, draw_population
from legame.simulate.purchases import History, simulate_purchases
from legame.simulate.streams import Streams
from legame.simulate.surveys import Surveys, draw_surveys


@dataclass(frozen=True)
class World:
    params: WorldParams
    effects: Effects
    pop: Population
    hist: History
    surveys: Surveys


def build_world(n: int, params: WorldParams, effects: Effects, streams: Streams) -> World:
    pop = draw_population(
        n, params, effects, streams["population"], channel_rng=streams["acquisition"]
    )
    hist = simulate_purchases(
        pop, params, effects, streams["purchases"], streams["spend"], streams["gratitude"]
    )
    surveys = draw_surveys(pop, hist, params, effects, streams["surveys"])
    return World(params=params, effects=effects, pop=pop, hist=hist, surveys=surveys)
