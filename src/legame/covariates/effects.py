"""Each fitted coefficient as an effect a user can read: a ratio, its 95% interval, and a
sentence.

* **purchase** (``g1``, Fader & Hardie 2007): ``exp(g1)`` is the ratio of mean purchase
  rates, "buy 0.62x as often";
* **dropout**, static (``g2`` on the dropout beta's ``a``, ``g3`` on its ``b``):
  ``exp(g2 - g3)`` is the ratio of the odds ``a / b`` of the mean chance of stopping after a
  repeat purchase, "1.5x the odds of stopping after a purchase";
* **dropout**, time-varying (``beta``): ``exp(beta)`` multiplies the hazard of stopping at
  each purchase (the latent-dropout model's hazard ratio), "2.5x as likely to stop";
* **spend** (``g``): ``exp(g)`` is the ratio of mean spend per purchase.

For a categorical covariate the comparison is with its baseline level; for a numeric one,
with customers one standard deviation lower; for a count (``gesture``), per unit.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Literal

from legame.models import CovariateBetaGeo, CovariateGammaGamma
from legame.models.covariates import Z95

from .coding import MISSING, Coding

Process = Literal["purchase", "dropout", "spend"]

MEASURES: dict[str, str] = {
    "purchase": "ratio of mean purchase rates",
    "dropout_static": "ratio of the odds of stopping after a repeat purchase",
    "dropout_varying": "hazard ratio of stopping at each repeat purchase",
    "spend": "ratio of mean spend per purchase",
}


@dataclass(frozen=True)
class Effect:
    """One covariate column's effect on one process."""

    name: str  # the model column: <covariate>=<level>, or <covariate>
    covariate: str
    level: str | None
    baseline: str | None
    process: Process
    varying: bool
    coef: float  # on the log scale
    stderr: float
    ci_low: float
    ci_high: float
    effect: float  # exp(coef)
    effect_low: float
    effect_high: float
    measure: str
    sentence: str

    def to_dict(self) -> dict[str, object]:
        return {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in asdict(self).items()
        }


def _who(coding: Coding, level: str | None) -> tuple[str, str]:
    """(the customers compared, the ones they are compared with) in words."""
    if coding.kind == "categorical":
        shown = "no value" if level == MISSING else level
        base = "no value" if coding.baseline == MISSING else coding.baseline
        return (f"Customers with {coding.name} = {shown}", f"those with {base}")
    if level == MISSING:
        return (f"Customers without a {coding.name}", f"those with an average {coding.name}")
    return (
        f"Customers whose {coding.name} is one standard deviation ({coding.sd:,.2f}) higher",
        "",
    )


def _interval(lo: float, hi: float) -> str:
    return f"95% interval {lo:.2f}\u2013{hi:.2f}"


def _sentence(coding: Coding, level: str | None, key: str, e: float, lo: float, hi: float) -> str:
    ratio, interval = f"{e:.2f}\u00d7", _interval(lo, hi)
    if key == "dropout_varying":
        return _varying_sentence(coding, level, ratio, interval)
    who, than = _who(coding, level)
    tail = f" {than}" if than else ""
    if key == "purchase":
        return f"{who} buy {ratio} as often as{tail or ' the others'} ({interval})."
    if key == "spend":
        return f"{who} spend {ratio} as much per purchase as{tail or ' the others'} ({interval})."
    return (
        f"{who} have {ratio} the odds of stopping after a purchase of{tail or ' the others'} "
        f"({interval})."
    )


def _varying_sentence(coding: Coding, level: str | None, ratio: str, interval: str) -> str:
    hazard = f"(hazard ratio, {interval})"
    if coding.name == "poor_service":
        return (
            f"After a poor support experience, customers are {ratio} as likely to stop at "
            f"each purchase as before one {hazard}."
        )
    if coding.name == "gesture":
        return (
            f"Each gesture of gratitude received multiplies the hazard of stopping at a "
            f"purchase by {ratio[:-1]} {hazard}."
        )
    if coding.name == "contact_pressure":
        return (
            f"Under {level} contact pressure (messages in the 30 days before a purchase), "
            f"customers are {ratio} as likely to stop at each purchase as under "
            f"{coding.baseline} pressure {hazard}."
        )
    if coding.name == "nps_group":

        def group(g: str | None) -> str:
            return "customers without an NPS answer" if g == "none" else f"{g}s"

        return (
            f"Customers whose latest NPS answer makes them {group(level)} are {ratio} as likely "
            f"to stop at each purchase as {group(coding.baseline)} {hazard}."
        )
    who, than = _who(coding, level)
    return (
        f"{who} are {ratio} as likely to stop at each purchase as {than or 'the others'} {hazard}."
    )


def _effect(
    coding: Coding,
    column: str,
    process: Process,
    key: str,
    estimate: tuple[float, float, float, float],
) -> Effect:
    coef, se, lo, hi = estimate
    level = column.split("=", 1)[1] if "=" in column else None
    e, e_lo, e_hi = (math.exp(v) if math.isfinite(v) else math.nan for v in (coef, lo, hi))
    return Effect(
        name=column,
        covariate=coding.name,
        level=level,
        baseline=coding.baseline,
        process=process,
        varying=key == "dropout_varying",
        coef=coef,
        stderr=se,
        ci_low=lo,
        ci_high=hi,
        effect=e,
        effect_low=e_lo,
        effect_high=e_hi,
        measure=MEASURES[key],
        sentence=_sentence(coding, level, key, e, e_lo, e_hi),
    )


def effects(
    purchase: CovariateBetaGeo,
    spend: CovariateGammaGamma | None,
    static: list[Coding],
    varying: list[Coding],
) -> list[Effect]:
    """Every coefficient of the fits as an effect: per static covariate column, purchase,
    dropout and spend; per time-varying column, dropout."""
    out: list[Effect] = []
    for coding in static:
        for column in coding.columns:
            out.append(
                _effect(
                    coding,
                    column,
                    "purchase",
                    "purchase",
                    purchase.coefficient(f"beta_purchase_{column}", z=Z95),
                )
            )
            out.append(
                _effect(
                    coding,
                    column,
                    "dropout",
                    "dropout_static",
                    purchase.contrast({f"beta_a_{column}": 1.0, f"beta_b_{column}": -1.0}),
                )
            )
            if spend is not None:
                out.append(
                    _effect(
                        coding, column, "spend", "spend", spend.coefficient(f"beta_spend_{column}")
                    )
                )
    for coding in varying:
        for column in coding.columns:
            out.append(
                _effect(
                    coding,
                    column,
                    "dropout",
                    "dropout_varying",
                    purchase.coefficient(f"beta_hazard_{column}"),
                )
            )
    return out
