"""`fit_covariates` on simulated businesses recovers the planted covariate effects inside
their 95% intervals, and finds none (intervals that cover no effect) where none is planted.

The truth is ``truth.json``'s: the acquisition channel's coefficients against the baseline
channel (``effects.acquisition_channel.coefficients``: purchase, dropout odds and spend), the
hazard ratio of a poor support experience (``service_dropout``) and that of each gesture of
gratitude (``gratitude_uplift.hazard_ratio_per_gesture``). Eight intervals at once on one
seed: the calibration over seeds is reported in ``docs/covariates.md``.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from legame.covariates import CovariateFit, fit_covariates
from legame.store import Workspace

from .conftest import Built

NAMES = ("acquisition_channel", "poor_service", "gesture")


def _fit(built: Built) -> CovariateFit:
    with Workspace.open(built.db) as ws:
        return fit_covariates(ws, NAMES)


@pytest.fixture(scope="module")
def planted_fit(planted: Built) -> CovariateFit:
    return _fit(planted)


@pytest.fixture(scope="module")
def unplanted_fit(unplanted: Built) -> CovariateFit:
    return _fit(unplanted)


def _effect(fit: CovariateFit, name: str, process: str) -> Any:
    (found,) = [e for e in fit.effects if e.name == name and e.process == process]
    return found


def _covers(effect: Any, value: float) -> bool:
    return effect.ci_low <= value <= effect.ci_high


def test_the_acquisition_channels_planted_effects_are_inside_their_intervals(
    planted: Built, planted_fit: CovariateFit
) -> None:
    truth = planted.truth["effects"]["acquisition_channel"]  # type: ignore[index]
    assert truth["baseline"] == "web"
    coefficients = truth["coefficients"]
    for channel in ("marketplace", "partner"):
        name = f"acquisition_channel={channel}"
        for process, key in (
            ("purchase", "purchase"),
            ("dropout", "dropout_odds"),
            ("spend", "spend"),
        ):
            effect = _effect(planted_fit, name, process)
            assert _covers(effect, coefficients[key][channel]), (name, process, effect)
    marketplace = _effect(planted_fit, "acquisition_channel=marketplace", "purchase")
    assert marketplace.ci_high < 0  # marketplace customers buy less often: found, not missed
    # the sentence says the fitted ratio (planted: 0.7) with its interval
    assert f"buy {marketplace.effect:.2f}\u00d7 as often as those with web" in marketplace.sentence
    assert f"{marketplace.effect_low:.2f}\u2013{marketplace.effect_high:.2f}" in (
        marketplace.sentence
    )


def test_the_time_varying_planted_effects_are_inside_their_intervals(
    planted: Built, planted_fit: CovariateFit
) -> None:
    effects = planted.truth["effects"]  # type: ignore[index]
    poor = _effect(planted_fit, "poor_service", "dropout")
    assert _covers(poor, math.log(effects["service_dropout"]["value"]))
    assert poor.ci_low > 0
    gesture = _effect(planted_fit, "gesture", "dropout")
    assert _covers(gesture, math.log(effects["gratitude_uplift"]["hazard_ratio_per_gesture"]))
    assert gesture.ci_high < 0


def test_with_the_effects_switched_off_the_truth_is_zero_and_every_interval_covers_it(
    unplanted: Built, unplanted_fit: CovariateFit
) -> None:
    effects = unplanted.truth["effects"]  # type: ignore[index]
    channel = effects["acquisition_channel"]
    assert channel["on"] is False and channel["value"] == 1.0
    assert all(v == 0.0 for per in channel["coefficients"].values() for v in per.values())
    assert effects["service_dropout"]["value"] == 1.0
    assert effects["gratitude_uplift"]["hazard_ratio_per_gesture"] == 1.0
    assert len(unplanted_fit.effects) == 8
    for effect in unplanted_fit.effects:
        assert _covers(effect, 0.0), effect


def test_every_effect_has_its_coefficient_interval_and_sentence(
    planted_fit: CovariateFit,
) -> None:
    rows = planted_fit.to_dict()["covariates"]
    assert isinstance(rows, list) and len(rows) == 8
    for row in rows:
        assert {"name", "process", "coef", "stderr", "ci_low", "ci_high", "effect"} <= set(row)
        assert row["stderr"] > 0
        assert row["ci_low"] < row["coef"] < row["ci_high"]
        assert row["effect"] == pytest.approx(math.exp(row["coef"]))
        assert "95% interval" in row["sentence"]
    assert planted_fit.purchase.converged_ and planted_fit.spend is not None
    # customers who share a history and a covariate pattern are one fitted row
    assert planted_fit.rows < planted_fit.purchase.n_customers_ == 10_000
