"""Each measured phase runs in a child process of its own: ``python -m legame.bench.phases
NAME ARGS_JSON``.

In the child, the phase's setup (opening the workspace, loading the histories) is not timed;
the timed section is measured for wall time (``time.perf_counter``), CPU time of the whole
process (``time.process_time``: DuckDB's threads included, so CPU above wall means they ran
in parallel) and peak resident memory, sampled with psutil every 5 ms while it runs (so a
phase's peak is its own, not the setup's or another phase's). The child prints one JSON
line; :func:`run_phase` returns it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import psutil

from legame.bench.lower_bound import FORMS
from legame.errors import BenchError, InputError

Args = dict[str, Any]


def run_phase(name: str, args: Args, *, timeout: float | None = None) -> dict[str, Any]:
    """Run one phase in a child process and return what it measured."""
    cmd = [sys.executable, "-m", "legame.bench.phases", name, json.dumps(args, default=str)]
    done = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise BenchError(f"bench phase {name!r} failed (exit {done.returncode}): {tail}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


class _Sampler:
    """Peak RSS of this process, sampled on a thread while a block runs."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._me = psutil.Process()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._me.memory_info().rss)
            self._stop.wait(self.interval)

    @contextmanager
    def sampling(self) -> Iterator[None]:
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        try:
            yield
        finally:
            self._stop.set()
            thread.join()
            self.peak = max(self.peak, self._me.memory_info().rss)


def _measure(fn: Callable[[], Any]) -> dict[str, Any]:
    sampler = _Sampler()
    with sampler.sampling():
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "seconds": round(wall, 4),
        "cpu_s": round(cpu, 3),
        "peak_rss_mb": round(sampler.peak / 2**20, 1),
        "result": result,
    }


# -- the phases (child side) ---------------------------------------------------------------


def _ingest(args: Args) -> dict[str, Any]:
    from legame.ingest import ingest
    from legame.store import Workspace

    db = Path(args["db"])
    db.unlink(missing_ok=True)
    with Workspace.create(db) as ws:
        out = _measure(lambda: ingest(ws, "orders", [args["path"]]).to_dict())
    report = out["result"]
    out["result"] = {k: report[k] for k in ("read", "inserted", "rejected", "implicit_customers")}
    return out


def _keyed_load(args: Args) -> dict[str, Any]:
    """DuckDB's own load of the file into a table keyed by order_id (committed)."""
    import duckdb

    from legame.bench.lower_bound import KEYED_LOAD, KEYED_TABLE

    db = Path(args["db"])
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    con.execute("SET enable_progress_bar = false")
    con.execute(KEYED_TABLE)
    fmt = "csv" if args["path"].endswith(".csv") else "parquet"
    out = _measure(lambda: con.execute(KEYED_LOAD[fmt], {"path": args["path"]}))
    out["result"] = {"rows": con.execute("SELECT count(*) FROM orders").fetchall()[0][0]}
    con.close()
    db.unlink(missing_ok=True)
    return out


def _lower_bound(args: Args, form: str) -> dict[str, Any]:
    from legame.bench.lower_bound import duckdb_query, polars_summary

    until = _day(args["until"])
    if form == "polars":
        out = _measure(lambda: polars_summary(args["parquet"], until))
        out["result"] = {"customers": out["result"].height}
        return out
    import duckdb

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")  # as in a workspace; nothing on stdout
    # sql-built: the benchmark's reference query (bench/lower_bound.py); the file is bound.
    statement = f"CREATE TEMP TABLE lower_bound AS {duckdb_query(form, until)}"
    out = _measure(lambda: con.execute(statement, {"path": args["parquet"]}))
    out["result"] = {"customers": con.execute("SELECT count(*) FROM lower_bound").fetchall()[0][0]}
    return out


def _engine(ws: Any, name: str, master: str | None = None) -> Any:
    from legame.engine import engine_for
    from legame.scoring import score_memory_limit

    if name == "duckdb":
        return engine_for(ws, "duckdb", memory_limit=score_memory_limit())
    return engine_for(ws, "spark", master=master)


def _summary(args: Args) -> dict[str, Any]:
    import pyarrow.parquet as pq

    from legame.scoring import summarize
    from legame.store import Workspace

    with Workspace.open(args["db"]) as ws:
        started = time.perf_counter()
        eng = _engine(ws, args.get("engine", "duckdb"), args.get("master"))
        setup = time.perf_counter() - started
        try:
            out = _measure(
                lambda: summarize(eng, until=_day(args["until"]), unit="week", stage=True)
            )
            histories, spend = out["result"]
            customers = eng.run("SELECT count(*) AS n FROM _summary").column(0)[0].as_py()
        finally:
            eng.close()
    folder = Path(args["out"])
    pq.write_table(histories, folder / "histories.parquet")
    pq.write_table(spend, folder / "spend.parquet")
    out["result"] = {
        "customers": customers,
        "histories": histories.num_rows,
        "spend_pairs": spend.num_rows,
        "engine_setup_s": round(setup, 3),
    }
    return out


def _fit(args: Args) -> dict[str, Any]:
    import pyarrow.parquet as pq

    from legame.scoring import fit_models

    folder = Path(args["out"])
    histories = pq.read_table(folder / "histories.parquet")
    spend = pq.read_table(folder / "spend.parquet")
    out = _measure(lambda: fit_models(histories, spend))
    purchase, spend_model = out["result"]
    params = {"params": purchase.params_, "spend_params": spend_model.params_}
    (folder / "params.json").write_text(json.dumps(params))
    out["result"] = params
    return out


def _predict(args: Args) -> dict[str, Any]:
    """After the summary (staged as the score stages it, not timed): predictions once per
    distinct history, the RFM quintile boundaries, and the score's write (the predictions
    per history, the voice, the view that computes RFM scores, expected spend and CLV, and
    the basis a score writes: a later ``score_kept`` keeps this summary as it would a
    score's)."""
    from legame import kept_summary as kept
    from legame import scoring
    from legame.models import BetaGeo
    from legame.store import Workspace

    folder = Path(args["out"])
    params = json.loads((folder / "params.json").read_text())
    model = BetaGeo.from_params(params["params"])
    spend = {k: params["spend_params"][k] for k in ("p", "q", "gamma")}
    until = _day(args["until"])
    with Workspace.open(args["db"]) as ws:
        eng = _engine(ws, "duckdb")  # within the score's memory budget, as in the score
        try:
            basis = kept.basis_params(
                eng,
                until=until,
                orders_batch=kept.last_batch(ws),
                reusable=kept.complete(ws, until),
            )
            histories, _ = scoring.summarize(eng, until=until, unit="week", stage=True)

            def run() -> int:
                eng.put(
                    "_predictions",
                    scoring.predictions(
                        model, histories, unit="week", horizon_days=365, discount_rate=0.10
                    ),
                )
                cuts = scoring.rfm_cuts(eng.query("rfm_keys"))
                written = scoring.write_scores(
                    eng, until=until, spend=spend, margin=1.0, cuts=cuts, basis=basis
                )
                return written["customer_value"]

            out = _measure(run)
        finally:
            eng.close()
    out["result"] = {"customers": out["result"], "histories": histories.num_rows}
    return out


def _score(args: Args, *, intervals: bool = True) -> dict[str, Any]:
    """The whole score, every order read (the summary of the last score is not kept)."""
    from legame.store import Workspace

    with Workspace.open(args["db"]) as ws:
        return _timed_score(ws, args, until=args["until"], intervals=intervals, keep=False)


def _timed_score(ws: Any, args: Args, *, until: str, intervals: bool, keep: bool) -> dict[str, Any]:
    from legame.scoring import score

    return _measure(
        lambda: score(
            ws,
            engine=args.get("engine", "duckdb"),
            engine_options={"master": args["master"]} if args.get("master") else None,
            until=_day(until),
            intervals=intervals,
            keep_summary=keep,
        ).to_dict()
    )


def _score_kept(args: Args) -> dict[str, Any]:
    """The whole score after a day's orders (``day.parquet``, ingested first, not timed)
    into a copy of the scored workspace: the last score's summary kept, the customers of the
    day's orders summarised again. The cutoff is the day's."""
    import shutil

    from legame.ingest import ingest
    from legame.store import Workspace

    folder = Path(args["out"])
    copy = folder / "kept.duckdb"
    shutil.copy(args["db"], copy)
    # The copy on disk before the clock starts: else the score's commit, whose flush covers
    # the whole file, waits for the copy's 1.3 GB too: at 10M orders its write step took
    # 0.66-0.73 s so, 0.22 s after this (three runs each).
    with copy.open("rb") as copied:
        os.fsync(copied.fileno())
    try:
        with Workspace.open(copy) as ws:
            ingest(ws, "orders", [args["day"]])
            out = _timed_score(ws, args, until=args["day_until"], intervals=True, keep=True)
    finally:
        copy.unlink(missing_ok=True)
        copy.with_name(copy.name + ".wal").unlink(missing_ok=True)
    return out


def _score_plain(args: Args) -> dict[str, Any]:
    """The whole score without P(no purchase) and the intervals (what they cost)."""
    return _score(args, intervals=False)


def _customers(args: Args) -> dict[str, Any]:
    """The customers file (with the static covariates) into the workspace of the orders."""
    from legame.ingest import ingest
    from legame.store import Workspace

    with Workspace.open(args["db"]) as ws:
        out = _measure(lambda: ingest(ws, "customers", [args["customers"]]).to_dict())
    report = out["result"]
    out["result"] = {k: report[k] for k in ("read", "inserted", "updated", "rejected")}
    return out


def _validate(args: Args) -> dict[str, Any]:
    """``clv validate --model all`` on the split ``score --model auto`` uses (the last
    quarter of the days as the holdout; found before the timed part): the three models
    fitted on the calibration period, their holdout comparison, and the result saved."""
    from legame.store import Workspace
    from legame.validation import auto_split, save_validation, validate

    with Workspace.open(args["db"]) as ws:
        split = auto_split(ws, until=_day(args["until"]))
        if split is None:
            raise BenchError("the bench's orders are too short a history to validate on")
        until, holdout_until = split

        def run() -> Any:
            result = validate(ws, until=until, holdout_until=holdout_until, model="all")
            save_validation(ws, result)
            return result

        out = _measure(run)
    v = out["result"]
    out["result"] = {
        "until": v.until.isoformat(),
        "holdout_until": v.holdout_until.isoformat(),
        "customers": v.customers,
        "best": v.best,
        "failed": v.failed,
        "timings_s": {k: round(t, 3) for k, t in v.timings.items()},
        "models": [
            {
                "model": m.model,
                "fit_status": m.fit_status,
                "predicted_total": m.predicted_total,
                "actual_total": m.actual_total,
                "mae": m.mae,
                "churn_auc": m.churn_auc,
            }
            for m in v.models
        ],
    }
    return out


def _covariates(args: Args) -> dict[str, Any]:
    """``clv fit --covariates`` with the bench's static covariates (default binning)."""
    from legame.bench.customers import COVARIATES
    from legame.covariates import fit_covariates
    from legame.store import Workspace

    with Workspace.open(args["db"]) as ws:
        out = _measure(lambda: fit_covariates(ws, COVARIATES, until=_day(args["until"])))
    fit = out["result"]
    purchase, spend = fit.purchase, fit.spend
    out["result"] = {
        "names": list(fit.names),
        "rows": fit.rows,
        "patterns": fit.patterns,
        "timings_s": {k: round(t, 3) for k, t in fit.timings.items()},
        "customers": int(purchase.n_customers_),
        "converged": purchase.converged_,
        "loglik": purchase.loglik_,
        "params": purchase.params_,
        "stderr": purchase.stderr_,
        "spend_params": None if spend is None else spend.params_,
        "spend_stderr": None if spend is None else spend.stderr_,
    }
    return out


def _compare(args: Args) -> dict[str, Any]:
    """Largest relative differences between legame's customer_scores and lifetimes'."""
    from legame.store import Workspace

    with Workspace.open(args["db"], read_only=True) as ws:
        row = ws.con.execute(_COMPARE.format(path=_quoted(args["predictions"]))).fetchall()[0]
    names = (
        "customers",
        "matched",
        "expected_purchases",
        "p_alive",
        "expected_spend",
        "expected_purchases_p999",
        "p_alive_p999",
        "expected_spend_p999",
    )
    return {
        "seconds": 0.0,
        "cpu_s": 0.0,
        "peak_rss_mb": 0.0,
        "result": dict(zip(names, row, strict=True)),
    }


_COMPARE = """
WITH l AS (SELECT * FROM read_parquet({path})),
d AS (
    SELECT
        abs(s.expected_purchases - l.expected_purchases)
            / greatest(abs(l.expected_purchases), 1e-12) AS e,
        abs(s.p_alive - l.p_alive) / greatest(abs(l.p_alive), 1e-12) AS a,
        abs(s.expected_spend - l.expected_spend) / greatest(abs(l.expected_spend), 1e-12) AS m
    FROM customer_scores s JOIN l ON l.customer_id = s.customer_id
)
SELECT (SELECT count(*) FROM l), count(*), max(e), max(a), max(m),
       quantile_cont(e, 0.999), quantile_cont(a, 0.999), quantile_cont(m, 0.999)
FROM d
"""


def _governor(args: Args) -> dict[str, Any]:
    from legame.bench.data import write_contact_log
    from legame.ingest import ingest
    from legame.store import Workspace

    try:
        from legame.engage.governor.bench import check_latency
    except ImportError as exc:
        return {
            "seconds": 0.0,
            "cpu_s": 0.0,
            "peak_rss_mb": 0.0,
            "result": {"status": f"not available: {exc}"},
        }
    folder = Path(args["out"])
    log = write_contact_log(folder, n_messages=int(args["messages"]))
    db = folder / "governor.duckdb"
    db.unlink(missing_ok=True)
    with Workspace.create(db) as ws:
        started = time.perf_counter()
        ingest(ws, "messages", [log.messages])
        ingest(ws, "consents", [log.consents])
        built = time.perf_counter() - started
        out = _measure(lambda: check_latency(ws, int(args["checks"])))
    out["result"] = {"status": "ok", "ingest_s": round(built, 2), **out["result"]}
    return out


def _message(args: Args) -> dict[str, Any]:
    from legame.bench.message import check_times

    return _measure(lambda: check_times(args["sizes"], runs=int(args["runs"])))


def _latency(args: Args) -> dict[str, Any]:
    """The latencies a user meets: the app served over the workspace on loopback, every
    page, list and API read timed (:mod:`legame.bench.latency`). Wall time, CPU and peak
    memory are those of the whole phase, server and client (one process)."""
    from legame.bench.latency import run_latency

    return _measure(
        lambda: run_latency(
            Path(args["db"]), requests=int(args["requests"]), warmups=int(args["warmups"])
        )
    )


def _day(value: str) -> date:
    return datetime.strptime(value, "%Y-%m-%d").date()


def _quoted(path: str) -> str:
    if "'" in path:
        raise InputError(
            f"The bench's files must be in a folder without a quote ('): its SQL "
            f"reads them by path. Got {path!r}. Choose another --work folder."
        )
    return f"'{path}'"


PHASES: dict[str, Callable[[Args], dict[str, Any]]] = {
    "ingest": _ingest,
    "keyed_load": _keyed_load,
    **{f"lower_bound_{form}": partial(_lower_bound, form=form) for form in FORMS},
    "summary": _summary,
    "fit": _fit,
    "predict": _predict,
    "score": _score,
    "score_kept": _score_kept,
    "score_plain": _score_plain,
    "customers": _customers,
    "validate": _validate,
    "covariates": _covariates,
    "compare": _compare,
    "governor": _governor,
    "message": _message,
    "latency": _latency,
}


def main(argv: list[str] | None = None) -> None:
    name, raw = (argv if argv is not None else sys.argv[1:])[:2]
    out = PHASES[name](json.loads(raw))
    print(json.dumps(out, default=_plain))


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()  # numpy scalars
    return str(value)


if __name__ == "__main__":
    main()
