"""Before launch: the smallest effect a test can detect, and how long it must run.

A two-arm test compares the mean outcome of the treatment arm (``n_t`` units, outcome
standard deviation ``sd_t``) with the control arm (``n_c``, ``sd_c``) with a two-sided
z-test at level ``alpha``. Its power against a true difference ``delta`` is

    power = Φ(|delta| / se − z_{1−α/2}) + Φ(−|delta| / se − z_{1−α/2}),
    se = sqrt(sd_t² / n_t + sd_c² / n_c),

and the minimum detectable effect (MDE) at power ``1 − β`` is the ``delta`` where that
power is reached. For a proportion the variance depends on the effect itself
(``sd² = p (1 − p)``), so the MDE on a base rate ``p`` solves

    delta = (z_{1−α/2} + z_{1−β}) · sqrt(p (1 − p) / n_c + (p + delta)(1 − p − delta) / n_t)

(the unpooled two-proportion formula of Chow, Shao and Wang, *Sample Size Calculations in
Clinical Research*, 2nd ed., 2008, §4.2, with unequal allocation), solved by bisection.
Units arrive at ``per_day`` a day and a share ``holdout`` of them is the control arm, so a
test of ``days`` days has ``n_c = holdout · per_day · days``. :func:`days_needed` is the
shortest whole number of days whose power reaches the target for a named effect.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from scipy import stats

from legame.errors import InputError

ALPHA = 0.05
POWER = 0.8
#: The longest duration :func:`days_needed` looks at (ten years).
MAX_DAYS = 3650


def _z(q: float) -> float:
    return float(stats.norm.ppf(q))


@dataclass(frozen=True)
class Outcome:
    """An outcome's spread in the control arm: a proportion (``rate``) or a mean (``sd``).

    ``rate`` set: a share of units (repurchase, unsubscribe), whose variance follows from
    the rate. Else ``sd`` is the standard deviation of a unit's outcome (revenue, NPS
    points), taken as the same in both arms."""

    mean: float
    sd: float | None = None
    rate: bool = False

    def sd_at(self, delta: float) -> tuple[float, float]:
        """Standard deviations (control, treatment) when the treatment's mean is
        ``mean + delta``."""
        if self.rate:
            p, q = self.mean, min(max(self.mean + delta, 0.0), 1.0)
            return math.sqrt(p * (1 - p)), math.sqrt(q * (1 - q))
        sd = float(self.sd or 0.0)
        return sd, sd


def power(outcome: Outcome, delta: float, n_t: float, n_c: float, *, alpha: float = ALPHA) -> float:
    """The chance a two-sided z-test at ``alpha`` rejects "no difference" when the true
    difference is ``delta``."""
    if n_t <= 0 or n_c <= 0:
        return 0.0
    sd_c, sd_t = outcome.sd_at(delta)
    se = math.sqrt(sd_t**2 / n_t + sd_c**2 / n_c)
    if se == 0:
        return 1.0 if delta else alpha
    z = _z(1 - alpha / 2)
    d = abs(delta) / se
    return float(stats.norm.cdf(d - z) + stats.norm.cdf(-d - z))


def _bisect(f: Callable[[float], float], lo: float, hi: float) -> float:
    for _ in range(200):
        mid = (lo + hi) / 2
        if f(mid) > 0:
            hi = mid
        else:
            lo = mid
    return hi


def mde(
    outcome: Outcome,
    n_t: float,
    n_c: float,
    *,
    alpha: float = ALPHA,
    target: float = POWER,
) -> float | None:
    """The smallest increase the test detects with power ``target`` (None: no increase
    is detectable, e.g. a proportion already at 1, or an arm with no unit)."""
    if n_t <= 0 or n_c <= 0:
        return None
    z = _z(1 - alpha / 2) + _z(target)
    if not outcome.rate:
        sd = float(outcome.sd or 0.0)
        return z * sd * math.sqrt(1 / n_t + 1 / n_c)
    top = 1.0 - outcome.mean
    if top <= 0:
        return None

    def short(delta: float) -> float:
        sd_c, sd_t = outcome.sd_at(delta)
        return delta - z * math.sqrt(sd_c**2 / n_c + sd_t**2 / n_t)

    if short(top) <= 0:
        return None
    return _bisect(short, 0.0, top)


def days_needed(
    outcome: Outcome,
    effect: float,
    per_day: float,
    holdout: float,
    *,
    alpha: float = ALPHA,
    target: float = POWER,
) -> int | None:
    """The fewest whole days of arrivals at ``per_day`` (a share ``holdout`` held out)
    for power ``target`` against ``effect`` (None: not within :data:`MAX_DAYS`)."""
    check_share(holdout)
    if per_day <= 0 or effect == 0:
        return None

    def power_at(days: int) -> float:
        n = per_day * days
        return power(outcome, effect, (1 - holdout) * n, holdout * n, alpha=alpha)

    if power_at(MAX_DAYS) < target:
        return None
    lo, hi = 0, MAX_DAYS  # power_at(hi) >= target; power grows with days
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if power_at(mid) >= target:
            hi = mid
        else:
            lo = mid
    return hi


def check_share(holdout: float) -> None:
    if not 0 < holdout < 1:
        raise InputError(f"--holdout must be between 0 and 1 (exclusive); got {holdout}.")
