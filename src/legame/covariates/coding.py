"""Covariate values as model columns: categorical ones one-hot, numeric ones standardised.

* **Categorical** (text): one 0/1 column per level but the *baseline*, the most common level
  (ties: the first in alphabetical order), so each coefficient compares a level with the
  baseline. A missing value is the level ``(missing)``; beyond ``MAX_LEVELS`` levels, the
  rarest are pooled as ``(other)``.
* **Numeric**: binned to ``bins`` quantile bins (each value replaced by the median of its
  bin; ``bins=0`` keeps the values exact), then standardised to mean 0 and standard
  deviation 1 over the customers, so a coefficient is the effect of one standard deviation.
  Binning bounds the number of covariate patterns a fit works on (``bins`` per numeric
  covariate) at the cost of the spread within a bin; kept exact, a numeric covariate makes
  one pattern per distinct value, and the fit works customer by customer. Missing values
  are set to the mean (0) and flagged by a 0/1 column ``<name>=(missing)``.
* **Counts** (time-varying ``gesture``): kept as they are, so a coefficient is per unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from legame.errors import InputError

FloatArray = npt.NDArray[np.float64]
Kind = Literal["categorical", "numeric", "count"]

#: The default number of quantile bins of a numeric covariate.
DEFAULT_BINS = 10
#: At most this many levels of a categorical covariate (the rarest are pooled).
MAX_LEVELS = 20
MISSING = "(missing)"
OTHER = "(other)"


@dataclass(frozen=True)
class Coding:
    """How one covariate became model columns: ``columns`` (names ``<name>=<level>`` for a
    categorical, ``<name>`` for a numeric or count), the ``baseline`` level of a categorical,
    the ``mean`` and ``sd`` a numeric was standardised with, and the customers (or
    purchases) per level."""

    name: str
    kind: Kind
    columns: tuple[str, ...]
    levels: tuple[str, ...] = ()
    baseline: str | None = None
    mean: float = 0.0
    sd: float = 1.0
    counts: dict[str, int] = field(default_factory=dict)


def is_numeric(values: pa.Array) -> bool:
    """Whether every non-missing value reads as a number (a text column of numbers too)."""
    if pa.types.is_integer(values.type) or pa.types.is_floating(values.type):
        return True
    if pa.types.is_decimal(values.type):
        return True
    present = pc.drop_null(values)
    if len(present) == 0:
        return False
    try:
        pc.cast(pc.utf8_trim_whitespace(present.cast(pa.string())), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


def categorical(name: str, values: pa.Array) -> tuple[FloatArray, Coding]:
    """One-hot columns against the most common level."""
    text = pc.fill_null(values.cast(pa.string()), MISSING)
    encoded = pc.dictionary_encode(text)
    labels = [str(v) for v in encoded.dictionary.to_pylist()]
    codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    counts = np.bincount(codes, minlength=len(labels))
    order = sorted(range(len(labels)), key=lambda i: (-counts[i], labels[i]))
    if len(order) > MAX_LEVELS:  # pool the rarest levels
        kept = order[: MAX_LEVELS - 1]
        new_index = np.full(len(labels), MAX_LEVELS - 1)
        new_index[kept] = np.arange(len(kept))
        codes = new_index[codes]
        labels = [labels[i] for i in kept] + [OTHER]
        counts = np.bincount(codes, minlength=len(labels))
        order = sorted(range(len(labels)), key=lambda i: (-counts[i], labels[i]))
    if len(order) < 2:
        only = labels[order[0]] if order else MISSING
        raise InputError(
            f"The covariate {name!r} has one value ({only!r}) for every customer fitted: it "
            "cannot tell customers apart. Leave it out, or check the data it comes from."
        )
    baseline, others = order[0], order[1:]
    Z = np.zeros((codes.size, len(others)))
    for j, level in enumerate(others):
        Z[codes == level, j] = 1.0
    coding = Coding(
        name=name,
        kind="categorical",
        columns=tuple(f"{name}={labels[i]}" for i in others),
        levels=tuple(labels[i] for i in others),
        baseline=labels[baseline],
        counts={labels[i]: int(counts[i]) for i in order},
    )
    return Z, coding


def numeric(name: str, values: pa.Array, *, bins: int = DEFAULT_BINS) -> tuple[FloatArray, Coding]:
    """A standardised column (binned to ``bins`` quantile bins unless 0), and a missing
    flag when values are missing."""
    raw = values
    if not (pa.types.is_integer(raw.type) or pa.types.is_floating(raw.type)):
        raw = pc.cast(
            pc.utf8_trim_whitespace(raw.cast(pa.string()))
            if not pa.types.is_decimal(raw.type)
            else raw,
            pa.float64(),
        )
    x = np.asarray(raw.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
    missing = ~np.isfinite(x)
    present = x[~missing]
    if present.size == 0 or np.ptp(present) == 0:
        raise InputError(
            f"The covariate {name!r} takes one value for every customer fitted (or none): it "
            "cannot tell customers apart. Leave it out, or check the data it comes from."
        )
    if bins:
        x = _binned(x, missing, bins)
    mean = float(x[~missing].mean())
    sd = float(x[~missing].std())
    if not sd > 0:
        raise InputError(
            f"The covariate {name!r} falls in one quantile bin for every customer: use more "
            "bins (--covariate-bins) or leave it out."
        )
    z = np.where(missing, 0.0, (x - mean) / sd)
    columns = [z]
    names = [name]
    if missing.any():
        columns.append(missing.astype(np.float64))
        names.append(f"{name}={MISSING}")
    coding = Coding(
        name=name,
        kind="numeric",
        columns=tuple(names),
        mean=mean,
        sd=sd,
        counts={"present": int((~missing).sum()), MISSING: int(missing.sum())},
    )
    return np.column_stack(columns), coding


def _binned(x: FloatArray, missing: npt.NDArray[np.bool_], bins: int) -> FloatArray:
    """Each value replaced by the median of its quantile bin."""
    present = x[~missing]
    edges = np.unique(np.quantile(present, np.linspace(0.0, 1.0, bins + 1)))
    inner = edges[1:-1]
    index = np.searchsorted(inner, present, side="right")
    medians = np.array(
        [
            np.median(present[index == b]) if np.any(index == b) else 0.0
            for b in range(inner.size + 1)
        ]
    )
    out = x.copy()
    out[~missing] = medians[index]
    return out


def count(name: str, values: FloatArray) -> tuple[FloatArray, Coding]:
    """A count kept as it is (one coefficient per unit)."""
    if values.size == 0 or np.ptp(values) == 0:
        raise InputError(
            f"The covariate {name!r} is {values[0] if values.size else 0:g} at every purchase "
            "fitted: it cannot explain the dropout. Leave it out."
        )
    coding = Coding(
        name=name,
        kind="count",
        columns=(name,),
        mean=float(values.mean()),
        counts={"purchases": int(values.size), "nonzero": int(np.count_nonzero(values))},
    )
    return values[:, None].astype(np.float64), coding


def apply(coding: Coding, values: pa.Array) -> FloatArray:
    """New values as a fitted ``coding`` codes them, in its columns (each customer's
    time-varying covariates at the cutoff, for the forecast): a categorical one-hot against
    the baseline (a level the fit did not see counts as ``(other)`` where the fit pooled
    levels, as the baseline otherwise: it has no coefficient), a count as it is."""
    if coding.kind == "count":
        counts = values.cast(pa.float64()).fill_null(0.0)
        return np.asarray(counts.to_numpy(zero_copy_only=False), dtype=np.float64)[:, None]
    if coding.kind != "categorical":
        raise InputError(f"apply() codes categorical and count covariates; got {coding.kind!r}")
    text = np.asarray(
        pc.fill_null(values.cast(pa.string()), MISSING).to_numpy(zero_copy_only=False),
        dtype=object,
    )
    if OTHER in coding.levels:
        known = [*coding.levels, str(coding.baseline)]
        text = np.where(np.isin(text, np.array(known, dtype=object)), text, OTHER)
    return np.column_stack([(text == level).astype(np.float64) for level in coding.levels])
