"""The benchmark's results as a Rich table, and as the Markdown of README's Performance."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from legame.bench.targets import SPEED_SIZE, checks, latency_met


def _s(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def _x(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


def _mb(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value / 1024:.2f} GiB" if value >= 1024 else f"{value:.0f} MiB"


def _rel(value: float | None) -> str:
    return "–" if value is None else f"{value:.1e}"


def _lifetimes(row: dict[str, Any]) -> str:
    if row.get("lifetimes_s") is not None:
        return _s(row["lifetimes_s"])
    return str(row.get("lifetimes_status", "–"))


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:+.1f} %"


def _pymc(row: dict[str, Any]) -> str:
    if row.get("pymc_s") is not None:
        return f"{_s(row['pymc_s'])} (MAP {_s(row.get('pymc_fit_s'))})"
    return str(row.get("pymc_status", "–"))


def _versus_pymc(row: dict[str, Any]) -> str:
    compared = row.get("pymc_vs_legame")
    if not compared:
        return "–"
    return (
        f"{_rel(compared['max_coef_abs_diff'])} ({_se(compared['max_coef_diff_in_se'])}); "
        f"base {_rel(compared['max_base_rel_diff'])}"
    )


def _se(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s.e."


def _versus_keyed(row: dict[str, Any], fmt: str) -> str:
    ratio = row.get(f"ingest_{fmt}_vs_keyed_load")
    seconds = _s(row[f"ingest_{fmt}_s"])
    return seconds if ratio is None else f"{seconds} ({_x(ratio)})"


def _bound(row: dict[str, Any]) -> str:
    form = row.get("lower_bound_form")
    seconds = _s(row["lower_bound_s"])
    return seconds if form is None else f"{seconds} ({form.replace('_', ' ')})"


ROWS: tuple[tuple[str, Any], ...] = (
    ("orders", lambda r: f"{r['transactions']:,}"),
    ("customers", lambda r: f"{r['customers']:,}"),
    ("distinct histories", lambda r: f"{r['histories']:,}"),
    ("ingest from CSV, s (× keyed load)", lambda r: _versus_keyed(r, "csv")),
    ("ingest from Parquet, s (× keyed load)", lambda r: _versus_keyed(r, "parquet")),
    ("lower bound, s (fastest form)", _bound),
    ("summary, s (× bound)", lambda r: f"{_s(r['summary_s'])} ({_x(r['summary_vs_lower_bound'])})"),
    ("fit BG/NBD + Gamma-Gamma, s", lambda r: _s(r["fit_s"])),
    ("predictions, RFM + CLV, s", lambda r: _s(r["predict_s"])),
    (
        "whole score, every order read, s (× bound)",
        lambda r: f"{_s(r['score_s'])} ({_x(r['score_vs_lower_bound'])})",
    ),
    ("whole score, CPU × bound's CPU", lambda r: _x(r.get("score_vs_lower_bound_cpu"))),
    ("peak memory: ingest CSV", lambda r: _mb(r["peak_rss_mb_by_phase"]["ingest_csv"])),
    ("peak memory: ingest Parquet", lambda r: _mb(r["peak_rss_mb_by_phase"]["ingest_parquet"])),
    ("peak memory: lower bound", lambda r: _mb(r["peak_rss_mb_by_phase"]["lower_bound"])),
    ("peak memory: summary", lambda r: _mb(r["peak_rss_mb_by_phase"]["summary"])),
    ("peak memory: fit", lambda r: _mb(r["peak_rss_mb_by_phase"]["fit"])),
    ("peak memory: predictions", lambda r: _mb(r["peak_rss_mb_by_phase"]["predict"])),
    ("peak memory: whole score", lambda r: _mb(r["peak_rss_mb"])),
    ("lifetimes pipeline, s", _lifetimes),
    ("lifetimes peak memory", lambda r: _mb(r.get("lifetimes_peak_rss_mb"))),
    ("speedup over lifetimes", lambda r: _x(r.get("speedup_vs_lifetimes"))),
    ("max parameter difference", lambda r: _rel(r.get("max_param_rel_diff"))),
    ("max prediction difference", lambda r: _rel(r.get("max_prediction_rel_diff"))),
    ("whole score without the intervals, s", lambda r: _s(r.get("score_no_intervals_s"))),
    ("the intervals' cost in the whole score", lambda r: _pct(r.get("intervals_overhead"))),
    ("clv validate --model all, s", lambda r: _s(r.get("validate_s"))),
    ("clv fit, 3 static covariates, s", lambda r: _s(r.get("covariate_fit_s"))),
    ("PyMC-Marketing, same covariates, s", _pymc),
    ("covariate speedup over PyMC-Marketing", lambda r: _x(r.get("covariate_speedup_vs_pymc"))),
    ("coefficients vs PyMC-Marketing, max diff", _versus_pymc),
)


#: Rows shown only where a result has them (results from before render as they did).
KEPT_ROWS: tuple[tuple[str, Any], ...] = (
    (
        "whole score after a day's orders, s (× bound)",
        lambda r: (
            f"{_s(r['score_kept_s'])} ({_x(r['score_kept_vs_lower_bound'])})"
            if r.get("score_kept_s") is not None
            else "–"
        ),
    ),
    (
        "customers summarised again (the day's orders)",
        lambda r: (
            f"{r['summarised_again']:,} ({r['day_orders']:,})"
            if r.get("summarised_again") is not None
            else "–"
        ),
    ),
)


def _size(row: dict[str, Any]) -> str:
    size = row["size"]
    return f"{size / 1e6:g}M orders" if size >= 1e6 else f"{size:,} orders"


def _figures(results: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    rows = list(ROWS)
    if any(row.get("score_kept_s") is not None for row in results):
        at = next(i for i, (name, _) in enumerate(rows) if name.startswith("whole score, CPU"))
        rows[at + 1 : at + 1] = KEPT_ROWS
    return [(name, [fn(row) for row in results]) for name, fn in rows]


def _rich(
    title: str, corner: str, results: list[dict[str, Any]], rows: list[tuple[str, list[str]]]
) -> Table:
    out = Table(title=title)
    out.add_column(corner)
    for row in results:
        out.add_column(_size(row), justify="right")
    for name, cells in rows:
        out.add_row(name, *cells)
    return out


def table(results: list[dict[str, Any]]) -> Table:
    """One column per size; times are medians, ratios in brackets are to the lower bound."""
    return _rich("legame bench (wall seconds, medians; × = ratio)", "", results, _figures(results))


def targets_table(results: list[dict[str, Any]]) -> Table:
    """The targets, each checked at every size (✓ holds, ✗ does not, no mark: none there)."""
    return _rich("Targets (✓ met, ✗ not met)", "target", results, checks(results))


def spark_table(results: list[dict[str, Any]]) -> Table | None:
    """Spark's summary and score in local mode and on a standalone cluster, beside DuckDB."""
    rows = [r for r in results if "spark" in r]
    if not rows:
        return None
    out = Table(title="Spark (local mode, and a standalone cluster) beside DuckDB, wall seconds")
    for name in (
        "orders",
        "DuckDB summary",
        "DuckDB score",
        "Spark local summary",
        "Spark local score",
        "cluster summary",
        "cluster score",
        "cluster setup",
    ):
        out.add_column(name, justify="right")
    for r in rows:
        sp = r["spark"]
        cluster = sp.get("cluster") or {}
        ran = cluster.get("status") == "ok"
        out.add_row(
            f"{r['transactions']:,}",
            _s(r["summary_s"]),
            _s(r["score_s"]),
            _s(sp["summary_s"]),
            _s(sp["score_s"]),
            _s(cluster["summary_s"]) if ran else "–",
            _s(cluster["score_s"]) if ran else "–",
            _s(cluster["engine_setup_s"]) if ran else "–",
        )
    return out


def covariates_table(results: list[dict[str, Any]]) -> Table | None:
    """The covariate fit's estimates beside PyMC-Marketing's and the planted values, at the
    first size where both ran (None when PyMC-Marketing did not)."""
    row = next((r for r in results if r.get("pymc_vs_legame")), None)
    if row is None:
        return None
    compared = row["pymc_vs_legame"]
    planted = row["covariates"].get("planted", {})
    out = Table(
        title=f"BG/NBD with {', '.join(row['covariates']['names'])} at "
        f"{_size(row)}: legame beside PyMC-Marketing (MAP, flat priors); on: the purchase "
        "rate or the dropout's a or b"
    )
    out.add_column("on", justify="left")
    out.add_column("parameter", justify="left", overflow="fold")
    for name in ("planted", "legame", "s.e.", "PyMC", "|diff|"):
        out.add_column(name, justify="right")
    for name, c in compared["coefficients"].items():
        out.add_row(
            *_process(name),
            _num(planted.get(name)),
            _num(c["legame"]),
            _num(c["legame_stderr"]),
            _num(c["pymc"]),
            _rel(c["abs_diff"]),
        )
    return out


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{value:+.3g}"


#: Coefficient name prefixes (legame.models.CovariateBetaGeo) and what they act on.
_PROCESSES = (("beta_purchase_", "rate"), ("beta_a_", "a"), ("beta_b_", "b"))


def _process(name: str) -> tuple[str, str]:
    """What a parameter acts on (the purchase rate, the dropout's a or b), and the
    covariate column; a base parameter acts on nothing."""
    for prefix, process in _PROCESSES:
        if name.startswith(prefix):
            return process, name.removeprefix(prefix)
    return "–", name


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.4f}"


def pymc_line(row: dict[str, Any]) -> str:
    """The PyMC-Marketing comparison in one sentence ("" when it did not run)."""
    compared = row.get("pymc_vs_legame")
    if not compared:
        return ""
    versions = row.get("pymc_versions") or {}
    return (
        f"Covariates at {_size(row)} ({', '.join(row['covariates']['names'])}, on the "
        f"purchase rate and the dropout): legame {_s(row['covariate_fit_s'])} s, "
        f"PyMC-Marketing {versions.get('pymc_marketing', '?')} `BetaGeoModel` (MAP, flat "
        f"priors) {_s(row['pymc_s'])} s, of which the MAP {_s(row['pymc_fit_s'])} s; "
        f"coefficients differ by at most {_rel(compared['max_coef_abs_diff'])} "
        f"({_se(compared['max_coef_diff_in_se'])}), r, alpha, a, b by "
        f"{_rel(compared['max_base_rel_diff'])} (relative); log-likelihood legame minus "
        f"PyMC-Marketing {_signed(compared['loglik_diff'])}."
    )


def message_line(row: dict[str, Any]) -> str:
    """The message check's medians in one sentence ("" when it did not run)."""
    message = row.get("message_check") or {}
    if message.get("status") != "ok":
        return ""
    sizes = ", ".join(
        f"{int(size):,} characters {seconds:.2f} s" for size, seconds in message["median_s"].items()
    )
    return f"Message check: {sizes} (median of {message['runs']})."


def load_line(row: dict[str, Any]) -> str:
    """The load test's outcome in one sentence ("" when it did not run)."""
    load = row.get("load") or {}
    if load.get("status") != "ok":
        return ""
    dups = load["duplicates"]
    return (
        f"Load test ({load['clients']} clients, {load['duration_s']:g} s, reads and ingests "
        f"mixed, loopback): {load['requests']:,} requests, {load['errors']} errors, "
        f"{load['duplicates_total']} duplicates (orders {dups['orders']}, customers "
        f"{dups['customers']}); p50 {load['p50_ms']} ms, p99 {load['p99_ms']} ms."
    )


def load_table(load: dict[str, Any]) -> Table:
    """Requests, errors and latency per kind of request of the load test."""
    out = Table(title="Load test, per kind of request")
    for name in ("request", "requests", "errors", "p50 ms", "p99 ms"):
        out.add_column(name, justify="left" if name == "request" else "right")
    for kind, figures in [*load["by_kind"].items(), ("all", load)]:
        out.add_row(
            kind,
            f"{figures['requests']:,}",
            str(figures["errors"]),
            _ms(figures["p50_ms"]),
            _ms(figures["p99_ms"]),
        )
    return out


def _latency_rows(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in results if (r.get("latency") or {}).get("status") == "ok"]


def _latency_cell(row: dict[str, Any], name: str) -> str:
    figures = row["latency"]["surfaces"].get(name)
    if figures is None:
        return "–"
    text = f"{figures['p50_ms']:,.0f} / {figures['p95_ms']:,.0f}"
    if figures["errors"]:
        text += f" ({figures['errors']} errors)"
    if row["size"] != SPEED_SIZE:
        return text
    return f"{text} {'✓' if latency_met(figures) else '✗'}"


def _latency_figures(rows: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    names = list(dict.fromkeys(n for r in rows for n in r["latency"]["surfaces"]))
    out = []
    for name in names:
        target = next(
            r["latency"]["surfaces"][name]["target_ms"]
            for r in rows
            if name in r["latency"]["surfaces"]
        )
        out.append((f"{name} (p95 < {target:,.0f})", [_latency_cell(r, name) for r in rows]))
    return out


def latency_line(results: list[dict[str, Any]]) -> str:
    """How the latencies were measured, and what the workspace held ("" if not run)."""
    rows = _latency_rows(results)
    if not rows:
        return ""
    first = rows[0]["latency"]
    held = "; ".join(
        f"at {_size(r)}, "
        + ", ".join(f"{table} {n:,}" for table, n in r["latency"]["rows"].items())
        + _load_avg(r["latency"])
        for r in rows
    )
    ready = "; ".join(
        f"{r['latency']['warm_s']:,.1f} s at {_size(r)}"
        for r in rows
        if r["latency"].get("warm_s") is not None
    )
    return (
        f"Latency a user meets: the app on uvicorn on loopback, started as `legame serve` "
        f"starts it (the default overview and the customer list's copy made first: "
        f"{ready or 'not timed'}), one signed-in client, "
        f"{first['warmups']} untimed then {first['requests']} timed requests per surface; "
        f"p50 / p95 in ms (✓/✗ at 10M orders against the target in brackets). "
        f"Rows in the workspace served {held}."
    )


def _load_avg(latency: dict[str, Any]) -> str:
    load = latency.get("load_avg_start") or []
    return f" (load average {load[0]:.1f} at the start)" if load else ""


def latency_table(results: list[dict[str, Any]]) -> Table | None:
    """p50 / p95 milliseconds per surface and size (None when the phase did not run)."""
    rows = _latency_rows(results)
    if not rows:
        return None
    return _rich(
        "Latency a user meets, p50 / p95 ms", "surface (target ms)", rows, _latency_figures(rows)
    )


def latency_markdown(results: list[dict[str, Any]]) -> str:
    """The latency table as Markdown ("" when the phase did not run)."""
    rows = _latency_rows(results)
    return _markdown("surface (target ms)", rows, _latency_figures(rows)) if rows else ""


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def markdown(results: list[dict[str, Any]]) -> str:
    """The table as Markdown (for README's Performance section)."""
    return _markdown("", results, _figures(results))


def targets_markdown(results: list[dict[str, Any]]) -> str:
    """The targets' table as Markdown."""
    return _markdown("target", results, checks(results))


def _markdown(corner: str, results: list[dict[str, Any]], rows: list[tuple[str, list[str]]]) -> str:
    head = f"| {corner} | " + " | ".join(_size(r) for r in results) + " |"
    rule = "|---|" + "|".join("---:" for _ in results) + "|"
    body = [f"| {name} | " + " | ".join(cells) + " |" for name, cells in rows]
    return "\n".join([head, rule, *body])


def machine_line(results: list[dict[str, Any]]) -> str:
    """The machine the figures come from, in one sentence."""
    m = results[0]["machine"]
    v = m["versions"]
    return (
        f"Measured on {m['cores_logical']} cores ({m['cpu_model']}), {m['ram_gib']} GiB, "
        f"{m['os']}; Python {v['python']}, DuckDB {v.get('duckdb', '?')}, "
        f"NumPy {v.get('numpy', '?')}, SciPy {v.get('scipy', '?')}; lifetimes "
        f"{_lifetimes_version(results)}."
    )


def _lifetimes_version(results: list[dict[str, Any]]) -> str:
    for row in results:
        versions = row.get("lifetimes_versions") or {}
        if versions:
            return (
                f"{versions['lifetimes']} on pandas {versions['pandas']}, "
                f"NumPy {versions['numpy']}, SciPy {versions['scipy']}"
            )
    return "not run"


def readme_block(results: list[dict[str, Any]]) -> str:
    """What README's Performance section holds between its bench markers."""
    block = (
        f"{machine_line(results)}\n\n{markdown(results)}\n\n"
        f"Targets (✓ met, ✗ not met, no mark: no target at that size):\n\n"
        f"{targets_markdown(results)}"
    )
    gov = results[0].get("governor", {})
    if gov.get("status") == "ok":
        block += (
            f"\n\nContact governor: {gov['n_checks']:,} checks against "
            f"{gov['messages']:,} logged messages, median {gov['median_ms']} ms, "
            f"99th percentile {gov['p99_ms']} ms per check."
        )
    pymc = next((pymc_line(r) for r in results if r.get("pymc_vs_legame")), "")
    for line in (message_line(results[0]), load_line(results[0]), pymc):
        if line:
            block += f"\n\n{line}"
    if latency := latency_markdown(results):
        block += f"\n\n{latency_line(results)}\n\n{latency}"
    return block


if __name__ == "__main__":  # python -m legame.bench.report bench/results.json
    import json
    import sys
    from pathlib import Path

    print(readme_block(json.loads(Path(sys.argv[1]).read_text())))
