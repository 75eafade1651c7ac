"""Special functions the models need, evaluated without overflow.

* :func:`hyp2f1_one` — Gauss's hypergeometric function 2F1(1, p; q; z) for 0 < p <= q and
  0 <= z < 1, by Gauss's continued fraction (modified Lentz). Its value is at most
  1/(1 - z), so it never overflows; the continued fraction converges where the power series
  crawls (z near 1) and where SciPy's ``hyp2f1`` returns inf/nan (p and q in the hundreds with
  z near 1, as in the Pareto/NBD likelihood of a heavy buyer).
* :func:`one_minus_exp_ratio` — (1 - exp(-k L)) / k with its limit L at k = 0, the shape of the
  "(1 - ratio**(s-1)) / (s-1)" terms in Pareto/NBD and BG/NBD expectations.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

_TINY = 1e-300


def hyp2f1_one(
    p: ArrayLike, q: ArrayLike, z: ArrayLike, *, rtol: float = 1e-15, max_terms: int = 200_000
) -> FloatArray:
    """2F1(1, p; q; z) for 0 < p <= q and 0 <= z < 1 (broadcast, float64).

    The contiguous relations of 2F1 give the S-fraction

        2F1(1, p; q; z) = 1 / (1 - d1 z / (1 - d2 z / (1 - d3 z / ...)))

    with d1 = p/q, d(2i+1) = (p+i)(q-1+i) / ((q-1+2i)(q+2i)) for i >= 1 and
    d(2i+2) = (i+1)(q-p+i) / ((q+2i)(q+2i+1)); every d is positive and tends to 1/4, so the
    fraction converges for every z < 1, geometrically with ratio about
    ((1 - sqrt(1-z)) / (1 + sqrt(1-z)))**2 per pair of levels (60 levels at z = 0.99).
    Elements are dropped from the work set as they converge.
    """
    pb, qb, zb = np.broadcast_arrays(
        np.asarray(p, np.float64), np.asarray(q, np.float64), np.asarray(z, np.float64)
    )
    shape = pb.shape
    pf, qf, zf = (a.reshape(-1) for a in (pb, qb, zb))
    f = np.ones(pf.size)
    c = np.ones(pf.size)
    d = np.zeros(pf.size)
    active = np.flatnonzero(zf != 0)
    pa, qa, za = pf[active], qf[active], zf[active]
    ca, da, fa = c[active], d[active], f[active]
    for j in range(1, max_terms + 1):
        if active.size == 0:
            break
        i = (j - 1) // 2
        if j == 1:
            coef = -pa / qa
        elif j % 2 == 1:
            coef = -(pa + i) * (qa - 1 + i) / ((qa - 1 + 2 * i) * (qa + 2 * i))
        else:
            coef = -(i + 1) * (qa - pa + i) / ((qa + 2 * i) * (qa + 2 * i + 1))
        a_j = coef * za
        da = 1.0 + a_j * da
        da[da == 0] = _TINY
        ca = 1.0 + a_j / ca
        ca[ca == 0] = _TINY
        da = 1.0 / da
        delta = ca * da
        fa = fa * delta
        done = np.abs(delta - 1.0) <= rtol
        if done.any():
            f[active[done]] = fa[done]
            keep = ~done
            active, pa, qa, za = active[keep], pa[keep], qa[keep], za[keep]
            ca, da, fa = ca[keep], da[keep], fa[keep]
    if active.size:
        f[active] = fa  # max_terms reached: the best approximant so far
    return (1.0 / f).reshape(shape)


def one_minus_exp_ratio(k: ArrayLike, L: ArrayLike) -> FloatArray:
    """(1 - exp(-k L)) / k, equal to L in the limit k -> 0 (broadcast)."""
    kb, Lb = np.broadcast_arrays(np.asarray(k, np.float64), np.asarray(L, np.float64))
    kl = kb * Lb
    small = np.abs(kl) < 1e-8
    safe_k = np.where(small, 1.0, kb)
    general = -np.expm1(-kl) / safe_k
    series = Lb * (1.0 - 0.5 * kl + kl * kl / 6.0)
    result: FloatArray = np.where(small, series, general)
    return result
