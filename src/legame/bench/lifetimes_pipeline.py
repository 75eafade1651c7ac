"""The reference pipeline, run by ``legame bench`` inside its own virtual environment with
lifetimes 0.11.3 (it does not import legame)::

    bench/.lifetimes-venv/bin/python lifetimes_pipeline.py --parquet orders.parquet \\
        --until 2025-12-31 --horizon-days 365 --out folder

Configured as legame's ``score`` is by default: orders on one day are one purchase
(``freq="D"``), recency and T in weeks (days / 7) measured to the cutoff day, the purchase
model fitted on every customer and Gamma-Gamma on the repeat customers, predictions for
every customer (expected purchases in the horizon, P(alive), expected spend).

Writes ``timings.json`` (seconds of each step, parameters, peak RSS) and
``predictions.parquet`` (one row per customer) to ``--out``; only the steps are timed.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parquet", required=True)
    parser.add_argument("--until", required=True)
    parser.add_argument("--horizon-days", type=float, default=365.0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    import lifetimes
    import numpy as np
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data

    steps: dict[str, float] = {}
    started = time.perf_counter()

    def mark(name: str) -> None:
        nonlocal started
        now = time.perf_counter()
        steps[name] = now - started
        started = now

    orders = pd.read_parquet(args.parquet, columns=["customer_id", "ordered_at", "amount"])
    orders["amount"] = orders["amount"].astype("float64")
    mark("read")
    summary = summary_data_from_transaction_data(
        orders,
        "customer_id",
        "ordered_at",
        monetary_value_col="amount",
        observation_period_end=pd.Timestamp(args.until),
        freq="D",
    )
    summary["recency"] = summary["recency"] / 7.0
    summary["T"] = summary["T"] / 7.0
    del orders
    mark("summary")
    bgf = BetaGeoFitter(penalizer_coef=0.0)
    bgf.fit(summary["frequency"], summary["recency"], summary["T"])
    repeat = summary[summary["frequency"] > 0]
    ggf = GammaGammaFitter(penalizer_coef=0.0)
    ggf.fit(repeat["frequency"], repeat["monetary_value"])
    mark("fit")
    horizon = args.horizon_days / 7.0
    f, r, t = summary["frequency"], summary["recency"], summary["T"]
    expected = bgf.conditional_expected_number_of_purchases_up_to_time(horizon, f, r, t)
    alive = bgf.conditional_probability_alive(f, r, t)
    spend = ggf.conditional_expected_average_profit(f, summary["monetary_value"])
    mark("predict")

    result = pd.DataFrame(
        {
            "customer_id": summary.index.astype(str),
            "frequency": f.to_numpy(),
            "recency": r.to_numpy(),
            "T": t.to_numpy(),
            "expected_purchases": np.asarray(expected, dtype=float),
            "p_alive": np.asarray(alive, dtype=float),
            "expected_spend": np.asarray(spend, dtype=float),
        }
    )
    result.to_parquet(out / "predictions.parquet", index=False)
    report = {
        "steps_s": steps,
        "pipeline_s": steps["summary"] + steps["fit"] + steps["predict"],
        "customers": len(summary),
        "params": {k: float(v) for k, v in bgf.params_.items()},
        "spend_params": {k: float(v) for k, v in ggf.params_.items()},
        "peak_rss_mb": _peak_rss_mb(),
        "versions": {
            "python": sys.version.split()[0],
            "lifetimes": lifetimes.__version__,
            "pandas": pd.__version__,
            "numpy": np.__version__,
            "scipy": __import__("scipy").__version__,
        },
    }
    (out / "timings.json").write_text(json.dumps(report, indent=2))


def _peak_rss_mb() -> float:
    """This process's peak resident memory, MiB: ``VmHWM`` where Linux gives it (its
    ``ru_maxrss`` counts the parent's memory before the exec, so the bench's own)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
