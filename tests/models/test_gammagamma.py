"""Gamma-Gamma against the published CDNOW fit and lifetimes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest

from legame.errors import InputError
from legame.models import GammaGamma

if TYPE_CHECKING:
    from conftest import CdnowSummary

# lifetimes 0.11.3 on the same fixture data:
#   gg = GammaGammaFitter().fit(f[f > 0], m[f > 0]); gg.params_, gg.standard_errors_
#   gg.conditional_expected_average_profit(f[rows], m[rows])
LIFETIMES_PARAMS = {"p": 6.249572277632992, "q": 3.74422467475878, "gamma": 15.443521018372072}
LIFETIMES_SE = {"p": 1.1900553463970864, "q": 0.29013306759354474, "gamma": 4.159422802213355}
ROWS = [0, 1, 2, 19, 150, 1000]
LIFETIMES_SPEND = [
    24.65391871323637,
    18.910018475341765,
    35.17037133045396,
    35.17037133045396,
    25.954217146200765,
    35.17037133045396,
]


@pytest.fixture(scope="module")
def gg(cdnow: CdnowSummary) -> GammaGamma:
    repeat = cdnow.frequency > 0
    return GammaGamma().fit(cdnow.frequency[repeat], cdnow.monetary_value[repeat])


def test_gammagamma_reproduces_fader_hardie_lee_2005_rfm_clv(gg: GammaGamma) -> None:
    """Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for customer base
    analysis", JMR 42(4): p = 6.25, q = 3.74, gamma = 15.44 on the CDNOW repeat customers."""
    published = {"p": 6.25, "q": 3.74, "gamma": 15.44}
    for name, value in published.items():
        assert gg.params_[name] == pytest.approx(value, rel=0.02), name
    assert gg.n_customers_ == 946
    assert gg.converged_


def test_gammagamma_estimates_and_standard_errors_match_lifetimes(gg: GammaGamma) -> None:
    for name in LIFETIMES_PARAMS:
        assert gg.params_[name] == pytest.approx(LIFETIMES_PARAMS[name], rel=1e-5), name
        assert gg.stderr_[name] == pytest.approx(LIFETIMES_SE[name], rel=5e-3), name


def test_gammagamma_spend_matches_lifetimes_and_uses_the_mean_for_non_repeaters(
    gg: GammaGamma, cdnow: CdnowSummary
) -> None:
    f, m = cdnow.frequency[ROWS], cdnow.monetary_value[ROWS]
    np.testing.assert_allclose(gg.predict_spend(f, m), LIFETIMES_SPEND, rtol=1e-5)
    p, q, gamma = gg.params_["p"], gg.params_["q"], gg.params_["gamma"]
    assert gg.predict_spend(0, np.nan) == pytest.approx(p * gamma / (q - 1), rel=1e-12)


def test_gammagamma_spend_shrinks_towards_the_mean_less_as_frequency_grows(gg: GammaGamma) -> None:
    """E[M | x, m_x] is a weighted mean of m_x and the population mean; the weight on m_x
    grows with x (FHL 2005, RFM and CLV, eq. 5)."""
    mean = gg.predict_spend(0, 0.0)
    spends = np.asarray(gg.predict_spend([1, 5, 50, 5000], 100.0))
    assert np.all(np.diff(spends) > 0) and spends[0] > mean
    assert spends[-1] == pytest.approx(100.0, rel=2e-3)


def test_gammagamma_mean_is_infinite_when_q_is_at_most_one() -> None:
    heavy = GammaGamma.from_params({"p": 2.0, "q": 0.8, "gamma": 10.0})
    assert heavy.predict_spend(0, 0.0) == np.inf
    assert np.isfinite(heavy.predict_spend(3, 20.0))


def test_gammagamma_refuses_non_repeat_customers_with_a_fix_in_the_message() -> None:
    with pytest.raises(InputError, match=r"'frequency'.*>= 1.*Got frequency=0 at row 1.*mask"):
        GammaGamma().fit([2, 0, 3], [10.0, 0.0, 12.0])
    with pytest.raises(InputError, match=r"'monetary_value'.*> 0.*Got monetary_value=-1"):
        GammaGamma().fit([2, 1, 3], [10.0, -1.0, 12.0])


def test_gammagamma_penalty_matches_lifetimes(cdnow: CdnowSummary) -> None:
    """lifetimes: GammaGammaFitter(penalizer_coef=0.001).fit(...) -> p = 7.91185, q = 2.44677,
    v = 7.20933 (penalty 0.001 * sum(theta**2) on the mean negative log-likelihood)."""
    repeat = cdnow.frequency > 0
    model = GammaGamma(penalizer=0.001).fit(cdnow.frequency[repeat], cdnow.monetary_value[repeat])
    expected = {"p": 7.9118549933342415, "q": 2.4467702786193377, "gamma": 7.209332198307035}
    for name, value in expected.items():
        assert model.params_[name] == pytest.approx(value, rel=1e-5), name
