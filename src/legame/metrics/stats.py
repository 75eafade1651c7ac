"""The small statistical pieces the findings share: seeded bootstraps, rate ratios, AUC.

Every interval is a two-sided 95% interval. Bootstraps are percentile intervals over
``BOOTSTRAP_REPLICATES`` resamples drawn from a generator the caller passes in (seeded), in
chunks so memory stays small; a bootstrap is given up (NaN interval) when fewer than 95% of
the replicates give a finite value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from legame.errors import InputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

Z95 = 1.959963984540054
LEVEL = 0.95
BOOTSTRAP_REPLICATES = 2000
_CHUNK_CELLS = 2_000_000  # indices per chunk (16 MB)


@dataclass(frozen=True)
class Interval:
    estimate: float
    ci_low: float
    ci_high: float


def percentile_interval(replicates: FloatArray, level: float = LEVEL) -> tuple[float, float]:
    """The percentile interval of bootstrap replicates (NaN if under 95% are finite)."""
    reps = np.asarray(replicates, dtype=float)
    ok = reps[np.isfinite(reps)]
    if reps.size == 0 or ok.size < 0.95 * reps.size:
        return math.nan, math.nan
    tail = (1.0 - level) / 2.0 * 100.0
    lo, hi = np.percentile(ok, [tail, 100.0 - tail])
    return float(lo), float(hi)


def index_chunks(
    rng: np.random.Generator, n: int, replicates: int = BOOTSTRAP_REPLICATES
) -> Iterator[IntArray]:
    """Resampling indices (``rows x n``, drawn with replacement) in chunks of rows."""
    rows = max(1, min(replicates, _CHUNK_CELLS // max(n, 1)))
    done = 0
    while done < replicates:
        b = min(rows, replicates - done)
        yield rng.integers(0, n, size=(b, n))
        done += b


def stratified_index_chunks(
    rng: np.random.Generator, sizes: tuple[int, ...], replicates: int = BOOTSTRAP_REPLICATES
) -> Iterator[list[IntArray]]:
    """Resampling indices within each group (one ``rows x n_g`` array per group of size
    ``n_g``), the same number of rows for every group, in chunks of rows."""
    total = max(sum(sizes), 1)
    rows = max(1, min(replicates, _CHUNK_CELLS // total))
    done = 0
    while done < replicates:
        b = min(rows, replicates - done)
        yield [rng.integers(0, max(n, 1), size=(b, n)) for n in sizes]
        done += b


def count_chunks(
    rng: np.random.Generator, n: int, replicates: int = BOOTSTRAP_REPLICATES
) -> Iterator[FloatArray]:
    """How often each of ``n`` units is drawn in each resample (``rows x n`` counts): the
    weights of a bootstrap over units (e.g. customers, for a cluster bootstrap)."""
    for idx in index_chunks(rng, n, replicates):
        b = idx.shape[0]
        flat = idx + (np.arange(b) * n)[:, None]
        yield np.bincount(flat.ravel(), minlength=b * n).reshape(b, n).astype(float)


def bootstrap(
    rng: np.random.Generator,
    n: int,
    statistic: Callable[[IntArray], FloatArray],
    replicates: int = BOOTSTRAP_REPLICATES,
) -> FloatArray:
    """Replicates of a vectorized ``statistic(idx)`` (idx: ``rows x n`` resampling indices,
    returns one value per row)."""
    return np.concatenate(
        [np.asarray(statistic(idx), dtype=float) for idx in index_chunks(rng, n, replicates)]
    )


# ---------------------------------------------------------------------------------------
# Rates
# ---------------------------------------------------------------------------------------


def rate_ratio_wald(
    a: float, exposure_a: float, b: float, exposure_b: float, level: float = LEVEL
) -> Interval:
    """Rate ratio ``(a / exposure_a) / (b / exposure_b)`` of two Poisson counts with the
    Wald interval on the log scale, ``log RR +- z sqrt(1/a + 1/b)`` (NaN with a zero count)."""
    z = stats.norm.ppf(0.5 + level / 2.0)
    if a <= 0 or b <= 0 or exposure_a <= 0 or exposure_b <= 0:
        est = (a / exposure_a) / (b / exposure_b) if b > 0 and exposure_a > 0 else math.nan
        return Interval(est, math.nan, math.nan)
    est = (a / exposure_a) / (b / exposure_b)
    half = z * math.sqrt(1.0 / a + 1.0 / b)
    return Interval(est, est * math.exp(-half), est * math.exp(half))


def rate_ratio_exact(
    a: int, exposure_a: float, b: int, exposure_b: float, level: float = LEVEL
) -> Interval:
    """Rate ratio of two Poisson counts with the exact conditional interval: given the total
    ``a + b``, ``a`` is binomial with ``pi = RR e_a / (RR e_a + e_b)``; the Clopper-Pearson
    interval for ``pi`` maps to ``RR = pi / (1 - pi) * e_b / e_a``."""
    if exposure_a <= 0 or exposure_b <= 0:
        raise InputError(
            f"The exposures given to rate_ratio_exact must be > 0. Got "
            f"exposure_a={exposure_a!r}, exposure_b={exposure_b!r} instead."
        )
    n = a + b
    scale = exposure_b / exposure_a
    est = (a / b) * scale if b > 0 else math.inf if a > 0 else math.nan
    if n == 0:
        return Interval(math.nan, 0.0, math.inf)
    tail = (1.0 - level) / 2.0
    lo_pi = 0.0 if a == 0 else float(stats.beta.ppf(tail, a, b + 1))
    hi_pi = 1.0 if b == 0 else float(stats.beta.ppf(1.0 - tail, a + 1, b))
    lo = lo_pi / (1.0 - lo_pi) * scale
    hi = math.inf if hi_pi >= 1.0 else hi_pi / (1.0 - hi_pi) * scale
    return Interval(est, lo, hi)


def poisson_rate(count: int, exposure: float, level: float = LEVEL) -> Interval:
    """A Poisson rate ``count / exposure`` with the exact (Garwood) interval."""
    if exposure <= 0:
        return Interval(math.nan, math.nan, math.nan)
    tail = (1.0 - level) / 2.0
    lo = 0.0 if count == 0 else float(stats.chi2.ppf(tail, 2 * count)) / 2.0
    hi = float(stats.chi2.ppf(1.0 - tail, 2 * count + 2)) / 2.0
    return Interval(count / exposure, lo / exposure, hi / exposure)


def wilson(successes: float, n: float, level: float = LEVEL) -> Interval:
    """A proportion with the Wilson score interval (NaN when ``n`` is 0)."""
    if n <= 0:
        return Interval(math.nan, math.nan, math.nan)
    z = stats.norm.ppf(0.5 + level / 2.0)
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


# ---------------------------------------------------------------------------------------
# AUC on discrete scores
# ---------------------------------------------------------------------------------------


def score_codes(score: FloatArray) -> tuple[IntArray, int]:
    """Rank codes ``0..L-1`` of the distinct values of a score (ties share a code)."""
    levels, codes = np.unique(np.asarray(score, dtype=float), return_inverse=True)
    return codes.astype(np.int64), int(levels.size)


def auc_from_counts(pos: npt.ArrayLike, neg: npt.ArrayLike) -> FloatArray:
    """AUC from counts of positives and negatives per score level (last axis, in increasing
    score order), ties counted one half; the Mann-Whitney form of ``definitions.auc``."""
    p = np.asarray(pos, dtype=float)
    q = np.asarray(neg, dtype=float)
    below = np.cumsum(q, axis=-1) - q
    num = np.sum(p * (below + 0.5 * q), axis=-1)
    den = p.sum(axis=-1) * q.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def resampled_aucs(
    idx: IntArray, codes: IntArray, levels: int, outcome: npt.NDArray[np.bool_]
) -> FloatArray:
    """The AUC of a coded score in each resample (rows of ``idx``)."""
    b = idx.shape[0]
    key = codes[idx] + levels * outcome[idx].astype(np.int64) + (2 * levels * np.arange(b))[:, None]
    counts = np.bincount(key.ravel(), minlength=2 * levels * b).reshape(b, 2, levels)
    return auc_from_counts(counts[:, 1, :], counts[:, 0, :])
