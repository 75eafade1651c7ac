"""README's Performance figures are the measured ones: the table between its bench markers is
what ``python -m legame.bench.report bench/results.json`` prints from the committed results."""

from __future__ import annotations

import json
from pathlib import Path

from legame.bench.report import readme_block

ROOT = Path(__file__).resolve().parents[2]
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def test_readme_performance_table_is_generated_from_bench_results() -> None:
    results = json.loads((ROOT / "bench" / "results.json").read_text())
    readme = (ROOT / "README.md").read_text()
    block = readme.split(START, 1)[1].split(END, 1)[0].strip()
    assert block == readme_block(results), (
        "README's Performance section is out of date: "
        "python -m legame.bench.report bench/results.json"
    )


def test_committed_results_hold_the_keys_the_issue_asks_for() -> None:
    results = json.loads((ROOT / "bench" / "results.json").read_text())
    keys = {
        "size",
        "summary_s",
        "score_s",
        "lower_bound_s",
        "score_vs_lower_bound",
        "lifetimes_s",
        "speedup_vs_lifetimes",
        "max_param_rel_diff",
        "peak_rss_mb",
    }
    for row in results:
        assert keys <= set(row), row["size"]
        assert row["score_vs_lower_bound"] == round(row["score_s"] / row["lower_bound_s"], 3)
