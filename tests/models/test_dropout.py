"""The latent-dropout model: BG/NBD with covariates on the dropout hazard.

The shared contract (fit returns self, fitted values, NotFittedError, repr, weights, input
errors) is checked in ``test_model_contract.py``; here, what is particular to this model.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from legame.errors import ConvergenceError, InputError, NotFittedError
from legame.models import BetaGeo, LatentDropout
from legame.models.dropout import KAPPA_MAX, DropoutData, loglik_and_grad


@pytest.fixture(scope="module")
def planted_k(sim: SimpleNamespace) -> Any:
    return sim.dropout(6000, np.log(2.5), seed=1)


def test_gradient_is_the_derivative_of_the_log_likelihood(planted_k: Any) -> None:
    data = DropoutData.build(*planted_k)
    theta = np.array([np.log(0.5), np.log(5.0), np.log(0.9), np.log(3.5), 0.7])
    _, grad = loglik_and_grad(theta, data)
    h = 1e-6
    numeric = [
        (loglik_and_grad(theta + e, data)[0] - loglik_and_grad(theta - e, data)[0]) / (2 * h)
        for e in np.eye(theta.size) * h
    ]
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-3)


def test_without_covariates_it_is_bg_nbd(planted_k: Any) -> None:
    """Pinned to another implementation: with no covariate the likelihood is BG/NBD's, so
    the fit must equal ``legame.models.BetaGeo`` on the same (x, t_x, T)."""
    x, t_x, T, covariates = planted_k
    ours = LatentDropout(covariate_names=()).fit(x, t_x, T, covariates[:, :0])
    bg = BetaGeo().fit(x, t_x, T)
    assert ours.loglik_ == pytest.approx(bg.loglik_, rel=1e-9)
    for name in ("r", "alpha", "a", "b"):
        assert ours.params_[name] == pytest.approx(bg.params_[name], rel=1e-4)
        assert ours.stderr_[name] == pytest.approx(bg.stderr_[name], rel=1e-3)


def test_without_covariates_p_alive_is_bg_nbds(planted_k: Any) -> None:
    """Pinned to ``BetaGeo.predict_alive`` (Fader, Hardie & Lee 2005, eq. 5) at the same
    parameters, on every history of the sample."""
    x, t_x, T, covariates = planted_k
    params = {"r": 0.6, "alpha": 6.0, "a": 0.8, "b": 4.0}
    ours = LatentDropout.from_params(params, covariate_names=())
    theirs = BetaGeo.from_params(params)
    np.testing.assert_allclose(
        ours.predict_alive(x, t_x, T, covariates[:, :0]), theirs.predict_alive(x, t_x, T), rtol=1e-9
    )
    assert ours.predict_alive(0, 0.0, 30.0, np.zeros((0, 0))) == 1.0


def test_p_alive_falls_when_the_covariate_raises_the_hazard() -> None:
    """The same history (2 repeat purchases, the last at 30 of 38 weeks) is less likely
    alive when the covariate was on at its purchases and exp(beta) = 3."""
    model = LatentDropout.from_params(
        {"r": 0.6, "alpha": 6.0, "a": 0.8, "b": 4.0, "beta_z": np.log(3.0)}
    )
    off = model.predict_alive(2, 30.0, 38.0, [[0.0], [0.0]])
    on = model.predict_alive(2, 30.0, 38.0, [[1.0], [1.0]])
    assert isinstance(off, float) and isinstance(on, float)
    assert 0 < on < off < 1


def test_predict_dropout_is_the_mean_of_the_beta_mixture() -> None:
    """With c = exp(beta z) = 2 the chance is E[1 - (1 - p)^2] over p ~ Beta(a, b), which is
    1 - b (b + 1) / ((a + b)(a + b + 1)); with z = 0 it is the mean of p, a / (a + b)."""
    a, b = 0.8, 4.0
    model = LatentDropout.from_params(
        {"r": 1.0, "alpha": 1.0, "a": a, "b": b, "beta_z": np.log(2.0)}
    )
    assert model.predict_dropout([0.0]) == pytest.approx(a / (a + b), rel=1e-12)
    assert model.predict_dropout([1.0]) == pytest.approx(
        1 - b * (b + 1) / ((a + b) * (a + b + 1)), rel=1e-12
    )
    both = model.predict_dropout([[0.0], [1.0]])
    assert isinstance(both, np.ndarray) and both.shape == (2,)


def test_recovers_a_known_hazard_ratio_from_its_own_likelihood(planted_k: Any) -> None:
    """Data simulated from the model with exp(beta) = 2.5, r = 0.6, alpha = 6, a = 0.8,
    b = 4: every parameter within 3 standard errors, 2.5 inside the 95% interval."""
    m = LatentDropout().fit(*planted_k)
    _, lo, hi = m.hazard_ratio("z")
    assert lo < 2.5 < hi
    assert lo > 1.5 and hi < 4.0  # informative, not just wide
    truth = {"r": 0.6, "alpha": 6.0, "a": 0.8, "b": 4.0, "beta_z": np.log(2.5)}
    for name, value in truth.items():
        assert abs(m.params_[name] - value) < 3 * m.stderr_[name], (name, m.params_)
    assert "6,000 customers" in repr(m)


@pytest.mark.slow
def test_wald_intervals_cover_the_truth_across_seeds(sim: SimpleNamespace) -> None:
    """Twelve data sets of 3,000 customers each from the model with exp(beta) = 1.8: the
    interval covers 1.8 in at least 10 (a 95% interval misses about 0.6 of 12 on average;
    10 or more happen with probability 0.98)."""
    covered = 0
    for seed in range(12):
        _, lo, hi = (
            LatentDropout().fit(*sim.dropout(3000, np.log(1.8), seed=100 + seed)).hazard_ratio("z")
        )
        covered += lo <= 1.8 <= hi
    assert covered >= 10


def test_no_effect_gives_an_interval_around_one(sim: SimpleNamespace) -> None:
    m = LatentDropout().fit(*sim.dropout(5000, 0.0, seed=3))
    _, lo, hi = m.hazard_ratio("z")
    assert lo < 1.0 < hi


def test_a_penalty_shrinks_the_hazard_ratio_towards_one(planted_k: Any) -> None:
    plain = LatentDropout().fit(*planted_k).params_["beta_z"]
    shrunk = LatentDropout(penalizer=0.01).fit(*planted_k).params_["beta_z"]
    assert 0 < shrunk < plain


def test_a_common_dropout_probability_is_fitted_at_the_boundary(sim: SimpleNamespace) -> None:
    """With the same p for everyone, a sample that shows no spread in p has its likelihood
    rising for ever in a + b (about half of such samples; seed 5 is the first of seeds 4-15
    that does). The fit stops at the bound, says so, and still recovers the hazard ratio and
    the common p."""
    m = LatentDropout().fit(*sim.dropout(6000, np.log(2.0), seed=5, homogeneous_p=0.15))
    assert m.params_["a"] + m.params_["b"] == pytest.approx(KAPPA_MAX)
    assert m.homogeneous_dropout_
    assert np.isnan(m.stderr_["a"]) and np.isnan(m.stderr_["b"])
    assert m.params_["a"] / (m.params_["a"] + m.params_["b"]) == pytest.approx(0.15, abs=0.03)
    _, lo, hi = m.hazard_ratio("z")
    assert lo < 2.0 < hi


def test_a_covariate_that_never_varies_is_a_convergence_error(planted_k: Any) -> None:
    x, t_x, T, covariates = planted_k
    with pytest.raises(ConvergenceError, match="Try:"):
        LatentDropout().fit(x, t_x, T, np.zeros_like(covariates))


def test_inputs_are_validated(sim: SimpleNamespace) -> None:
    with pytest.raises(InputError, match=r"'recency'.*<= T\. Got recency=5, T=4 at row 0"):
        LatentDropout().fit([1], [5.0], [4.0], [0.0])
    with pytest.raises(
        InputError,
        match=r"'covariates'.*one row per repeat purchase \(3, "
        r"the sum of frequency\)\. Got 2 rows",
    ):
        LatentDropout().fit([2, 1], [3.0, 1.0], [4.0, 4.0], [0.0, 0.0])
    with pytest.raises(
        InputError,
        match=r"'covariates'.*finite.*Got covariates=\[nan\] at "
        r"row 1",
    ):
        LatentDropout().fit([2, 1], [3.0, 1.0], [4.0, 4.0], [0.0, np.nan, 1.0])
    with pytest.raises(InputError, match=r"'frequency'.*> 0 for at least two customers"):
        LatentDropout().fit([2, 0], [3.0, 0.0], [4.0, 4.0], [0.0, 1.0])
    histories = sim.dropout(200, 0.0, seed=9)
    with pytest.raises(
        InputError,
        match=r"The 'covariate_names' parameter of LatentDropout "
        r"must name every covariate column \(1\)",
    ):
        LatentDropout(covariate_names=("a", "b")).fit(*histories)
    with pytest.raises(
        InputError,
        match=r"The 'covariate_names' parameter .* a tuple of "
        r"distinct non-empty strings\. Got \['z'\] instead",
    ):
        LatentDropout(covariate_names=["z"]).fit(*histories)  # type: ignore[arg-type]
    with pytest.raises(
        NotFittedError,
        match=r"call LatentDropout\(\)\.fit\(.*\) before "
        r"hazard_ratio\(\)",
    ):
        LatentDropout().hazard_ratio("z")
    fitted = LatentDropout.from_params({"r": 1.0, "alpha": 1.0, "a": 1.0, "b": 1.0, "beta_z": 0.5})
    with pytest.raises(
        InputError,
        match=r"'covariate' argument .* must be one of z\. "
        r"Got 'y'",
    ):
        fitted.hazard_ratio("y")
    with pytest.raises(
        InputError,
        match=r"'covariates' argument of "
        r"LatentDropout\.predict_dropout must have 1 values",
    ):
        fitted.predict_dropout([1.0, 2.0])


def test_zero_weights_drop_the_customers_decisions_too(planted_k: Any) -> None:
    """Weight 0 on every other customer fits like leaving those customers (and their rows
    of covariates) out."""
    x, t_x, T, covariates = planted_k
    keep = np.arange(x.size) % 2 == 0
    rows = np.repeat(keep, x.astype(int))
    weighted = LatentDropout().fit(x, t_x, T, covariates, weights=keep.astype(float))
    dropped = LatentDropout().fit(x[keep], t_x[keep], T[keep], covariates[rows])
    assert weighted.params_ == dropped.params_ and weighted.loglik_ == dropped.loglik_
