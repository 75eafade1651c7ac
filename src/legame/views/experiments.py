"""The experiments as the command line, the API and the dashboard read them (issue 20,
docs/experiments.md): the gratitude program's holdout per trigger and the policy's
contact-frequency tests (:func:`experiment_results`), the plan of a test before launch
(:func:`experiment_plan`), and each trigger's smallest detectable effect for the
engagement page (:func:`trigger_mdes`).

Each is kept between requests while what it reads stays the same
(:mod:`legame.views.cache`): the data, the instant it is as of (default: the latest
activity, which the data decides), and the policy's ``[gratitude]`` and ``[experiments]``
sections (frozen, hashable values: an edit of either computes afresh). The caller gets
its own copy.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from datetime import datetime
from typing import Any

from legame.engage.governor.clock import in_range
from legame.engage.gratitude.plan import as_of
from legame.errors import InputError
from legame.experiments import contact_test
from legame.experiments.gestures import units
from legame.experiments.plan import plan_contact_test, plan_trigger
from legame.policy import Policy, load_policy, policy_path_for
from legame.store import Workspace
from legame.views.cache import cached_copy
from legame.views.engagement import gesture_plan, gesture_results

#: The engagement page's plan of each trigger: repurchase, over this many days.
ENGAGEMENT_DAYS = 90
ENGAGEMENT_METRIC = "repurchase"
#: What a trigger's row of the program's results carries into the experiment's reading.
_READING = ("comparisons", "verdict", "segments", "return")


def _policy(ws: Workspace) -> Policy:
    return load_policy(policy_path_for(ws.path))


def experiment_results(ws: Workspace, at: datetime | None = None) -> dict[str, Any]:
    """The experiments as of ``at`` (default: the latest activity): ``gratitude``, the
    program's holdout read per trigger (and ``all``) with its ``end`` and whether the
    fixed-horizon intervals are valid yet; ``contact_tests``, each started test's arms
    and comparisons (:func:`legame.experiments.contact_test.results`)."""
    moment = None if at is None else in_range(at)
    policy = _policy(ws)
    program = gesture_results(ws, moment)
    tests = cached_copy(
        ws,
        ("contact_tests", moment, policy.experiments),
        lambda: contact_test.results(ws, policy, as_of(ws, moment)),
    )
    return _finite(
        {
            "as_of": program["as_of"],
            "gratitude": {
                "end": program["end"],
                "fixed_horizon_valid": program["fixed_horizon_valid"],
                "followup_days": program["followup_days"],
                "margin_rate": policy.experiments.margin_rate,
                "by_trigger": [
                    {
                        "trigger": row["trigger"],
                        "treated": row["treatment"]["gestures"],
                        "held_out": row["holdout"]["gestures"],
                        **{k: row[k] for k in _READING},
                    }
                    for row in program["by_trigger"]
                    if all(k in row for k in _READING)
                ],
            },
            "contact_tests": tests,
        }
    )


def experiment_plan(
    ws: Workspace,
    *,
    trigger: str | None = None,
    contact_test: str | None = None,
    at: datetime | None = None,
    holdout: float | None = None,
    metric: str | None = None,
    days: int | None = None,
    effect: float | None = None,
) -> dict[str, Any]:
    """The plan of one test, named by exactly one of ``trigger`` (a gratitude trigger's
    holdout) or ``contact_test`` (a contact-frequency test of the policy), from the data
    as of ``at`` (default: the latest activity): :mod:`legame.experiments.plan`. A trigger
    that gave no gesture yet is planned from its proposals in the current gesture plan."""
    if (trigger is None) == (contact_test is None):
        raise InputError(
            "Name exactly one test to plan: a gratitude trigger or a contact test "
            f"(got {'both' if trigger is not None else 'neither'})."
        )
    if effect is not None and not math.isfinite(effect):
        raise InputError(f"--effect must be a finite number; got {effect}.")
    moment = None if at is None else in_range(at)
    policy = _policy(ws)
    asked = (trigger, contact_test, moment, holdout, metric, days, effect)
    key = ("experiment_plan", *asked, policy.gratitude, policy.experiments)

    def compute() -> dict[str, Any]:
        when = as_of(ws, moment)
        options: dict[str, Any] = {"holdout": holdout, "effect": effect}
        if metric is not None:
            options["metric"] = metric
        if trigger is not None:
            if days is not None:
                options["days"] = days
            proposals = _proposals(ws, moment).get(trigger, 0)
            return plan_trigger(ws, policy, trigger, at=when, proposals=proposals, **options)
        assert contact_test is not None
        return plan_contact_test(ws, policy, contact_test, at=when, days=days, **options)

    return _finite(cached_copy(ws, key, compute))


def trigger_mdes(ws: Workspace) -> dict[str, dict[str, Any]]:
    """Each enabled trigger's plan for the engagement page: repurchase at the policy's
    holdout share over :data:`ENGAGEMENT_DAYS` days, from the data up to the latest
    activity (its ``mde``, ``mde_cuped``, ``eligible_per_day``...)."""
    policy = _policy(ws)

    def compute() -> dict[str, dict[str, Any]]:
        when = as_of(ws, None)
        rows = units(ws, when)
        proposals: list[Counter[str]] = []

        def proposed(name: str) -> int:
            # the whole gesture plan only when a trigger has given no gesture yet
            if not proposals:
                proposals.append(_proposals(ws, None))
            return proposals[0].get(name, 0)

        return {
            t.name: plan_trigger(
                ws,
                policy,
                t.name,
                at=when,
                metric=ENGAGEMENT_METRIC,
                days=ENGAGEMENT_DAYS,
                proposals=functools.partial(proposed, t.name),
                gestures=rows,
            )
            for t in policy.gratitude.triggers
            if t.enabled
        }

    return _finite(cached_copy(ws, ("trigger_mdes", policy.gratitude), compute))


def _proposals(ws: Workspace, at: datetime | None) -> Counter[str]:
    """How many gestures each trigger proposes in the (kept) gesture plan at ``at``."""
    return Counter(str(t) for t in gesture_plan(ws, at).column("trigger").to_pylist())


def _finite(value: Any) -> Any:
    """``value`` with every float that is not finite as None (JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
