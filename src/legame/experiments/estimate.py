"""An arm comparison a marketer can look at every day: unadjusted, CUPED and always valid.

**Units.** Customers are the independent units: a customer can have several events (a
gesture each time a trigger fires), each randomized to an arm. For each customer ``i``
the caller sums, per arm, the events (``n``), the outcome over the events (``y``) and
each pre-period covariate over the events (``x``, e.g. the customer's completed orders
and revenue in the 180 days before each event). The estimand is the difference of the
per-event means, ``R_t − R_c`` with ``R = Σy / Σn`` in each arm. A test that randomizes
customers once (a contact-frequency test) is the special case of one event per customer.

**Unadjusted interval (fixed horizon).** The delta method over customers (Deng, Knoblich
and Lu, "Applying the Delta Method in Metric Analytics", KDD 2018): each customer's
influence on the difference is

    ψ_i = (y_ti − R_t n_ti) / n̄_t − (y_ci − R_c n_ci) / n̄_c,    n̄ = Σn / N,

and ``se = sd(ψ) / √N`` over the ``N`` customers; the interval is ``Δ ± z_{1−α/2} se``.

**CUPED** (Deng, Xu, Kohavi and Walker, "Improving the Sensitivity of Online Controlled
Experiments by Utilizing Pre-Experiment Data", WSDM 2013). The pre-period covariates'
own difference between the arms, ``D = X_t − X_c``, is zero in expectation because the
arms are random; subtracting ``θ·D`` with ``θ`` the regression of ``ψ`` on the
covariates' influences ``φ`` removes the part of the noise the past explains:
``Δ_cuped = Δ − θ·D`` and ``se = sd(ψ − φθ) / √N``. The variance reduction reported is
``1 − var(ψ − φθ) / var(ψ)``.

**Always valid** (Waudby-Smith, Arbour, Sinha, Kennedy and Ramdas, "Time-uniform central
limit theory and asymptotic confidence sequences", Annals of Statistics, 2024, Theorem
2.2): the Gaussian-mixture asymptotic confidence sequence around the (CUPED) estimate,

    Δ ± σ̂ · sqrt( 2 (Nρ² + 1) / (N² ρ²) · log( sqrt(Nρ² + 1) / α ) ),

covers the true difference at every ``N`` at once with probability ``1 − α`` (for large
samples), so the results may be looked at every day and stopped at any look. ``ρ`` is
tuned so the sequence is tightest at ``planned_units`` (their section 3.5):
``ρ² = (−2 log α + log(−2 log α + 1)) / planned_units``. The fixed-horizon intervals are
valid only at the pre-registered end date.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

FloatArray = npt.NDArray[np.float64]
ALPHA = 0.05
#: The sample size the confidence sequence is tightest at when none is planned.
PLANNED_UNITS = 5000
#: Fewer customers than this in an arm: nothing is estimated.
MIN_UNITS = 30


@dataclass(frozen=True)
class Interval:
    """A difference with its interval; ``None`` everywhere when it cannot be estimated."""

    estimate: float | None
    low: float | None
    high: float | None

    def to_dict(self) -> dict[str, float | None]:
        return {"estimate": self.estimate, "ci_low": self.low, "ci_high": self.high}

    @classmethod
    def none(cls) -> Interval:
        return cls(None, None, None)


@dataclass(frozen=True)
class Comparison:
    """Treatment minus control, three ways (see the module docstring)."""

    units: int
    unadjusted: Interval
    cuped: Interval
    always_valid: Interval
    variance_reduction: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "unadjusted": self.unadjusted.to_dict(),
            "cuped": self.cuped.to_dict(),
            "always_valid": self.always_valid.to_dict(),
            "variance_reduction": self.variance_reduction,
        }

    def verdict(self) -> str:
        """From the always-valid interval, safe at any look: ``supported`` (above 0),
        ``contradicted`` (below 0), ``not_supported``, or ``insufficient_data``."""
        lo, hi = self.always_valid.low, self.always_valid.high
        if lo is None or hi is None:
            return "insufficient_data"
        return "supported" if lo > 0 else "contradicted" if hi < 0 else "not_supported"


def z(alpha: float = ALPHA) -> float:
    return float(stats.norm.ppf(1 - alpha / 2))


def cs_radius(sd: float, n: int, *, alpha: float = ALPHA, planned: float = PLANNED_UNITS) -> float:
    """Half-width of the asymptotic confidence sequence at ``n`` units (module docstring)."""
    log_a = -2 * math.log(alpha)
    rho2 = (log_a + math.log(log_a + 1)) / max(planned, 1.0)
    v = n * rho2 + 1
    return sd * math.sqrt(2 * v / (n * n * rho2) * math.log(math.sqrt(v) / alpha))


def _influence(n: FloatArray, s: FloatArray, total_units: int) -> tuple[float, FloatArray]:
    """Per-event mean of ``s`` over ``n`` events and each unit's influence on it."""
    events = float(n.sum())
    mean = float(s.sum()) / events
    return mean, (s - mean * n) / (events / total_units)


def compare(
    n_t: npt.ArrayLike,
    y_t: npt.ArrayLike,
    n_c: npt.ArrayLike,
    y_c: npt.ArrayLike,
    x_t: npt.ArrayLike | None = None,
    x_c: npt.ArrayLike | None = None,
    *,
    alpha: float = ALPHA,
    planned_units: float = PLANNED_UNITS,
) -> Comparison:
    """Treatment minus control from per-customer sums (one row per customer; ``x_*`` with
    one column per pre-period covariate). See the module docstring."""
    nt, yt = np.asarray(n_t, float), np.asarray(y_t, float)
    nc, yc = np.asarray(n_c, float), np.asarray(y_c, float)
    keep = (nt + nc) > 0
    nt, yt, nc, yc = nt[keep], yt[keep], nc[keep], yc[keep]
    units = int(keep.sum())
    if min(int((nt > 0).sum()), int((nc > 0).sum())) < MIN_UNITS:
        none = Interval.none()
        return Comparison(units, none, none, none, None)
    r_t, psi_t = _influence(nt, yt, units)
    r_c, psi_c = _influence(nc, yc, units)
    delta = r_t - r_c
    psi = psi_t - psi_c
    sd = float(np.std(psi, ddof=1))
    half = z(alpha) * sd / math.sqrt(units)
    unadjusted = Interval(delta, delta - half, delta + half)
    adjusted, sd_adj, reduction = delta, sd, None
    if x_t is not None and x_c is not None:
        xt = np.asarray(x_t, float).reshape(len(keep), -1)[keep]
        xc = np.asarray(x_c, float).reshape(len(keep), -1)[keep]
        diffs, phis = [], []
        for k in range(xt.shape[1]):
            m_t, phi_t = _influence(nt, xt[:, k], units)
            m_c, phi_c = _influence(nc, xc[:, k], units)
            diffs.append(m_t - m_c)
            phis.append(phi_t - phi_c)
        phi = np.column_stack(phis)
        phi_c0 = phi - phi.mean(axis=0)
        psi_c0 = psi - psi.mean()
        theta, *_ = np.linalg.lstsq(phi_c0, psi_c0, rcond=None)
        adjusted = delta - float(np.dot(theta, diffs))
        sd_adj = float(np.std(psi - phi @ theta, ddof=1))
        reduction = 1 - sd_adj**2 / sd**2 if sd > 0 else None
    half = z(alpha) * sd_adj / math.sqrt(units)
    cuped = Interval(adjusted, adjusted - half, adjusted + half)
    radius = cs_radius(sd_adj, units, alpha=alpha, planned=planned_units)
    always = Interval(adjusted, adjusted - radius, adjusted + radius)
    return Comparison(units, unadjusted, cuped, always, reduction)
