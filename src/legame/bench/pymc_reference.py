"""The covariate reference: PyMC-Marketing's ``BetaGeoModel`` with the bench's static
covariates, in a virtual environment of its own.

:func:`ensure_venv` creates ``bench/.pymc-venv`` with the pins below, once, as the lifetimes
venv is made (:func:`legame.bench.reference.ensure_venv`); :func:`run_pymc` runs
``pymc_pipeline.py`` there on the same orders and customers files (PyTensor's compile cache
kept inside the venv), watched and stopped like the lifetimes pipeline; :func:`compare` sets
its estimates beside legame's ``clv fit --covariates`` on the same data: the same note-019
parameterisation, the same names (``r``, ``alpha``, ``a``, ``b``, ``beta_purchase_<column>``,
``beta_a_<column>``, ``beta_b_<column>``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from legame.bench import reference

#: PyMC-Marketing 0.19.2 and what it ran with when the bench was written (Python 3.11).
PINS = (
    "pymc-marketing==0.19.2",
    "pymc==5.28.5",
    "pytensor==2.38.3",
    "pymc-extras==0.10.0",
    "numpy==2.4.6",
    "scipy==1.17.1",
    "pandas==3.1.1",
    "pyarrow>=14",
)
SCRIPT = Path(__file__).with_name("pymc_pipeline.py")
TIME_LIMIT_S = 20 * 60
#: The comparison runs at sizes up to this many orders (one row per customer in PyMC).
MAX_SIZE = 1_000_000
BASE = ("r", "alpha", "a", "b")


@dataclass
class PymcReference:
    """One run of the PyMC-Marketing pipeline."""

    status: str  # ok, timeout, memory cap, failed: ..., skipped
    seconds: float | None = None  # summary + covariates + build + compile + fit
    fit_seconds: float | None = None  # the MAP alone (find_MAP, compiled)
    steps_s: dict[str, float] = field(default_factory=dict)
    steps_cpu_s: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: float | None = None
    params: dict[str, float] = field(default_factory=dict)
    loglik: float | None = None
    customers: int | None = None
    versions: dict[str, str] = field(default_factory=dict)


def ensure_venv(venv: Path, *, log: Any = None) -> Path:
    """The PyMC-Marketing venv's Python (created with :data:`PINS` when missing)."""
    return reference.ensure_venv(venv, pins=PINS, label="PyMC-Marketing", flag="--no-pymc", log=log)


def run_pymc(
    python: Path,
    orders: Path,
    customers: Path,
    until: date,
    out: Path,
    *,
    covariates: tuple[str, ...],
    bins: int,
    time_limit_s: float = TIME_LIMIT_S,
    memory_cap_mb: float | None = None,
) -> PymcReference:
    """Run the pipeline on ``orders`` and ``customers`` up to ``until``."""
    out.mkdir(parents=True, exist_ok=True)
    cmd = [
        str(python),
        str(SCRIPT),
        "--orders",
        str(orders),
        "--customers",
        str(customers),
        "--until",
        until.isoformat(),
        "--covariates",
        ",".join(covariates),
        "--bins",
        str(bins),
        "--out",
        str(out),
    ]
    cache = python.parent.parent / "pytensor-cache"
    env = {**os.environ, "PYTENSOR_FLAGS": f"base_compiledir={cache}"}
    status, peak, _ = reference.watch(
        cmd, time_limit_s=time_limit_s, memory_cap_mb=memory_cap_mb, env=env
    )
    if status != "ok":
        return PymcReference(status=status, peak_rss_mb=peak)
    report = json.loads((out / "timings.json").read_text())
    return PymcReference(
        status="ok",
        seconds=round(report["pipeline_s"], 3),
        fit_seconds=round(report["fit_s"], 3),
        steps_s={k: round(v, 3) for k, v in report["steps_s"].items()},
        steps_cpu_s={k: round(v, 3) for k, v in report["steps_cpu_s"].items()},
        peak_rss_mb=round(max(peak, report["peak_rss_mb"]), 1),
        params=report["params"],
        loglik=report["loglik"],
        customers=report["customers"],
        versions=report["versions"],
    )


def compare(ours: dict[str, Any], theirs: PymcReference) -> dict[str, Any]:
    """legame's covariate fit (the ``covariates`` phase's result) beside PyMC-Marketing's:
    per coefficient the absolute difference and that difference in legame's standard
    errors, per base parameter the relative difference, and the log-likelihoods."""
    params, stderr = ours["params"], ours["stderr"]
    missing = sorted(set(params) ^ set(theirs.params))
    shared = [k for k in params if k in theirs.params]
    coefficients = [k for k in shared if k not in BASE]
    diff = {k: abs(params[k] - theirs.params[k]) for k in coefficients}
    in_se = {k: diff[k] / stderr[k] for k in coefficients if stderr.get(k)}
    base = {k: abs(params[k] - theirs.params[k]) / abs(theirs.params[k]) for k in BASE}
    return {
        "coefficients": {
            k: {
                "legame": params[k],
                "legame_stderr": stderr.get(k),
                "pymc": theirs.params[k],
                "abs_diff": float(f"{abs(params[k] - theirs.params[k]):.3g}"),
            }
            for k in shared
        },
        "unmatched": missing,
        "max_coef_abs_diff": float(f"{max(diff.values()):.3g}") if diff else None,
        "max_coef_diff_in_se": float(f"{max(in_se.values()):.3g}") if in_se else None,
        "max_base_rel_diff": float(f"{max(base.values()):.3g}"),
        "loglik_legame": ours["loglik"],
        "loglik_pymc": theirs.loglik,
        "loglik_diff": None if theirs.loglik is None else ours["loglik"] - theirs.loglik,
    }
