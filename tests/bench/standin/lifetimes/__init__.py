"""A stand-in for lifetimes 0.11.3 in the bench's reference test (no network, no venv to
build): the calls ``legame/bench/lifetimes_pipeline.py`` makes, computed with legame's own
models, except that it reports ``r`` 1 % high and P(alive) 2 % high, so the bench's
comparison has a known disagreement to find. Agreement with the real lifetimes is pinned in
``tests/models`` (numbers recorded from lifetimes 0.11.3)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from legame.models import BetaGeo, GammaGamma

__version__ = "0.11.3-standin"
R_FACTOR = 1.01
ALIVE_FACTOR = 1.02


class BetaGeoFitter:
    def __init__(self, penalizer_coef: float = 0.0) -> None:
        self.model = BetaGeo(penalizer=penalizer_coef)

    def fit(self, frequency: pd.Series, recency: pd.Series, T: pd.Series) -> BetaGeoFitter:
        self.model.fit(frequency.to_numpy(), recency.to_numpy(), T.to_numpy())
        self.params_ = pd.Series({**self.model.params_, "r": self.model.params_["r"] * R_FACTOR})
        return self

    def conditional_expected_number_of_purchases_up_to_time(
        self, t: float, frequency: pd.Series, recency: pd.Series, T: pd.Series
    ) -> Any:
        return self.model.predict_purchases(
            t, frequency.to_numpy(), recency.to_numpy(), T.to_numpy()
        )

    def conditional_probability_alive(
        self, frequency: pd.Series, recency: pd.Series, T: pd.Series
    ) -> Any:
        alive = self.model.predict_alive(frequency.to_numpy(), recency.to_numpy(), T.to_numpy())
        return ALIVE_FACTOR * np.asarray(alive)


class GammaGammaFitter:
    def __init__(self, penalizer_coef: float = 0.0) -> None:
        self.model = GammaGamma(penalizer=penalizer_coef)

    def fit(self, frequency: pd.Series, monetary_value: pd.Series) -> GammaGammaFitter:
        self.model.fit(frequency.to_numpy(), monetary_value.to_numpy())
        p = self.model.params_
        self.params_ = pd.Series({"p": p["p"], "q": p["q"], "v": p["gamma"]})
        return self

    def conditional_expected_average_profit(
        self, frequency: pd.Series, monetary_value: pd.Series
    ) -> Any:
        return self.model.predict_spend(frequency.to_numpy(), monetary_value.to_numpy())
