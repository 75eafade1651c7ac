"""Timings at scale (not collected by pytest): ``.venv/bin/python tests/models/bench_scale.py``.

Simulates 10.7 million customers at day resolution (three years of first purchases), compresses
them to distinct (frequency, recency, T) histories, and times:

* BetaGeo, ParetoNBD and GammaGamma fits on those distinct histories (about 2 million rows);
* BetaGeo predictions (P(alive), expected purchases, 12-month CLV) on 10 million rows.

Prints the best wall time of ``--repeat`` runs, and the process CPU time of that run (other
work on a shared machine inflates wall time; CPU time shows what the code itself costs).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from legame.models import BetaGeo, GammaGamma, ParetoNBD, customer_lifetime_value


def _best(label: str, fn: Callable[[], Any], repeat: int) -> Any:
    runs = []
    result = None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        runs.append((time.perf_counter() - wall, time.process_time() - cpu))
    wall, cpu = min(runs)
    print(f"{label:<58} wall {wall:6.2f} s   cpu {cpu:6.2f} s")
    return result


def _histories(rng: np.random.Generator, n: int, sampler: str) -> tuple[np.ndarray, ...]:
    T = rng.integers(1, 1096, n).astype(np.float64)
    if sampler == "bgnbd":
        lam, p = rng.gamma(0.25, 1 / 30.0, n), rng.beta(0.8, 2.5, n)
        k = rng.geometric(p).astype(np.float64)
        count = rng.poisson(lam * T).astype(np.float64)
        x, span = np.minimum(count, k), T
    else:
        lam, mu = rng.gamma(0.55, 1 / 70.0, n), rng.gamma(0.6, 1 / 80.0, n)
        span = np.minimum(rng.exponential(1 / mu), T)
        count = x = rng.poisson(lam * span).astype(np.float64)
    frac = rng.beta(np.maximum(x, 1), np.maximum(count - x, 0) + 1)
    t_x = np.where(x > 0, np.round(span * frac), 0.0)
    return x, t_x, T


def _compress(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, ...]:
    key = (x.astype(np.int64) * 2048 + t_x.astype(np.int64)) * 2048 + T.astype(np.int64)
    uniq, counts = np.unique(key, return_counts=True)
    return (
        (uniq // (2048 * 2048)).astype(float),
        ((uniq // 2048) % 2048).astype(float),
        (uniq % 2048).astype(float),
        counts.astype(float),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=10_700_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(42)

    x, t_x, T = _histories(rng, args.customers, "bgnbd")
    hx, htx, hT, w = _compress(x, t_x, T)
    print(f"BG/NBD world: {args.customers:,} customers, {hx.size:,} distinct histories")
    bg = _best(
        f"BetaGeo.fit on {hx.size:,} histories",
        lambda: BetaGeo().fit(hx, htx, hT, weights=w),
        args.repeat,
    )
    print("   ", bg)

    px, ptx, pT = _histories(rng, args.customers, "paretonbd")
    qx, qtx, qT, qw = _compress(px, ptx, pT)
    pn = _best(
        f"ParetoNBD.fit on {qx.size:,} histories",
        lambda: ParetoNBD().fit(qx, qtx, qT, weights=qw),
        1,
    )
    print("   ", pn)

    n_gg = 2_000_000
    freq = 1.0 + rng.poisson(2.0, n_gg)
    nu = rng.gamma(4.0, 1 / 15.0, n_gg)
    spend = rng.gamma(6.0 * freq, 1 / nu) / freq
    gg = _best(
        f"GammaGamma.fit on {n_gg:,} repeat customers",
        lambda: GammaGamma().fit(freq, spend, weights=None),
        args.repeat,
    )
    print("   ", gg)

    n = 10_000_000
    rows = (x[:n], t_x[:n], T[:n])
    money = np.where(rows[0] > 0, 30.0, 0.0)
    _best(f"BetaGeo.predict_alive on {n:,} rows", lambda: bg.predict_alive(*rows), args.repeat)
    _best(
        f"BetaGeo.predict_purchases(90) on {n:,} rows",
        lambda: bg.predict_purchases(90.0, *rows),
        args.repeat,
    )
    _best(
        f"GammaGamma.predict_spend on {n:,} rows",
        lambda: gg.predict_spend(rows[0], money),
        args.repeat,
    )
    _best(
        f"customer_lifetime_value(BetaGeo, 12 months) on {n:,} rows",
        lambda: customer_lifetime_value(
            bg, gg, *rows, money, horizon=12, periods_per_year=365.25, discount_rate=0.1, margin=0.3
        ),
        args.repeat,
    )
    prow = (px[:n], ptx[:n], pT[:n])
    _best(
        f"ParetoNBD.predict_purchases(90) on {n:,} rows",
        lambda: pn.predict_purchases(90.0, *prow),
        args.repeat,
    )


if __name__ == "__main__":
    main()
