"""PyMC-Marketing's BG/NBD with static covariates, run by ``legame bench`` inside its own
virtual environment (it does not import legame)::

    bench/.pymc-venv/bin/python pymc_pipeline.py --orders orders.parquet \\
        --customers customers.parquet --until 2025-12-31 \\
        --covariates acquisition_channel,country,first_order_value --bins 10 --out folder

Configured as legame's ``clv fit --covariates`` is by default, so that the two fit the same
likelihood on the same rows:

* the summary is PyMC-Marketing's ``rfm_summary`` with days as the unit and recency and T in
  weeks (``time_scaler=7``): orders on one day are one purchase, T runs to the cutoff day;
* a text covariate (a column of ``--customers``) is one 0/1 column ``name=level`` per level
  but the most common one (ties: the first in alphabetical order);
* ``first_order_value`` is the amount of the customer's first order (ties: the lowest
  ``order_id``), replaced by the median of its quantile bin (``--bins``; 0 keeps the values)
  and standardised to mean 0 and standard deviation 1 over the customers;
* every covariate acts on the purchase rate and on both dropout parameters
  (``purchase_covariate_cols`` = ``dropout_covariate_cols``: alpha_i = alpha exp(-g1 z),
  a_i = a exp(g2 z), b_i = b exp(g3 z), Fader & Hardie's note 019);
* flat priors (``HalfFlat`` for r, alpha, a, b; ``Flat`` for the coefficients), so that the
  MAP (``fit(method="map")``: ``pymc.find_MAP``, L-BFGS-B, without the log transforms'
  Jacobians) is the maximum likelihood estimate.

Writes ``timings.json`` (wall and CPU seconds of each step: read, summary, covariates, build,
compile, fit; the estimates and the log-likelihood there, peak RSS, versions) to ``--out``;
only the steps are timed.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

#: The amounts' column name of a first order, in --covariates.
FIRST_ORDER_VALUE = "first_order_value"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", required=True)
    parser.add_argument("--customers", required=True)
    parser.add_argument("--until", required=True)
    parser.add_argument("--covariates", required=True)
    parser.add_argument("--bins", type=int, default=10)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    names = [n.strip() for n in args.covariates.split(",") if n.strip()]

    import numpy as np
    import pandas as pd
    import pymc
    import pymc_marketing
    from pymc_extras.prior import Prior
    from pymc_marketing.clv import BetaGeoModel
    from pymc_marketing.clv.utils import rfm_summary

    steps: dict[str, float] = {}
    cpu: dict[str, float] = {}
    started, started_cpu = time.perf_counter(), time.process_time()

    def mark(name: str) -> None:
        nonlocal started, started_cpu
        now, now_cpu = time.perf_counter(), time.process_time()
        steps[name], cpu[name] = now - started, now_cpu - started_cpu
        started, started_cpu = now, now_cpu

    orders = pd.read_parquet(
        args.orders, columns=["order_id", "customer_id", "ordered_at", "amount"]
    )
    orders["amount"] = orders["amount"].astype("float64")
    people = pd.read_parquet(args.customers)
    mark("read")
    until = pd.Timestamp(args.until)
    orders = orders[orders["ordered_at"] < until + pd.Timedelta(days=1)]
    summary = rfm_summary(
        orders[["customer_id", "ordered_at"]],
        "customer_id",
        "ordered_at",
        observation_period_end=until,
        time_unit="D",
        time_scaler=7,
    )
    mark("summary")
    data, columns = _covariates(np, pd, summary, orders, people, names, bins=args.bins)
    mark("covariates")
    config: dict[str, Any] = {
        "r": Prior("HalfFlat"),
        "alpha": Prior("HalfFlat"),
        "a": Prior("HalfFlat"),
        "b": Prior("HalfFlat"),
        "purchase_coefficient": Prior("Flat"),
        "dropout_coefficient": Prior("Flat"),
        "purchase_covariate_cols": columns,
        "dropout_covariate_cols": columns,
    }
    model = BetaGeoModel(model_config=config)
    model.build_model(data)
    mark("build")
    # PyTensor compiles the log density and its gradient to C (cached on disk): done here,
    # so that "fit" is the optimisation (find_MAP compiles them again, from the cache).
    model.model.compile_logp(jacobian=False)
    model.model.compile_dlogp(jacobian=False)
    mark("compile")
    model.fit(method="map", progressbar=False)
    mark("fit")

    post = model.idata.posterior
    params = {
        "r": float(post["r"].values.ravel()[0]),
        "alpha": float(post["alpha_scale"].values.ravel()[0]),
        "a": float(post["a_scale"].values.ravel()[0]),
        "b": float(post["b_scale"].values.ravel()[0]),
    }
    for var, prefix in (
        ("purchase_coefficient_alpha", "beta_purchase_"),
        ("dropout_coefficient_a", "beta_a_"),
        ("dropout_coefficient_b", "beta_b_"),
    ):
        values = post[var].values.reshape(-1, len(columns))[0]
        params.update({prefix + c: float(v) for c, v in zip(columns, values, strict=True)})
    loglik = _loglik(np, model, params, columns)
    report = {
        "steps_s": steps,
        "steps_cpu_s": cpu,
        "fit_s": steps["fit"],
        "pipeline_s": sum(v for k, v in steps.items() if k != "read"),
        "customers": len(summary),
        "columns": columns,
        "params": params,
        "loglik": loglik,
        "peak_rss_mb": _peak_rss_mb(),
        "versions": {
            "python": sys.version.split()[0],
            "pymc_marketing": pymc_marketing.__version__,
            "pymc": pymc.__version__,
            "pytensor": __import__("pytensor").__version__,
            "pandas": pd.__version__,
            "numpy": np.__version__,
        },
    }
    (out / "timings.json").write_text(json.dumps(report, indent=2))


def _covariates(
    np: Any, pd: Any, summary: Any, orders: Any, people: Any, names: list[str], *, bins: int
) -> tuple[Any, list[str]]:
    """The summary with one model column per covariate level (or numeric covariate)."""
    data = summary.set_index("customer_id")
    columns: list[str] = []
    for name in names:
        if name == FIRST_ORDER_VALUE:
            first = orders.sort_values(["customer_id", "ordered_at", "order_id"]).drop_duplicates(
                "customer_id"
            )
            values = first.set_index("customer_id")["amount"].reindex(data.index).to_numpy()
            if bins:
                values = _binned(np, values, bins)
            data[name] = (values - values.mean()) / values.std()
            columns.append(name)
            continue
        level = people.set_index("customer_id")[name].reindex(data.index).fillna("(missing)")
        counts = level.value_counts()
        order = sorted(counts.index, key=lambda v: (-counts[v], v))
        for value in order[1:]:
            column = f"{name}={value}"
            data[column] = (level == value).astype("float64")
            columns.append(column)
    return data.reset_index(), columns


def _loglik(np: Any, model: Any, params: dict[str, float], columns: list[str]) -> float:
    """The log-likelihood at the estimates (flat priors: the model's log density without
    the transforms' Jacobians)."""
    point: dict[str, Any] = {}
    scales = {"r": "r", "alpha_scale": "alpha", "a_scale": "a", "b_scale": "b"}
    coefficients = {
        "purchase_coefficient_alpha": "beta_purchase_",
        "dropout_coefficient_a": "beta_a_",
        "dropout_coefficient_b": "beta_b_",
    }
    for name in model.model.initial_point():
        base = name.removesuffix("_log__")
        if base in scales:
            point[name] = np.log(params[scales[base]])
        else:
            point[name] = np.array([params[coefficients[base] + c] for c in columns])
    return float(model.model.compile_logp(jacobian=False)(point))


def _binned(np: Any, x: Any, bins: int) -> Any:
    """Each value replaced by the median of its quantile bin (``bins`` bins)."""
    edges = np.unique(np.quantile(x, np.linspace(0.0, 1.0, bins + 1)))
    index = np.searchsorted(edges[1:-1], x, side="right")
    medians = np.array(
        [np.median(x[index == b]) if np.any(index == b) else 0.0 for b in range(edges.size - 1)]
    )
    return medians[index]


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
