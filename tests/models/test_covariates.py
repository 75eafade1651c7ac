"""BG/NBD and Gamma-Gamma with covariates (``legame.models.bgnbd_covariates``,
``legame.models.gammagamma_covariates``).

The references: without covariates the models are BG/NBD and Gamma-Gamma (pinned to the
published CDNOW fit by ``test_bgnbd.py``); with time-varying covariates only, BG/NBD with
covariates is the latent-dropout model (``LatentDropout``, the findings' engine); with
planted coefficients, the estimates lie within 3 standard errors of the truth (a 0.3 %
chance per coefficient to miss under a correct implementation; the seeds are fixed).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from legame.errors import InputError
from legame.models import (
    BetaGeo,
    CovariateBetaGeo,
    CovariateGammaGamma,
    GammaGamma,
    LatentDropout,
    bgnbd_covariates,
)
from legame.models.covariates import CovariateModel

Arr = np.ndarray


def _within_3_se(model: CovariateModel, truth: dict[str, float]) -> None:
    for name, value in truth.items():
        gap = abs(model.params_[name] - value)
        assert gap < 3 * model.stderr_[name], (name, model.params_[name], model.stderr_[name])


def _sample(
    seed: int,
    n: int,
    *,
    Zp: Arr,
    Zd: Arr,
    g1: Arr,
    g2: Arr,
    g3: Arr,
    beta: float = 0.0,
    switch_on: float = 0.0,
    r: float = 0.6,
    alpha: float = 6.0,
    a: float = 0.8,
    b: float = 4.0,
) -> tuple[Arr, Arr, Arr, Arr]:
    """Histories (weeks) from BG/NBD with static covariates (Fader & Hardie 2007:
    alpha_i = alpha exp(-g1 z), a_i = a exp(g2 z), b_i = b exp(g3 z)) and one time-varying
    covariate w that switches on for good at each repeat purchase with probability
    ``switch_on``, after which the dropout hazard is multiplied by exp(beta). Returns
    frequency, recency, T and w per repeat purchase (each customer's in order)."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1.0 / (alpha * np.exp(-(Zp @ g1))))
    p = rng.beta(a * np.exp(Zd @ g2), b * np.exp(Zd @ g3))
    T = rng.uniform(20.0, 104.0, n)
    x, t = np.zeros(n), np.zeros(n)
    w = np.zeros(n, dtype=bool)
    dec_c, dec_j, dec_w = [], [], []
    act = np.arange(n)
    step = 0
    while act.size:
        t_new = t[act] + rng.exponential(1.0, act.size) / lam[act]
        bought = t_new <= T[act]
        act, t_new = act[bought], t_new[bought]
        step += 1
        t[act] = t_new
        x[act] += 1
        w[act] |= rng.random(act.size) < switch_on
        dec_c.append(act.copy())
        dec_j.append(np.full(act.size, step))
        dec_w.append(w[act].astype(float))
        stay = rng.random(act.size) < (1.0 - p[act]) ** np.exp(beta * w[act])
        act = act[stay]
    c, j, ww = (np.concatenate(v) for v in (dec_c, dec_j, dec_w))
    order = np.lexsort((j, c))
    return x, np.where(x > 0, t, 0.0), T, ww[order][:, None]


# -- the plain models, without covariates -----------------------------------------------------


def test_without_covariates_the_fit_and_predictions_are_bgnbds(cdnow: Any) -> None:
    """With no covariate column the covariate model is BG/NBD (CDNOW: r 0.243, alpha 4.414,
    a 0.793, b 2.426, FHL 2005): the same parameters, log-likelihood and predictions."""
    c = cdnow
    plain = BetaGeo().fit(c.frequency, c.recency, c.T)
    model = CovariateBetaGeo(covariate_names=()).fit(c.frequency, c.recency, c.T)
    for name, value in plain.params_.items():
        assert model.params_[name] == pytest.approx(value, rel=1e-6)
        assert model.stderr_[name] == pytest.approx(plain.stderr_[name], rel=1e-4)
    assert model.loglik_ == pytest.approx(plain.loglik_, rel=1e-9)
    args = (c.frequency, c.recency, c.T)
    np.testing.assert_allclose(model.predict_alive(*args), plain.predict_alive(*args), rtol=1e-6)
    np.testing.assert_allclose(
        model.predict_purchases(39.0, *args), plain.predict_purchases(39.0, *args), rtol=1e-6
    )
    assert model.expected_purchases(39.0) == pytest.approx(plain.expected_purchases(39.0))


def test_covariates_at_zero_everywhere_are_held_at_zero_and_the_rest_is_bgnbd(
    cdnow: Any,
) -> None:
    """A column that is 0 for every customer carries no information: its coefficients stay
    at 0 (standard error NaN) and the fit and the predictions are BG/NBD's."""
    c = cdnow
    plain = BetaGeo().fit(c.frequency, c.recency, c.T)
    zeros = np.zeros((c.T.size, 2))
    model = CovariateBetaGeo(covariate_names=("u", "v")).fit(c.frequency, c.recency, c.T, zeros)
    for name, value in plain.params_.items():
        assert model.params_[name] == pytest.approx(value, rel=1e-6)
    assert set(model.fixed_) == {f"beta_{p}_{v}" for p in ("purchase", "a", "b") for v in "uv"}
    assert all(model.params_[n] == 0.0 and np.isnan(model.stderr_[n]) for n in model.fixed_)
    assert model.loglik_ == pytest.approx(plain.loglik_, rel=1e-9)
    np.testing.assert_allclose(
        model.predict_purchases(39.0, c.frequency, c.recency, c.T, [0.0, 0.0]),
        plain.predict_purchases(39.0, c.frequency, c.recency, c.T),
        rtol=1e-6,
    )


def test_spend_without_covariates_is_gamma_gamma(cdnow: Any) -> None:
    c = cdnow
    repeat = c.frequency > 0
    x, m = c.frequency[repeat], c.monetary_value[repeat]
    plain = GammaGamma().fit(x, m)
    model = CovariateGammaGamma(covariate_names=()).fit(x, m)
    zeros = CovariateGammaGamma().fit(x, m, np.zeros(x.size))
    for fitted in (model, zeros):
        for name, value in plain.params_.items():
            assert fitted.params_[name] == pytest.approx(value, rel=1e-6)
        assert fitted.loglik_ == pytest.approx(plain.loglik_, rel=1e-9)
        np.testing.assert_allclose(
            fitted.predict_spend(x, m, [0.0] * len(fitted.covariate_names)),
            plain.predict_spend(x, m),
            rtol=1e-6,
        )
    assert zeros.fixed_ == ("beta_spend_z",)


# -- planted coefficients ---------------------------------------------------------------------


def test_bgnbd_recovers_planted_static_coefficients() -> None:
    """30,000 customers; a binary covariate on the purchase rate and the dropout (rate
    x0.7, a x1.5) and a standard normal one on the purchase rate only (x1.22 per unit)."""
    n = 30_000
    rng = np.random.default_rng(20260101)
    z = (rng.random(n) < 0.3).astype(float)
    u = rng.normal(size=n)
    truth = {
        "beta_purchase_z": np.log(0.7),
        "beta_purchase_u": 0.2,
        "beta_a_z": np.log(1.5),
        "beta_b_z": 0.0,
        "r": 0.6,
        "alpha": 6.0,
        "a": 0.8,
        "b": 4.0,
    }
    x, t_x, T, _ = _sample(
        1,
        n,
        Zp=np.column_stack([z, u]),
        Zd=z[:, None],
        g1=np.array([truth["beta_purchase_z"], 0.2]),
        g2=np.array([truth["beta_a_z"]]),
        g3=np.array([0.0]),
    )
    model = CovariateBetaGeo(covariate_names=("z", "u"), dropout=("z",)).fit(
        x, t_x, T, np.column_stack([z, u])
    )
    assert list(model.params_) == [
        "r",
        "alpha",
        "a",
        "b",
        "beta_purchase_z",
        "beta_purchase_u",
        "beta_a_z",
        "beta_b_z",
    ]
    _within_3_se(model, truth)


def test_gammagamma_recovers_a_planted_spend_coefficient() -> None:
    """20,000 repeat customers; covariate customers spend 1.2x as much per purchase."""
    rng = np.random.default_rng(20260102)
    n = 20_000
    x = 1.0 + rng.poisson(2.0, n)
    z = (rng.random(n) < 0.4).astype(float)
    nu = rng.gamma(4.0, 1.0 / (15.0 * np.exp(np.log(1.2) * z)))
    m = rng.gamma(6.0 * x, 1.0 / nu) / x
    model = CovariateGammaGamma().fit(x, m, z)
    _within_3_se(model, {"p": 6.0, "q": 4.0, "gamma": 15.0, "beta_spend_z": np.log(1.2)})
    mean_spend = model.predict_spend(0, np.nan, [[0.0], [1.0]])
    assert mean_spend[1] / mean_spend[0] == pytest.approx(np.exp(model.params_["beta_spend_z"]))


def test_static_and_time_varying_covariates_together_recover_their_planted_values() -> None:
    """Static covariate z (rate x0.7, a x1.5) and a time-varying w that multiplies the
    dropout hazard by 2.5 once it switches on."""
    n = 20_000
    rng = np.random.default_rng(20260103)
    z = (rng.random(n) < 0.3).astype(float)
    x, t_x, T, w = _sample(
        2,
        n,
        Zp=z[:, None],
        Zd=z[:, None],
        g1=np.array([np.log(0.7)]),
        g2=np.array([np.log(1.5)]),
        g3=np.array([0.0]),
        beta=np.log(2.5),
        switch_on=0.08,
    )
    model = CovariateBetaGeo(varying_names=("w",)).fit(x, t_x, T, z, w)
    _within_3_se(
        model,
        {
            "beta_purchase_z": np.log(0.7),
            "beta_a_z": np.log(1.5),
            "beta_b_z": 0.0,
            "beta_hazard_w": np.log(2.5),
            "r": 0.6,
            "alpha": 6.0,
        },
    )


# -- time-varying covariates: the latent-dropout model -----------------------------------------


def test_with_only_time_varying_covariates_it_is_the_latent_dropout_model(
    sim: SimpleNamespace,
) -> None:
    """The findings' LatentDropout and this model share the likelihood: the same estimate,
    log-likelihood and standard errors (each optimiser to its tolerance)."""
    d = sim.dropout(3000, np.log(2.5), seed=1)
    reference = LatentDropout().fit(*d)
    model = CovariateBetaGeo(covariate_names=(), varying_names=("z",)).fit(
        d.frequency, d.recency, d.T, None, d.covariates
    )
    assert model.loglik_ == pytest.approx(reference.loglik_, rel=1e-10)
    for name in ("r", "alpha", "a", "b"):
        assert model.params_[name] == pytest.approx(reference.params_[name], rel=1e-6)
        assert model.stderr_[name] == pytest.approx(reference.stderr_[name], rel=1e-4)
    assert model.params_["beta_hazard_z"] == pytest.approx(reference.params_["beta_z"], rel=1e-6)
    np.testing.assert_allclose(
        model.predict_alive(d.frequency, d.recency, d.T, None, d.covariates),
        reference.predict_alive(d.frequency, d.recency, d.T, d.covariates),
        rtol=1e-8,
    )


def test_only_the_multiset_of_earlier_decisions_matters(sim: SimpleNamespace) -> None:
    """The likelihood reads the decisions before the last one through their sum of hazard
    multipliers: reordering them changes nothing (what lets customers with the same
    multiset share a row)."""
    d = sim.dropout(1500, np.log(2.5), seed=3)
    x = d.frequency.astype(int)
    first = np.r_[0, np.cumsum(x)[:-1]]
    order = np.arange(d.covariates.shape[0])
    for i in np.flatnonzero(x > 2):
        order[first[i] : first[i] + x[i] - 1] = order[first[i] : first[i] + x[i] - 1][::-1]
    kwargs: dict[str, Any] = {"covariate_names": (), "varying_names": ("z",)}
    a = CovariateBetaGeo(**kwargs).fit(d.frequency, d.recency, d.T, None, d.covariates)
    b = CovariateBetaGeo(**kwargs).fit(d.frequency, d.recency, d.T, None, d.covariates[order])
    assert b.loglik_ == pytest.approx(a.loglik_, rel=1e-12)
    for name, value in a.params_.items():
        assert b.params_[name] == pytest.approx(value, rel=1e-8)


def test_many_patterns_take_the_row_path_to_the_same_fit(
    cdnow: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past MAX_PATTERNS covariate patterns the likelihood is taken row by row; both paths
    reach the same optimum."""
    c = cdnow
    z = (c.monetary_value > 30).astype(float)
    by_pattern = CovariateBetaGeo().fit(c.frequency, c.recency, c.T, z)
    monkeypatch.setattr(bgnbd_covariates, "MAX_PATTERNS", 1)
    by_row = CovariateBetaGeo().fit(c.frequency, c.recency, c.T, z)
    assert by_row.loglik_ == pytest.approx(by_pattern.loglik_, rel=1e-9)
    for name, value in by_pattern.params_.items():
        assert by_row.params_[name] == pytest.approx(value, rel=1e-5, abs=1e-7), name
        assert by_row.stderr_[name] == pytest.approx(by_pattern.stderr_[name], rel=1e-3), name


# -- predictions, contrasts, errors ----------------------------------------------------------


def test_predictions_are_bgnbds_at_each_patterns_parameters(cdnow: Any) -> None:
    c = cdnow
    z = (c.monetary_value > 30).astype(float)
    model = CovariateBetaGeo().fit(c.frequency, c.recency, c.T, z)
    p = model.params_
    at_one = BetaGeo.from_params(
        {
            "r": p["r"],
            "alpha": p["alpha"] * np.exp(-p["beta_purchase_z"]),
            "a": p["a"] * np.exp(p["beta_a_z"]),
            "b": p["b"] * np.exp(p["beta_b_z"]),
        }
    )
    args = (c.frequency, c.recency, c.T)
    np.testing.assert_allclose(
        model.predict_purchases(39.0, *args, [1.0]), at_one.predict_purchases(39.0, *args)
    )
    np.testing.assert_allclose(model.predict_alive(*args, [1.0]), at_one.predict_alive(*args))
    per_row = model.predict_purchases(39.0, *args, z)
    one = z == 1
    np.testing.assert_allclose(per_row[one], at_one.predict_purchases(39.0, *args)[one])


def test_the_dropout_odds_contrast_uses_the_covariance(cdnow: Any) -> None:
    c = cdnow
    z = (c.monetary_value > 30).astype(float)
    model = CovariateBetaGeo().fit(c.frequency, c.recency, c.T, z)
    names = list(model.params_)
    i, j = names.index("beta_a_z"), names.index("beta_b_z")
    cov = model.cov_
    estimate, se, lo, hi = model.contrast({"beta_a_z": 1.0, "beta_b_z": -1.0})
    assert estimate == pytest.approx(model.params_["beta_a_z"] - model.params_["beta_b_z"])
    assert se == pytest.approx(np.sqrt(cov[i, i] + cov[j, j] - 2 * cov[i, j]))
    assert (lo, hi) == pytest.approx((estimate - 1.959964 * se, estimate + 1.959964 * se))


def test_time_varying_models_predict_alive_but_refuse_forecasts(sim: SimpleNamespace) -> None:
    d = sim.dropout(500, np.log(2.5), seed=4)
    model = CovariateBetaGeo(covariate_names=(), varying_names=("z",)).fit(
        d.frequency, d.recency, d.T, None, d.covariates
    )
    alive = model.predict_alive(d.frequency, d.recency, d.T, None, d.covariates)
    assert np.all((alive > 0) & (alive <= 1))
    with pytest.raises(InputError, match="future values of time-varying covariates"):
        model.predict_purchases(39.0, 2, 30.0, 38.0)


def test_penalizer_shrinks_the_coefficients_towards_zero(cdnow: Any) -> None:
    c = cdnow
    z = (c.monetary_value > 30).astype(float)
    free = CovariateBetaGeo().fit(c.frequency, c.recency, c.T, z)
    penalised = CovariateBetaGeo(penalizer=0.01).fit(c.frequency, c.recency, c.T, z)
    assert abs(penalised.params_["beta_a_z"]) < abs(free.params_["beta_a_z"])
    assert penalised.loglik_ < free.loglik_


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"purchase": ("nope",)},
            r"The 'purchase' parameter of CovariateBetaGeo must be None or a tuple of distinct "
            r"names from covariate_names\. Got \('nope',\) instead\.",
        ),
        (
            {"varying_names": ["w"]},
            r"The 'varying_names' parameter of CovariateBetaGeo must be a tuple of distinct "
            r"non-empty strings\. Got \['w'\] instead\.",
        ),
    ],
)
def test_hyperparameters_are_checked_in_fit(
    cdnow: Any, kwargs: dict[str, Any], message: str
) -> None:
    model = CovariateBetaGeo(**kwargs)
    with pytest.raises(InputError, match=message):
        model.fit(cdnow.frequency, cdnow.recency, cdnow.T, np.zeros(cdnow.T.size))


def test_covariate_arguments_are_checked(cdnow: Any) -> None:
    c = cdnow
    with pytest.raises(InputError, match=r"'covariates'.*2-d array with 1 column"):
        CovariateBetaGeo().fit(c.frequency, c.recency, c.T, np.zeros((c.T.size, 2)))
    with pytest.raises(InputError, match=r"'covariates'.*as many rows as 'frequency' \(2,357\)"):
        CovariateBetaGeo().fit(c.frequency, c.recency, c.T, np.zeros(10))
    with pytest.raises(InputError, match=r"'covariates'.*must be given"):
        CovariateBetaGeo().fit(c.frequency, c.recency, c.T)
    with pytest.raises(InputError, match=r"'varying'.*one row per repeat purchase"):
        CovariateBetaGeo(covariate_names=(), varying_names=("w",)).fit(
            c.frequency, c.recency, c.T, None, np.zeros(3)
        )
