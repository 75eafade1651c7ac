"""The benchmark behind ``legame bench`` and ``make bench``.

==================================  ================================================
:mod:`legame.bench.data`            synthetic orders written in chunks (Parquet, CSV)
:mod:`legame.bench.customers`       their customers, with planted static covariates
:mod:`legame.bench.lower_bound`     the plain DuckDB summary every figure is compared to
:mod:`legame.bench.phases`          each measured phase in a child process of its own
:mod:`legame.bench.reference`       the lifetimes pipeline in its own virtual environment
:mod:`legame.bench.pymc_reference`  PyMC-Marketing's covariate fit in its own one
:mod:`legame.bench.message`         the message check on long drafts
:mod:`legame.bench.load`            a bounded load test of ``legame serve`` on loopback
:mod:`legame.bench.latency`         the latency of every page and API read, on loopback
:mod:`legame.bench.runner`          one size after another, rounds interleaved
:mod:`legame.bench.report`          the Rich table and the README's Markdown
==================================  ================================================

It is a measurement, not a test: CI runs a tiny size only to check that it works.
"""

from legame.bench.runner import BenchOptions, run_bench

__all__ = ["BenchOptions", "run_bench"]
