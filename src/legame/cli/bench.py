"""``legame bench``: measure ingestion, the summary, the fits and ``score`` against a lower
bound and the lifetimes package, at several sizes (see ``legame.bench``)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Literal, cast

import typer

from legame.cli._common import console, err_console
from legame.errors import InputError

DEFAULT_SIZES = "1e6,1e7,5e7"
LARGE_SIZE = 100_000_000


def _sizes(text: str) -> list[int]:
    sizes = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        try:
            value = float(item)
        except ValueError:
            raise InputError(
                f"--sizes takes numbers of orders like 1e6,1e7; got {item!r}."
            ) from None
        if not (math.isfinite(value) and value >= 1000 and value == int(value)):
            raise InputError(f"--sizes must be whole numbers of orders >= 1000; got {item!r}.")
        sizes.append(int(value))
    if not sizes:
        raise InputError("--sizes needs at least one size, e.g. --sizes 1e6.")
    return sizes


def bench(
    sizes: Annotated[
        str, typer.Option("--sizes", help="Numbers of orders, comma-separated.")
    ] = DEFAULT_SIZES,
    large: Annotated[
        bool, typer.Option("--large", help="Also 100 million orders (about 30 GB of disk).")
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the results as JSON to this file.")
    ] = None,
    engine: Annotated[
        str, typer.Option("--engine", help="duckdb, or spark: also summary and score on Spark.")
    ] = "duckdb",
    runs: Annotated[
        int, typer.Option("--runs", help="Runs of each short phase (the median is kept).")
    ] = 3,
    lifetimes: Annotated[
        bool,
        typer.Option(
            "--lifetimes/--no-lifetimes",
            help="Run the lifetimes reference (creates bench/.lifetimes-venv with pip).",
        ),
    ] = True,
    governor: Annotated[
        bool,
        typer.Option(
            "--governor/--no-governor", help="Measure the contact governor's check latency."
        ),
    ] = True,
    message: Annotated[
        bool,
        typer.Option(
            "--message/--no-message",
            help="Time the message check on 25,000- and 200,000-character drafts.",
        ),
    ] = True,
    load: Annotated[
        bool,
        typer.Option(
            "--load/--no-load",
            help="Run the load test: 8 clients against legame serve on loopback.",
        ),
    ] = True,
    load_seconds: Annotated[
        float, typer.Option("--load-seconds", help="How long the load test runs.")
    ] = 20.0,
    latency: Annotated[
        bool,
        typer.Option(
            "--latency/--no-latency",
            help="Time every page, list and API read on each size's workspace, served on "
            "loopback (p50, p95).",
        ),
    ] = True,
    latency_requests: Annotated[
        int,
        typer.Option("--latency-requests", help="Timed requests per page or API read."),
    ] = 20,
    work: Annotated[
        Path, typer.Option("--work", help="Folder for the generated inputs and workspaces.")
    ] = Path("bench/data"),
    venv: Annotated[
        Path, typer.Option("--lifetimes-venv", help="Where the lifetimes venv is (or goes).")
    ] = Path("bench/.lifetimes-venv"),
    pymc: Annotated[
        bool,
        typer.Option(
            "--pymc/--no-pymc",
            help="Up to 1M orders, fit PyMC-Marketing's BetaGeoModel with the same static "
            "covariates (creates bench/.pymc-venv with pip).",
        ),
    ] = True,
    pymc_venv: Annotated[
        Path, typer.Option("--pymc-venv", help="Where the PyMC-Marketing venv is (or goes).")
    ] = Path("bench/.pymc-venv"),
    keep_data: Annotated[
        bool, typer.Option("--keep-data", help="Keep the generated inputs afterwards.")
    ] = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulated orders.")] = 0,
) -> None:
    """Benchmark legame against a plain-SQL lower bound and the lifetimes pipeline."""
    from legame.bench import BenchOptions, run_bench
    from legame.bench.lower_bound import DUCKDB_FORMS
    from legame.bench.report import (
        covariates_table,
        latency_line,
        latency_table,
        load_line,
        load_table,
        message_line,
        spark_table,
        table,
        targets_table,
    )

    if engine not in ("duckdb", "spark"):
        raise InputError(f"--engine must be duckdb or spark; got {engine!r}.")
    if runs < 1:
        raise InputError(f"--runs must be at least 1; got {runs}.")
    if not (math.isfinite(load_seconds) and 0 < load_seconds <= 3600):
        raise InputError(
            f"--load-seconds must be more than 0 and at most 3600; got {load_seconds}."
        )
    if not 1 <= latency_requests <= 10_000:
        raise InputError(f"--latency-requests must be from 1 to 10000; got {latency_requests}.")
    chosen = _sizes(sizes) + ([LARGE_SIZE] if large else [])
    options = BenchOptions(
        sizes=chosen,
        work=work,
        engine=cast("Literal['duckdb', 'spark']", engine),
        runs=runs,
        lifetimes=lifetimes,
        venv=venv,
        governor=governor,
        message=message,
        load=load,
        load_seconds=load_seconds,
        keep_data=keep_data,
        seed=seed,
        out=out,
        pymc=pymc,
        pymc_venv=pymc_venv,
        latency=latency,
        latency_requests=latency_requests,
    )
    results = run_bench(options, log=lambda line: err_console.print(line, markup=False))
    console.print(
        "Lower bound: the fastest of these summaries over the Parquet file, and the same in "
        "Polars (legame.bench.lower_bound):"
    )
    for form, query in DUCKDB_FORMS.items():
        shown = query.replace("{until}", "DATE '<cutoff>'")
        console.print(f"-- {form}\n{shown}", markup=False)
    console.print(table(results))
    console.print(targets_table(results))
    for extra in (spark_table(results), covariates_table(results)):
        if extra is not None:
            console.print(extra)
    gov = results[0].get("governor", {}) if results else {}
    if gov.get("status") == "ok":
        console.print(
            f"Contact governor: check latency median {gov['median_ms']} ms, p99 "
            f"{gov['p99_ms']} ms over {gov['n_checks']:,} checks against "
            f"{gov['messages']:,} messages."
        )
    elif gov:
        console.print(f"Contact governor: {gov.get('status')}.")
    first = results[0] if results else {}
    for line in (message_line(first), load_line(first)):
        if line:
            console.print(line)
    if first.get("load", {}).get("status") == "ok":
        console.print(load_table(first["load"]))
    latencies = latency_table(results)
    if latencies is not None:
        console.print(latency_line(results))
        console.print(latencies)
    if out is not None:
        console.print(f"Results written to {out}")


def register(app: typer.Typer) -> None:
    app.command()(bench)
