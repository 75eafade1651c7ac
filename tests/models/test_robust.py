"""fit_robust: the plain fit where it has a proper optimum (CDNOW: nothing changes), a reduced
model where the likelihood peaks on a boundary (a young shop), the smallest penalty where the
reduction does not fit; and the Gamma-Gamma diagnostics."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest

from legame.errors import ConvergenceError
from legame.models import BetaGeo, GammaGamma, ModifiedBetaGeo, ParetoNBD
from legame.models.base import BaseModel
from legame.models.gammagamma import independence_warning
from legame.models.robust import (
    SAME_FOR_ALL,
    describe,
    fit_robust,
    fit_summary,
    fixed_params,
    stderr_note,
)

if TYPE_CHECKING:
    from conftest import CdnowSummary

PURCHASE_MODELS = [BetaGeo, ModifiedBetaGeo, ParetoNBD]
YOUNG = "reduced: no dropout observed yet"
UNIFORM = "reduced: no dropout observed yet, same purchase rate for all"


def _nbd(n: int, r: float, alpha: float, seed: int) -> tuple[np.ndarray, ...]:
    """A young shop: customers acquired on whole days over 39 weeks, buying at rate
    lambda ~ Gamma(r, alpha) (weeks), nobody has dropped out; the last of N uniform purchase
    times is T Beta(N, 1), rounded to a day. Distinct (frequency, recency, T) with counts."""
    rng = np.random.default_rng(seed)
    days = rng.integers(7, 274, n).astype(float)
    n_buys = rng.poisson(rng.gamma(r, 1.0 / alpha, n) * days / 7).astype(float)
    last = np.where(n_buys > 0, np.floor(days * rng.beta(np.maximum(n_buys, 1), 1.0)), 0.0)
    stacked = np.unique(np.column_stack([n_buys, last / 7, days / 7]), axis=0, return_counts=True)
    rows, counts = stacked
    return rows[:, 0], rows[:, 1], rows[:, 2], counts.astype(float)


@pytest.fixture(scope="module")
def young() -> dict[str, object]:
    """1,000 customers buying at rate Gamma(r = 0.8, alpha = 3) for up to 39 weeks, nobody
    lost, each model's plain and robust fits."""
    x, t_x, T, n = _nbd(1000, 0.8, 3.0, seed=4)
    out: dict[str, object] = {}
    for model in PURCHASE_MODELS:
        out[model.__name__] = (
            model(strict=False).fit(x, t_x, T, weights=n),
            fit_robust(model, x, t_x, T, weights=n),
        )
    return out


def _no_proper_optimum(plain: BaseModel) -> bool:
    """Not converged, or converged on a flat likelihood (a log parameter's standard error
    above 5: the rule of fit_robust)."""
    flat = any(not se <= 5 * plain.params_[n] for n, se in plain.stderr_.items())
    return not plain.converged_ or flat


def _uniform_shop(seed: int = 18) -> tuple[np.ndarray, ...]:
    """300 orders of 74 customers on random days of 39 weeks (every customer buys at the same
    rate; nobody drops out), as (frequency, recency, T) in weeks: the issue's young shop."""
    rng = np.random.default_rng(seed)
    customer = np.r_[np.arange(74), rng.integers(0, 74, 226)]
    day = rng.integers(0, 273, 300)
    x, t_x, T = (np.zeros(74) for _ in range(3))
    for c in range(74):
        days = np.unique(day[customer == c])
        x[c], t_x[c], T[c] = days.size - 1, days[-1] - days[0], 272 - days[0]
    return x, t_x / 7, T / 7


@pytest.mark.parametrize("model", [BetaGeo, ParetoNBD, ModifiedBetaGeo])
def test_cdnow_fit_is_the_plain_fit_unchanged(model: type, cdnow: CdnowSummary) -> None:
    """Where the plain fit has a proper optimum it is the whole fit: same parameters, status
    "converged" (for BG/NBD: FHL 2005's r = 0.243, alpha = 4.414, a = 0.793, b = 2.426)."""
    columns = (cdnow.frequency, cdnow.recency, cdnow.T)
    plain = model().fit(*columns)
    robust = fit_robust(model, *columns)
    assert robust.params_ == plain.params_ and robust.stderr_ == plain.stderr_
    assert robust.fit_status_ == "converged" and robust.strict is True
    assert fit_summary(robust) == {
        "fit_status": "converged",
        "fixed_params": [],
        "stderr_note": "of the maximum-likelihood estimate (inverse observed information)",
    }
    assert describe(robust) is None and repr(robust) == repr(plain)


def test_cdnow_gammagamma_is_the_plain_fit_with_the_published_loglik_and_correlation(
    cdnow: CdnowSummary,
) -> None:
    """Gamma-Gamma on the 946 CDNOW repeat customers: LL = -4055.9177 (Fader & Hardie 2013,
    "The Gamma-Gamma model of monetary value", pinned by CLVTools'
    tests/testthat/test_correctness_gg.R: correct.LL = -4055.9177); the correlation between
    the number of repeat transactions and the average repeat spend is 0.11 (Fader, Hardie &
    Lee 2005, "RFM and CLV: using iso-value curves for customer base analysis", JMR 42(4),
    over the same 946 customers; the Pearson correlation here is 0.1139)."""
    repeat = cdnow.frequency > 0
    columns = (cdnow.frequency[repeat], cdnow.monetary_value[repeat])
    robust = fit_robust(GammaGamma, *columns)
    assert robust.params_ == GammaGamma().fit(*columns).params_
    assert robust.fit_status_ == "converged"
    assert robust.loglik_ == pytest.approx(-4055.9177, abs=1e-3)
    assert round(robust.frequency_spend_correlation_, 2) == 0.11
    assert robust.frequency_spend_correlation_ == pytest.approx(
        np.corrcoef(*columns)[0, 1], rel=1e-12
    )
    assert independence_warning(robust.frequency_spend_correlation_) is None


def test_caller_penalty_is_kept_when_it_gives_a_proper_optimum(cdnow: CdnowSummary) -> None:
    columns = (cdnow.frequency, cdnow.recency, cdnow.T)
    robust = fit_robust(BetaGeo, *columns, penalizer=0.01)
    assert robust.params_ == BetaGeo(penalizer=0.01).fit(*columns).params_
    assert robust.fit_status_ == "penalized (0.01)"
    assert stderr_note(robust) == (
        "of the penalised estimate (penalizer 0.01), not the maximum-likelihood one"
    )
    assert repr(robust).endswith(", penalized (0.01)>")


@pytest.mark.parametrize("model", PURCHASE_MODELS)
def test_young_shop_without_dropout_gets_the_nbd_with_planted_rates(
    model: type, young: dict
) -> None:
    """1,000 customers buying at rate Gamma(r = 0.8, alpha = 3) for up to 39 weeks, nobody
    lost: the plain fit runs the dropout to its boundary; the reduced fit recovers r and alpha
    within three standard errors and fixes the dropout."""
    plain, fitted = young[model.__name__]
    assert _no_proper_optimum(plain)
    assert fitted.fit_status_ == YOUNG and fitted.converged_
    for name, truth in {"r": 0.8, "alpha": 3.0}.items():
        assert abs(fitted.params_[name] - truth) < 3 * fitted.stderr_[name], name
    fixed = fixed_params(fitted)
    assert fixed == (["a", "b"] if model is not ParetoNBD else ["s", "beta"])
    assert all(fitted.stderr_[n] == 0.0 for n in fixed)
    assert fitted.loglik_ >= plain.loglik_ - 3.0
    assert fitted.n_customers_ == 1000 and fitted.n_histories_ == plain.n_histories_
    assert repr(fitted).endswith(f"1,000 customers in {plain.n_histories_:,} histories, {YOUNG}>")


@pytest.mark.parametrize("model", PURCHASE_MODELS)
def test_reduced_models_predict_like_the_nbd(model: type, young: dict) -> None:
    """Without dropout every customer is alive and E[purchases in (T, T+t]] = t (r+x)/(alpha+T)
    (the NBD's conditional expectation), for light and heavy buyers alike."""
    fitted = young[model.__name__][1]
    r, alpha = fitted.params_["r"], fitted.params_["alpha"]
    heavy = (np.array([0.0, 1.0, 5.0, 40.0, 300.0]), np.array([0.0, 0.5, 2.0, 1.0, 30.0]))
    hx, htx, hT = heavy[0], heavy[1], np.full(5, 39.0)
    np.testing.assert_allclose(fitted.predict_alive(hx, htx, hT), 1.0, rtol=1e-9)
    for t in (1.0, 52.0, 520.0):
        np.testing.assert_allclose(
            fitted.predict_purchases(t, hx, htx, hT), t * (r + hx) / (alpha + hT), rtol=1e-9
        )
    assert fitted.expected_purchases(52.0) == pytest.approx(52.0 * r / alpha, rel=1e-9)


@pytest.mark.parametrize("model", PURCHASE_MODELS)
def test_the_issues_young_shop_gets_one_rate_for_all_and_no_dropout(model: type) -> None:
    """300 orders of 74 customers on random days of nine months: the plain fit has no proper
    optimum (the issue: "BetaGeo.fit did not converge"); neither the dropout nor the spread of
    the rates is there to estimate, so the fit is the Poisson limit, lambda = sum x / sum T."""
    x, t_x, T = _uniform_shop()
    assert _no_proper_optimum(model(strict=False).fit(x, t_x, T))
    fitted = fit_robust(model, x, t_x, T)
    assert fitted.fit_status_ == UNIFORM
    rate = x.sum() / T.sum()
    assert fitted.params_["r"] == SAME_FOR_ALL
    assert fitted.params_["r"] / fitted.params_["alpha"] == pytest.approx(rate, rel=1e-6)
    assert fitted.stderr_["alpha"] == pytest.approx(
        fitted.params_["alpha"] / np.sqrt(x.sum()), rel=1e-3
    )  # Poisson: sd(ln lambda) = 1 / sqrt(sum x)
    assert fitted.stderr_["r"] == 0.0
    cov = fitted.cov_
    assert cov.shape == (4, 4) and np.count_nonzero(cov) == 1 and cov[1, 1] > 0
    line = describe(fitted)
    assert line is not None and line.startswith(f"{model.__name__}: no customer has stopped")
    assert "--penalizer 0.01" in line and "Python" not in line
    assert "r, " in stderr_note(fitted) and "fixed (standard error 0)" in stderr_note(fitted)


def test_dropout_in_the_data_rejects_the_reduction_and_gets_the_smallest_penalty() -> None:
    """Everyone buys at one rate (0.5 a week) but drops out with p ~ Beta(2, 8): the plain fit
    runs r to infinity, the data reject "no dropout" (a likelihood-ratio gap far above 3), and
    the smallest penalty of the ladder gives a proper optimum."""
    rng = np.random.default_rng(2)
    T = rng.uniform(20, 52, 300)
    n_buys = rng.poisson(0.5 * T).astype(float)
    x = np.minimum(n_buys, rng.geometric(rng.beta(2, 8, 300)))
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(n_buys - x, 0) + 1), 0.0)
    fitted = fit_robust(BetaGeo, x, t_x, T)
    assert fitted.fit_status_ == "penalized (0.0001)"
    assert fitted.params_ == BetaGeo(penalizer=1e-4).fit(x, t_x, T).params_
    assert fixed_params(fitted) == []
    line = describe(fitted)
    assert line == (
        "BetaGeo: it was fitted with --penalizer 0.0001, the smallest tried that gives a "
        "proper optimum (estimates shrunk towards 0)."
    )


def test_nothing_proper_raises_a_checklist_of_flags_and_python_calls(
    cdnow: CdnowSummary,
) -> None:
    with pytest.raises(ConvergenceError) as info:
        fit_robust(BetaGeo, cdnow.frequency, cdnow.recency, cdnow.T, max_iter=1)
    message = str(info.value)
    assert message.startswith("BetaGeo.fit found no proper optimum, even reduced or with a")
    for advice in ("--unit week", "--until DATE", "--penalizer 10", "BetaGeo(strict=False)"):
        assert advice in message


def test_model_checklists_name_the_flag_and_the_python_call() -> None:
    zeros = np.zeros(200)
    with pytest.raises(ConvergenceError) as info:
        BetaGeo().fit(zeros, zeros, np.linspace(1, 50, 200))
    message = str(info.value)
    for advice in ("--penalizer 0.001", "BetaGeo(penalizer=0.001)", "--unit week", "--merge"):
        assert advice in message


def test_spend_alike_for_everyone_gets_one_expected_spend(sim) -> None:
    """Every customer's purchases are worth Gamma(p = 4, rate nu = 0.1) (mean 40): q and gamma
    run to infinity in the plain fit; the reduced fit gives everyone the mean p / nu."""
    rng = np.random.default_rng(5)
    x = rng.integers(1, 8, 120).astype(float)
    m = rng.gamma(4.0 * x, 1.0 / 0.1) / x
    fitted = fit_robust(GammaGamma, x, m)
    assert fitted.fit_status_ == "reduced: same average spend for all"
    p, q, gamma = fitted.params_["p"], fitted.params_["q"], fitted.params_["gamma"]
    assert q == SAME_FOR_ALL and abs(p - 4.0) < 3 * fitted.stderr_["p"]
    mean = float(np.sum(x * m) / np.sum(x))  # the maximum-likelihood p / nu
    np.testing.assert_allclose(fitted.predict_spend(x, m), mean, rtol=1e-3)
    assert p * gamma / (q - 1) == pytest.approx(mean, rel=1e-9)
    assert fixed_params(fitted) == ["q"] and fitted.stderr_["q"] == 0.0
    assert fitted.frequency_spend_correlation_ == pytest.approx(np.corrcoef(x, m)[0, 1])
    assert describe(fitted) == (
        "GammaGamma: average spend does not differ enough between customers to estimate its "
        "spread, so everyone gets one expected spend per purchase (q fixed)."
    )


def test_planted_correlation_of_frequency_and_spend_is_measured_and_warned(sim) -> None:
    """Spend independent of frequency (the model's assumption) shows a correlation near 0; a
    planted one, where the customers who buy more often spend more per purchase (nu falls
    with x), is measured and warned about, with what to do."""
    rng = np.random.default_rng(3)
    x = rng.integers(1, 15, 3000).astype(float)
    independent = sim.gammagamma(rng, x, 6.0, 4.0, 15.0)
    free = GammaGamma().fit(x, independent)
    assert abs(free.frequency_spend_correlation_) < 0.05
    assert independence_warning(free.frequency_spend_correlation_) is None
    nu = rng.gamma(20.0, 1.0 / (20.0 * 0.2), x.size) / x  # mean spend 20 x per purchase
    planted = rng.gamma(4.0 * x, 1.0 / nu) / x
    fitted = GammaGamma().fit(x, planted)
    assert fitted.frequency_spend_correlation_ > 0.5
    warning = independence_warning(fitted.frequency_spend_correlation_)
    assert warning is not None
    assert warning.startswith(
        f"frequency and spend per purchase are correlated (r = "
        f"{fitted.frequency_spend_correlation_:.2f}; customers who buy more often spend more"
    )
    assert "--covariates" in warning and "segments" in warning
    assert "spend less" in str(independence_warning(-0.4))
