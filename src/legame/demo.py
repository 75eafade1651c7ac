"""The demo: simulate a business, load it into a fresh workspace, run every stage.

Each stage is a plain library call, so ``legame demo`` shows exactly what a user would
run by hand; the command line adds progress bars and the closing summary.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from legame.ingest import ingest
from legame.insights import FINDING_IDS, compute_findings
from legame.insights.saved import save_findings
from legame.store import Workspace
from legame.store.schema import TABLES

#: Order of loading: customers first, so they are real (not implicit) from the start.
LOAD_ORDER = ("customers", *(t for t in TABLES if t != "customers"))


@dataclass
class DemoResult:
    """Where the demo wrote its outputs and what each stage reported."""

    folder: Path
    db: Path
    data: Path
    stages: dict[str, float] = field(default_factory=dict)
    loaded: dict[str, int] = field(default_factory=dict)
    rejected: int = 0
    summary: dict[str, Any] = field(default_factory=dict)
    findings: list[dict[str, Any]] = field(default_factory=list)
    report: Path | None = None


Stage = Callable[[str, int], None]  # (stage name, steps in it) -> None, called at start
Step = Callable[[], None]


#: Above the simulated contact test's table in the demo's legame.toml.
_TEST_COMMENT = (
    "\n# The demo's simulated history ran this randomized contact-frequency test\n"
    "# (docs/experiments.md): `legame experiment results` reads it.\n"
)


def run_demo(
    folder: Path,
    *,
    customers: int = 5000,
    seed: int = 0,
    db: Path | None = None,
    on_stage: Stage | None = None,
    on_step: Step | None = None,
) -> DemoResult:
    """Simulate into ``folder/data``, build the workspace (``folder/legame.duckdb`` unless
    ``db`` says otherwise) afresh, and run every stage."""
    from legame.simulate import simulate

    folder.mkdir(parents=True, exist_ok=True)
    result = DemoResult(folder, db or folder / "legame.duckdb", folder / "data")

    def stage(name: str, steps: int) -> _Timer:
        if on_stage:
            on_stage(name, steps)
        return _Timer(result.stages, name)

    with stage("simulate", 1):
        if result.data.exists():
            shutil.rmtree(result.data)
        sim = simulate(result.data, customers=customers, seed=seed)
        _tick(on_step)
    for suffix in ("", ".wal"):
        Path(str(result.db) + suffix).unlink(missing_ok=True)
    from legame.policy import policy_path_for, write_default_policy
    from legame.simulate import policy_fragment

    with Workspace.create(result.db) as ws:
        policy_file = policy_path_for(result.db)
        if not policy_file.exists():
            # The simulated history ran a randomized contact-frequency test: declare it,
            # so its results and the causal contact_pressure finding are there to read.
            write_default_policy(result.db.parent)
            with policy_file.open("a", encoding="utf-8", newline="\n") as fh:
                fh.write(_TEST_COMMENT + policy_fragment(sim.truth))
        with stage("ingest", len(LOAD_ORDER)):
            for table in LOAD_ORDER:
                report = ingest(ws, table, [sim.paths[table]])
                result.loaded[table] = report.total("inserted")
                result.rejected += report.total("rejected")
                _tick(on_step)
        with stage("score", 1):
            from legame.scoring import score

            scored = score(ws)
            # The comments' languages, and the cases of the last weeks of the history (the
            # demo's data ends in the past: its cases open as of the latest data).
            from legame.engage.cases import open_cases
            from legame.metrics.period import data_as_of
            from legame.voices import record_comment_languages

            record_comment_languages(ws)
            open_cases(ws, as_of=data_as_of(ws))
            _tick(on_step)
        with stage("validate", 1):
            from legame.validation import auto_split, save_validation, validate

            split = auto_split(ws)
            if split is not None:  # every model checked on the last quarter of the history
                until, holdout_until = split
                save_validation(
                    ws, validate(ws, until=until, holdout_until=holdout_until, model="all")
                )
            _tick(on_step)
        with stage("findings", len(FINDING_IDS)):
            found = compute_findings(ws, seed=seed, on_finding=lambda _: _tick(on_step))
            save_findings(ws, found)
        with stage("report", 1):
            from legame.report import write_report

            result.report = write_report(ws, folder / "report.html")
            _tick(on_step)
        result.summary = _summary(ws, scored.to_dict())
        result.findings = [f.to_dict() for f in found]
    return result


def _summary(ws: Workspace, scored: dict[str, Any]) -> dict[str, Any]:
    from legame.metrics.nps import nps_report
    from legame.scoring import score_totals

    totals = score_totals(ws)
    return {
        "nps": nps_report(ws),
        "total_clv": totals["total_clv"],
        "value_at_risk": totals["value_at_risk"],
        "high_risk_customers": totals["high_risk_customers"],
        "model": scored["model"],
        "params": scored["params"],
        "spend_params": scored["spend_params"],
    }


def _tick(on_step: Step | None) -> None:
    if on_step:
        on_step()


class _Timer:
    def __init__(self, into: dict[str, float], name: str) -> None:
        self.into, self.name = into, name

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.into[self.name] = time.perf_counter() - self.started
