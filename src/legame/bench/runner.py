"""``legame bench``: the whole benchmark, one size after another.

For each size: write the inputs, then measure (each phase in a child process, see
:mod:`legame.bench.phases`) ingestion from CSV and from Parquet (and of the customers, with
their static covariates), the lower bound, legame's summary, fits, predictions, whole
``score`` with and without P(no purchase) and the intervals (every order read), the whole
score after a day's orders (a thousandth of the history, into a copy of the scored workspace:
the last score's summary kept, :mod:`legame.kept_summary`), ``clv validate --model all``
and ``clv fit`` with three static covariates, interleaved run by run so that a change in
the machine's load hits them alike; then the lifetimes reference on the same Parquet file
and the comparison of the two libraries' parameters and predictions; up to 1M orders,
PyMC-Marketing's ``BetaGeoModel`` with the same covariates (:mod:`legame.bench.pymc_reference`)
beside legame's covariate fit; then the latencies a user meets on the size's scored workspace
(:mod:`legame.bench.latency`: the app on loopback, every page, list and API read timed).

Once, before the sizes (each can be skipped): the contact governor's check latency, the
message check on drafts of 25,000 and 200,000 characters (:mod:`legame.bench.message`), and
a bounded load test of ``legame serve`` (:mod:`legame.bench.load`).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import psutil

from legame.bench import latency as latency_phase
from legame.bench import pymc_reference, reference
from legame.bench.customers import COVARIATES, PLANTED
from legame.bench.data import Transactions, write_day, write_transactions
from legame.bench.lower_bound import FORMS, duckdb_query
from legame.bench.phases import run_phase
from legame.covariates.coding import DEFAULT_BINS

Log = Callable[[str], None]
#: A phase whose first run takes longer than this is not repeated.
SHORT_S = 30.0
#: The predictions compared with lifetimes', customer by customer.
PREDICTIONS = ("expected_purchases", "p_alive", "expected_spend")
#: Phases measured at every size, in the order of each round.
ROUND = (
    *(f"lower_bound_{form}" for form in FORMS),
    "summary",
    "fit",
    "predict",
    "score_plain",
    "score",
    "score_kept",
    "validate",
    "covariates",
)
#: The covariate fit's quantile bins of first_order_value (``clv fit``'s default).
COVARIATE_BINS = DEFAULT_BINS


@dataclass
class BenchOptions:
    sizes: list[int]
    work: Path = Path("bench/data")
    engine: Literal["duckdb", "spark"] = "duckdb"
    runs: int = 3
    lifetimes: bool = True
    venv: Path = Path("bench/.lifetimes-venv")
    lifetimes_time_limit_s: float = reference.TIME_LIMIT_S
    lifetimes_memory_cap_mb: float | None = None  # default: see _memory_cap
    governor: bool = True
    governor_messages: int = 1_000_000
    governor_checks: int = 10_000
    message: bool = True
    load: bool = True
    load_seconds: float = 20.0
    load_clients: int = 8
    load_customers: int = 1000
    keep_data: bool = False
    seed: int = 0
    out: Path | None = None
    pymc: bool = True
    pymc_venv: Path = Path("bench/.pymc-venv")
    pymc_max_size: int = pymc_reference.MAX_SIZE
    pymc_time_limit_s: float = pymc_reference.TIME_LIMIT_S
    latency: bool = True
    latency_requests: int = latency_phase.REQUESTS
    latency_warmups: int = latency_phase.WARMUPS


def machine() -> dict[str, Any]:
    """Cores, memory, CPU model and the versions that matter to the figures."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    versions = {"python": platform.python_version()}
    for dist in ("legame", "duckdb", "numpy", "scipy", "pyarrow", "pyspark"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return {
        "cpu_model": model,
        "cores_logical": os.cpu_count(),
        "cores_physical": psutil.cpu_count(logical=False),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "versions": versions,
    }


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else []


def _median(runs: list[dict[str, Any]], key: str = "seconds") -> float:
    return round(float(statistics.median(r[key] for r in runs)), 4)


def _measure_rounds(
    phases: dict[str, dict[str, Any]], runs: int, log: Log
) -> dict[str, list[dict[str, Any]]]:
    """Run each phase ``runs`` times, round by round (a phase slower than SHORT_S once
    runs once)."""
    done: dict[str, list[dict[str, Any]]] = {name: [] for name in phases}
    for round_no in range(runs):
        for name, args in phases.items():
            if round_no and done[name] and done[name][0]["seconds"] > SHORT_S:
                continue
            result = run_phase(name, args)
            done[name].append(result)
            log(
                f"    {name:<12} {result['seconds']:8.3f} s  cpu {result['cpu_s']:7.2f} s  "
                f"peak {result['peak_rss_mb']:7.0f} MiB"
            )
    return done


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-300)


def bench_size(
    size: int,
    options: BenchOptions,
    python: Path | None,
    log: Log,
    pymc_python: Path | None = None,
) -> dict[str, Any]:
    folder = options.work / f"{size:.0e}".replace("+", "")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    log(f"[{size:,}] writing the inputs to {folder}")
    started = time.perf_counter()
    data = write_transactions(size, folder, seed=options.seed)
    row: dict[str, Any] = {
        "size": size,
        "transactions": data.rows,
        "customers": data.customers,
        "until": data.until.isoformat(),
        "engine": options.engine,
        "runs": options.runs,
        "generate_s": round(time.perf_counter() - started, 2),
        "parquet_mb": round(data.parquet_bytes / 2**20, 1),
        "csv_mb": round(data.csv_bytes / 2**20, 1),
        "load_avg_start": _load(),
    }
    log(f"[{size:,}] {data.rows:,} orders of {data.customers:,} customers; ingesting")
    db = folder / "workspace.duckdb"
    # Each file's ingest beside DuckDB's own keyed load of it, round by round.
    csv_runs = _measure_rounds(
        {
            "ingest": {"path": str(data.csv), "db": str(folder / "csv.duckdb")},
            "keyed_load": {"path": str(data.csv), "db": str(folder / "keyed.duckdb")},
        },
        options.runs,
        log,
    )
    (folder / "csv.duckdb").unlink(missing_ok=True)
    pq_runs = _measure_rounds(
        {
            "ingest": {"path": str(data.parquet), "db": str(db)},
            "keyed_load": {"path": str(data.parquet), "db": str(folder / "keyed.duckdb")},
        },
        options.runs,
        log,
    )
    ingest, ingest_pq = csv_runs["ingest"], pq_runs["ingest"]
    people = run_phase("customers", {"db": str(db), "customers": str(data.customers_parquet)})
    log(f"    {'customers':<12} {people['seconds']:8.3f} s  (with their static covariates)")
    day, day_orders, day_until = write_day(data, folder, seed=options.seed)
    common = {
        "db": str(db),
        "until": data.until.isoformat(),
        "out": str(folder),
        "parquet": str(data.parquet),
        "day": str(day),
        "day_until": day_until.isoformat(),
    }
    log(f"[{size:,}] lower bound and legame, {options.runs} round(s)")
    measured = _measure_rounds({name: common for name in ROUND}, options.runs, log)
    # The bound is the fastest way to write the summary, of those timed in this run.
    bound_runs = {form: measured.pop(f"lower_bound_{form}") for form in FORMS}
    bounds = {form: _median(runs) for form, runs in bound_runs.items()}
    fastest = min(bounds, key=bounds.__getitem__)
    measured = {"lower_bound": bound_runs[fastest], **measured}
    score_runs = measured["score"]
    last = score_runs[-1]["result"]
    row.update(
        {
            "ingest_csv_s": _median(ingest),
            "ingest_parquet_s": _median(ingest_pq),
            "keyed_load_csv_s": _median(csv_runs["keyed_load"]),
            "keyed_load_parquet_s": _median(pq_runs["keyed_load"]),
            "lower_bound_s": bounds[fastest],
            "lower_bound_form": fastest,
            "lower_bound_by_form_s": bounds,
            "summary_s": _median(measured["summary"]),
            "fit_s": _median(measured["fit"]),
            "predict_s": _median(measured["predict"]),
            "score_s": _median(score_runs),
            "score_kept_s": _median(measured["score_kept"]),
            "day_orders": day_orders,
            "summarised_again": measured["score_kept"][-1]["result"]["summarised_again"],
            "score_steps_s": {
                k: statistics.median(r["result"]["timings_s"][k] for r in score_runs)
                for k in last["timings_s"]
            },
            "peak_rss_mb": max(r["peak_rss_mb"] for r in score_runs),
            "histories": measured["summary"][-1]["result"]["histories"],
            "params": last["params"],
            "spend_params": last["spend_params"],
            "ingest_customers_s": people["seconds"],
        }
    )
    row.update(_speed(measured))
    row["ingest_csv_vs_keyed_load"] = round(row["ingest_csv_s"] / row["keyed_load_csv_s"], 3)
    row["ingest_parquet_vs_keyed_load"] = round(
        row["ingest_parquet_s"] / row["keyed_load_parquet_s"], 3
    )
    phases = {
        "ingest_csv": ingest,
        "ingest_parquet": ingest_pq,
        "keyed_load_csv": csv_runs["keyed_load"],
        "keyed_load_parquet": pq_runs["keyed_load"],
        **measured,
    }
    row["peak_rss_mb_by_phase"] = {k: max(r["peak_rss_mb"] for r in v) for k, v in phases.items()}
    row["cpu_s_by_phase"] = {k: _median(v, "cpu_s") for k, v in phases.items()}
    row["runs_s"] = {k: [r["seconds"] for r in v] for k, v in phases.items()}
    row["latency"] = latency(db, options, log) if options.latency else {"status": "skipped"}
    row["summary_vs_lower_bound"] = round(row["summary_s"] / row["lower_bound_s"], 3)
    row["score_vs_lower_bound"] = round(row["score_s"] / row["lower_bound_s"], 3)
    row["score_kept_vs_lower_bound"] = round(row["score_kept_s"] / row["lower_bound_s"], 3)
    row["score_vs_lower_bound_cpu"] = round(
        row["cpu_s_by_phase"]["score"] / row["cpu_s_by_phase"]["lower_bound"], 3
    )
    if options.lifetimes and python is not None:
        row.update(_versus_lifetimes(row, data.parquet, data.until, folder, options, python, log))
    else:
        row.update(
            {
                "lifetimes_status": "skipped",
                "lifetimes_s": None,
                "speedup_vs_lifetimes": None,
                "max_param_rel_diff": None,
                "max_prediction_rel_diff": None,
            }
        )
    if options.pymc and pymc_python is not None and size <= options.pymc_max_size:
        row.update(_versus_pymc(row, data, folder, options, pymc_python, log))
    else:
        above = options.pymc and size > options.pymc_max_size
        row.update(
            {
                "pymc_status": f"skipped (above {options.pymc_max_size:,} orders)"
                if above
                else "skipped",
                "pymc_s": None,
                "pymc_fit_s": None,
            }
        )
    if options.engine == "spark":
        row["spark"] = _spark(common, options, log)
    row["load_avg_end"] = _load()
    if not options.keep_data:
        shutil.rmtree(folder, ignore_errors=True)
    return row


def latency(db: Path, options: BenchOptions, log: Log) -> dict[str, Any]:
    """The latencies a user meets on the scored workspace ``db`` (the phase adds an
    analyst key to it), in a child process of its own."""
    log(
        f"    latency: the app on loopback, {options.latency_warmups} untimed then "
        f"{options.latency_requests} timed requests per page and API read"
    )
    out = run_phase(
        "latency",
        {
            "db": str(db),
            "requests": options.latency_requests,
            "warmups": options.latency_warmups,
        },
    )
    result: dict[str, Any] = {
        **out["result"],
        "seconds": out["seconds"],
        "peak_rss_mb": out["peak_rss_mb"],
    }
    for name, figures in result["surfaces"].items():
        log(
            f"    {name:<22} p50 {figures['p50_ms']:8.1f} ms  p95 {figures['p95_ms']:8.1f} ms"
            f"  (target {figures['target_ms']:,.0f}; errors {figures['errors']})"
        )
    return result


def _versus_lifetimes(
    row: dict[str, Any],
    parquet: Path,
    until: date,
    folder: Path,
    options: BenchOptions,
    python: Path,
    log: Log,
) -> dict[str, Any]:
    cap = options.lifetimes_memory_cap_mb or _memory_cap()
    log(
        f"[{row['size']:,}] lifetimes (limit {options.lifetimes_time_limit_s / 60:.0f} min, "
        f"{cap / 1024:.1f} GiB)"
    )
    ref = reference.run_lifetimes(
        python,
        parquet,
        until,
        folder / "lifetimes",
        time_limit_s=options.lifetimes_time_limit_s,
        memory_cap_mb=cap,
    )
    log(
        f"    lifetimes    {ref.status}: {ref.seconds} s (+ {ref.read_seconds} s reading), "
        f"peak {ref.peak_rss_mb} MiB"
    )
    out: dict[str, Any] = {
        "lifetimes_status": ref.status,
        "lifetimes_s": ref.seconds,
        "lifetimes_read_s": ref.read_seconds,
        "lifetimes_steps_s": ref.steps_s,
        "lifetimes_peak_rss_mb": ref.peak_rss_mb,
        "lifetimes_params": ref.params,
        "lifetimes_spend_params": ref.spend_params,
        "lifetimes_versions": ref.versions,
        "speedup_vs_lifetimes": None,
        "max_param_rel_diff": None,
        "max_prediction_rel_diff": None,
    }
    if ref.seconds is None or ref.predictions is None:
        return out
    theirs = {**ref.params, **{"gamma" if k == "v" else k: v for k, v in ref.spend_params.items()}}
    ours = {**row["params"], **row["spend_params"]}
    diffs = {k: _rel(ours[k], theirs[k]) for k in ours}
    compared = run_phase(
        "compare", {"db": str(folder / "workspace.duckdb"), "predictions": str(ref.predictions)}
    )["result"]
    out.update(
        {
            "speedup_vs_lifetimes": round(ref.seconds / row["score_s"], 2),
            "param_rel_diff": {k: float(f"{v:.3g}") for k, v in diffs.items()},
            "max_param_rel_diff": float(f"{max(diffs.values()):.3g}"),
            "prediction_rel_diff": compared,
            "max_prediction_rel_diff": float(f"{max(compared[k] for k in PREDICTIONS):.3g}"),
            "peak_rss_vs_lifetimes": round(row["peak_rss_mb"] / ref.peak_rss_mb, 3)
            if ref.peak_rss_mb
            else None,
        }
    )
    return out


def _speed(measured: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The figures of issue 18's speed targets: the whole score with and without P(no
    purchase) and the intervals, ``clv validate --model all``, and the covariate fit."""
    with_, without = _median(measured["score"]), _median(measured["score_plain"])
    cpu_with = _median(measured["score"], "cpu_s")
    cpu_without = _median(measured["score_plain"], "cpu_s")
    covariates = measured["covariates"][-1]["result"]
    return {
        "score_no_intervals_s": without,
        "intervals_overhead": round(with_ / without - 1.0, 4),
        "intervals_overhead_cpu": round(cpu_with / cpu_without - 1.0, 4),
        "score_no_intervals_steps_s": {
            k: statistics.median(r["result"]["timings_s"][k] for r in measured["score_plain"])
            for k in measured["score_plain"][-1]["result"]["timings_s"]
        },
        "validate_s": _median(measured["validate"]),
        "validate": measured["validate"][-1]["result"],
        "covariate_fit_s": _median(measured["covariates"]),
        "covariates": {**covariates, "planted": PLANTED},
    }


def _versus_pymc(
    row: dict[str, Any],
    data: Transactions,
    folder: Path,
    options: BenchOptions,
    python: Path,
    log: Log,
) -> dict[str, Any]:
    """PyMC-Marketing's MAP fit with the same static covariates, beside legame's."""
    cap = options.lifetimes_memory_cap_mb or _memory_cap()
    log(
        f"[{row['size']:,}] PyMC-Marketing BetaGeoModel with {', '.join(COVARIATES)} (MAP; "
        f"limit {options.pymc_time_limit_s / 60:.0f} min, {cap / 1024:.1f} GiB)"
    )
    ref = pymc_reference.run_pymc(
        python,
        data.parquet,
        data.customers_parquet,
        data.until,
        folder / "pymc",
        covariates=COVARIATES,
        bins=COVARIATE_BINS,
        time_limit_s=options.pymc_time_limit_s,
        memory_cap_mb=cap,
    )
    log(
        f"    pymc         {ref.status}: {ref.seconds} s (MAP {ref.fit_seconds} s), "
        f"peak {ref.peak_rss_mb} MiB"
    )
    out: dict[str, Any] = {
        "pymc_status": ref.status,
        "pymc_s": ref.seconds,
        "pymc_fit_s": ref.fit_seconds,
        "pymc_steps_s": ref.steps_s,
        "pymc_steps_cpu_s": ref.steps_cpu_s,
        "pymc_peak_rss_mb": ref.peak_rss_mb,
        "pymc_versions": ref.versions,
    }
    if ref.status != "ok":
        return out
    ours = row["covariates"]
    legame_fit = ours["timings_s"]["fit_purchase"]
    out.update(
        {
            "pymc_vs_legame": pymc_reference.compare(ours, ref),
            "covariate_speedup_vs_pymc": round(ref.seconds / row["covariate_fit_s"], 2)
            if ref.seconds
            else None,
            "covariate_fit_speedup_vs_pymc": round(ref.fit_seconds / legame_fit, 2)
            if ref.fit_seconds and legame_fit
            else None,
        }
    )
    return out


def _memory_cap() -> float:
    """MiB the reference may use: 75 % of the RAM, and 2 GiB less than is available now (the
    machine may be shared: the reference is stopped rather than let it swap or be killed)."""
    memory = psutil.virtual_memory()
    return min(0.75 * memory.total, memory.available - 2 * 2**30) / 2**20


def _spark(common: dict[str, Any], options: BenchOptions, log: Log) -> dict[str, Any]:
    """Summary and score on Spark in local mode and, when ``LEGAME_SPARK_MASTER`` names a
    standalone cluster (``scripts/spark-cluster.sh up``), on that cluster too."""
    out = _spark_on("local[*]", common, options, log)
    master = os.environ.get("LEGAME_SPARK_MASTER", "")
    out["cluster"] = (
        _spark_on(master, common, options, log)
        if master.startswith("spark://")
        else {"status": "skipped: LEGAME_SPARK_MASTER names no spark:// cluster"}
    )
    return out


def _spark_on(
    master: str, common: dict[str, Any], options: BenchOptions, log: Log
) -> dict[str, Any]:
    args = {**common, "engine": "spark", "master": master}
    log(f"    spark ({master}): summary and score")
    measured = _measure_rounds({"summary": args, "score": args}, options.runs, log)
    return {
        "status": "ok",
        "summary_s": _median(measured["summary"]),
        "score_s": _median(measured["score"]),
        "engine_setup_s": measured["summary"][-1]["result"]["engine_setup_s"],
        "score_steps_s": measured["score"][-1]["result"]["timings_s"],
        "peak_rss_mb_driver": max(r["peak_rss_mb"] for r in measured["score"]),
        "master": master,
    }


def governor(options: BenchOptions, log: Log) -> dict[str, Any]:
    """The contact governor's check latency over a workspace of ingested messages."""
    folder = options.work / "governor"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    log(
        f"governor: {options.governor_checks:,} checks over {options.governor_messages:,} "
        "ingested messages"
    )
    out = run_phase(
        "governor",
        {
            "out": str(folder),
            "messages": options.governor_messages,
            "checks": options.governor_checks,
        },
    )
    if not options.keep_data:
        shutil.rmtree(folder, ignore_errors=True)
    result: dict[str, Any] = {**out["result"], "peak_rss_mb": out["peak_rss_mb"]}
    return result


def message_check(options: BenchOptions, log: Log) -> dict[str, Any]:
    """The message check's time on ordinary drafts of 25,000 and 200,000 characters."""
    from legame.bench.message import SIZES

    log(f"message check: drafts of {', '.join(f'{n:,}' for n in SIZES)} characters")
    out = run_phase("message", {"sizes": list(SIZES), "runs": options.runs})
    result: dict[str, Any] = {**out["result"], "peak_rss_mb": out["peak_rss_mb"]}
    for size, seconds in result["median_s"].items():
        log(f"    {int(size):>9,} characters {seconds:8.3f} s")
    return result


def load_test(options: BenchOptions, log: Log) -> dict[str, Any]:
    """The bounded load test of ``legame serve`` (see :mod:`legame.bench.load`)."""
    from legame.bench.load import run_load_test

    folder = options.work / "load"
    try:
        result = run_load_test(
            folder,
            clients=options.load_clients,
            duration_s=options.load_seconds,
            customers=options.load_customers,
            seed=options.seed,
            log=log,
        )
    finally:
        if not options.keep_data:
            shutil.rmtree(folder, ignore_errors=True)
    log(
        f"    {result['requests']:,} requests, {result['errors']} errors, "
        f"{result['duplicates_total']} duplicates; p50 {result['p50_ms']} ms, "
        f"p99 {result['p99_ms']} ms"
    )
    return result


def _flat(message: dict[str, Any]) -> dict[str, Any]:
    """``message_check_25k_s``-style keys of the message check's medians."""
    from legame.bench.message import result_key

    return {result_key(int(size)): s for size, s in message.get("median_s", {}).items()}


def run_bench(options: BenchOptions, *, log: Log = print) -> list[dict[str, Any]]:
    """Measure every size; write the JSON after each one (so a long run keeps what it did)."""
    info = machine()
    python = pymc_python = None
    if options.lifetimes:
        python = reference.ensure_venv(options.venv, log=log)
    if options.pymc and min(options.sizes) <= options.pymc_max_size:
        pymc_python = pymc_reference.ensure_venv(options.pymc_venv, log=log)
    gov = governor(options, log) if options.governor else {"status": "skipped"}
    message = message_check(options, log) if options.message else {"status": "skipped"}
    load = load_test(options, log) if options.load else {"status": "skipped"}
    results: list[dict[str, Any]] = []
    for size in options.sizes:
        row = bench_size(size, options, python, log, pymc_python)
        row["governor"] = gov
        row["message_check"] = message
        row.update(_flat(message))
        row["load"] = load
        row["machine"] = info
        row["lower_bound_sql"] = {
            form: duckdb_query(form, date.fromisoformat(row["until"])) for form in FORMS[:-1]
        }
        results.append(row)
        if options.out is not None:
            write_json(results, options.out)
    return results


def write_json(results: list[dict[str, Any]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(json.dumps(results, indent=2, default=str) + "\n")
    tmp.replace(path)
