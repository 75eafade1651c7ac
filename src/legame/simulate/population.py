"""The customers' latent traits: birth, country, purchase rate, dropout, spend, connection.

* ``lam`` (purchases per day) ~ Gamma(r, rate alpha) per week, divided by 7; times the
  ``emotion_lambda_multiplier`` for connected customers while ``emotion_value`` is on.
* ``p`` (dropout probability after each purchase) ~ Beta(a, b).
* ``nu`` (Gamma-Gamma scale) ~ Gamma(q, rate gamma), drawn through a Gaussian copula with
  ``p``: correlation 0 (independent, the Gamma-Gamma assumption) while
  ``high_spend_not_loyalty`` is on, ``spend_loyalty_rho`` (loyal customers spend more) while
  it is off. The marginal of ``nu`` is Gamma(q, gamma) either way.
* ``connected`` ~ Bernoulli(0.3).
* ``acquisition_channel`` drawn by ``acquisition_channel_weights`` from its own stream;
  while ``acquisition_channel`` is on, a channel's customers have ``lam`` times its
  purchase ratio (alpha divided by it), ``p`` from Beta(a * a_ratio, b * b_ratio) (the same
  quantile as the base draw, so the other customers keep their ``p``) and ``nu`` divided by
  its spend ratio (gamma times it): the static covariates of Fader & Hardie (2007, note 019)
  and ``legame.models.gammagamma_covariates``. ``loyalty`` comes from the base draw of
  ``p`` (the customer's rank), so the survey mix does not depend on the channels.
* ``loyalty`` = standardized ``-logit(p)`` + 0.8 * connected + Normal(0, 0.6) noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

from legame.simulate.params import Effects, WorldParams

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Population:
    birth: F64  # first purchase, days since start (sorted ascending)
    country: I64  # index into params.countries
    time_zone: I64  # index into that country's time zones
    lam: F64  # purchases per day while alive
    p: F64  # dropout probability after each purchase
    nu: F64  # Gamma-Gamma rate of the customer's spend
    connected: Bool
    loyalty: F64
    contact_segment: I64  # index into params.contact_segments
    order_channel: I64  # usual order channel
    acquisition_channel: I64  # index into params.acquisition_channels

    @property
    def size(self) -> int:
        return int(self.birth.size)


def standardized_loyalty_score(p: F64, params: WorldParams) -> F64:
    """``-logit(p)`` standardized with its exact Beta(a, b) mean and standard deviation."""
    a, b = params.bgnbd_a, params.bgnbd_b
    mean = special.digamma(a) - special.digamma(b)
    sd = np.sqrt(special.polygamma(1, a) + special.polygamma(1, b))
    return np.asarray(-(special.logit(p) - mean) / sd)


def _acquisition(
    channel: I64, lam_week: F64, p: F64, nu: F64, params: WorldParams
) -> tuple[F64, F64, F64]:
    """The channels' effects on the purchase rate, the dropout probability and the spend."""
    lam_week, p, nu = lam_week.copy(), p.copy(), nu.copy()
    a, b = params.bgnbd_a, params.bgnbd_b
    for k in range(len(params.acquisition_channels)):
        mine = channel == k
        lam_week[mine] *= params.acquisition_purchase_ratio[k]
        nu[mine] /= params.acquisition_spend_ratio[k]
        ra, rb = params.acquisition_dropout_a_ratio[k], params.acquisition_dropout_b_ratio[k]
        if (ra, rb) != (1.0, 1.0) and mine.any():
            rank = special.betainc(a, b, p[mine])
            p[mine] = np.clip(special.betaincinv(a * ra, b * rb, rank), 1e-12, 1.0 - 1e-12)
    return lam_week, p, nu


def draw_population(
    n: int,
    params: WorldParams,
    effects: Effects,
    rng: np.random.Generator,
    *,
    channel_rng: np.random.Generator | None = None,
) -> Population:
    """The customers; ``channel_rng`` draws the acquisition channels (default: a child of
    ``rng``, which leaves ``rng``'s own draws as they were)."""
    birth = np.sort(rng.uniform(0.0, params.birth_days, n))
    shares = np.array([c.share for c in params.countries])
    country = rng.choice(len(shares), size=n, p=shares / shares.sum())
    tz_u = rng.random(n)
    n_tz = np.array([len(c.time_zones) for c in params.countries])
    time_zone = np.minimum((tz_u * n_tz[country]).astype(np.int64), n_tz[country] - 1)
    lam_week = rng.gamma(params.bgnbd_r, 1.0 / params.bgnbd_alpha, n)
    p = rng.beta(params.bgnbd_a, params.bgnbd_b, n)
    p = np.clip(p, 1e-12, 1.0 - 1e-12)
    base_p = p
    connected = rng.random(n) < params.connected_share
    noise = rng.normal(0.0, params.loyalty_noise_sd, n)
    # Spend: Gaussian copula with dropout (rho = 0 while the effect is on).
    rho = 0.0 if effects.on("high_spend_not_loyalty") else params.spend_loyalty_rho
    cdf_p = special.betainc(params.bgnbd_a, params.bgnbd_b, base_p)
    z_p = special.ndtri(np.clip(cdf_p, 1e-15, 1.0 - 1e-15))
    eps = rng.normal(0.0, 1.0, n)
    u_nu = special.ndtr(rho * z_p + np.sqrt(1.0 - rho * rho) * eps)
    u_nu = np.clip(u_nu, 1e-15, 1.0 - 1e-15)
    nu = special.gammaincinv(params.gg_q, u_nu) / params.gg_gamma
    seg_w = np.array(params.contact_segment_weights)
    contact_segment = rng.choice(len(seg_w), size=n, p=seg_w / seg_w.sum())
    ch_w = np.array(params.order_channel_weights)
    order_channel = rng.choice(len(ch_w), size=n, p=ch_w / ch_w.sum())

    ch_w = np.array(params.acquisition_channel_weights)
    channel_rng = channel_rng if channel_rng is not None else rng.spawn(1)[0]
    acquisition = channel_rng.choice(len(ch_w), size=n, p=ch_w / ch_w.sum()).astype(np.int64)
    if effects.on("acquisition_channel"):
        lam_week, p, nu = _acquisition(acquisition, lam_week, p, nu, params)
    loyalty = (
        standardized_loyalty_score(base_p, params)
        + params.loyalty_connected_weight * connected
        + noise
    )
    lam = lam_week / 7.0
    if effects.on("emotion_value"):
        lam = np.where(connected, lam * params.emotion_lambda_multiplier, lam)
    return Population(
        birth=birth,
        country=country.astype(np.int64),
        time_zone=time_zone,
        lam=lam,
        p=p,
        nu=nu,
        connected=connected,
        loyalty=loyalty,
        contact_segment=contact_segment.astype(np.int64),
        order_channel=order_channel.astype(np.int64),
        acquisition_channel=acquisition,
    )
