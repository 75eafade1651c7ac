"""``compute_findings``: run every finding on a workspace, one failure never stopping the rest.

A finding that raises becomes ``insufficient_data`` with the error in ``details["error"]``
(and a summary that says it could not be computed), so the list always has one entry per
finding, in ``FINDINGS`` order; a bad or missing workspace still raises before any finding
runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, datetime
from types import ModuleType

from legame.engine import EngineName
from legame.insights import (
    contact_pressure,
    emotion_vs_satisfaction,
    gratitude_uplift,
    high_spend_is_not_loyalty,
    promoters_and_word_of_mouth,
    satisfaction_is_not_loyalty,
    service_and_churn,
)
from legame.insights.context import Context
from legame.insights.finding import Finding, insufficient, phrase, sentences
from legame.store import Workspace

#: Every finding, in the order they are reported.
FINDINGS: tuple[ModuleType, ...] = (
    emotion_vs_satisfaction,
    service_and_churn,
    satisfaction_is_not_loyalty,
    contact_pressure,
    promoters_and_word_of_mouth,
    high_spend_is_not_loyalty,
    gratitude_uplift,
)
FINDING_IDS: tuple[str, ...] = tuple(m.ID for m in FINDINGS)


def compute_findings(
    workspace: Workspace,
    *,
    seed: int = 0,
    as_of: date | datetime | None = None,
    only: tuple[str, ...] | None = None,
    on_finding: Callable[[str], None] | None = None,
    engine: EngineName = "duckdb",
    engine_options: Mapping[str, object] | None = None,
) -> list[Finding]:
    """Test every claim (or the ``only`` ones, by id) on the workspace's data.

    ``as_of`` (default: midnight after the latest completed order) ends every window;
    ``seed`` seeds the bootstraps (each finding gets its own stream). ``on_finding(id)``
    is called before each finding runs (for progress bars). ``details["seconds"]`` holds
    each finding's run time. The extracts run on ``engine`` (``engine_options`` as for
    :func:`legame.scoring.score`); the statistics in numpy, alike on either.
    """
    ctx = Context(workspace, seed=seed, as_of=as_of, engine=engine, engine_options=engine_options)
    try:
        wanted = FINDINGS if only is None else tuple(_module(name) for name in only)
        results: list[Finding] = []
        for module in wanted:
            if on_finding:
                on_finding(module.ID)
            results.append(_run(module, ctx))
        return results
    finally:
        ctx.close()


def _module(name: str) -> ModuleType:
    for module in FINDINGS:
        if name == module.ID:
            return module
    from legame.errors import InputError

    raise InputError(f"Unknown finding {name!r}. Valid ids: {', '.join(FINDING_IDS)}.")


def _run(module: ModuleType, ctx: Context) -> Finding:
    started = time.perf_counter()
    causal = module.ID == gratitude_uplift.ID
    if ctx.as_of is None:
        result = insufficient(
            module.ID,
            module.CLAIM,
            module.METHOD,
            "there are no completed orders in the workspace.",
            why=phrase("finding.no_orders"),
            causal=causal,
        )
    else:
        try:
            result = module.compute(ctx)
        except Exception as exc:  # one failing finding must not stop the others
            error = f"{type(exc).__name__}: {exc}"
            result = replace(
                insufficient(
                    module.ID,
                    module.CLAIM,
                    module.METHOD,
                    f"the computation failed ({error}).",
                    causal=causal,
                    details={"error": error},
                ),
                summary=f"This finding could not be computed ({error}); the others are "
                "unaffected. Run with --debug or report it.",
                text=sentences(module.ID, phrase("finding.could_not_compute", error=error)),
            )
    result.details["seconds"] = round(time.perf_counter() - started, 3)
    return replace(result, null=module.NULL, margin=getattr(module, "MARGIN", 0.0))
