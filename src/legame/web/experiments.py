"""The experiments page (``/experiments``, viewer): the gratitude program's holdout per
trigger and every contact-frequency test, each comparison with its unadjusted, CUPED and
always-valid interval, the effect by segment and the program's return; and a form that
plans a test before launch (:mod:`legame.views.experiments` does the work).

The plan form is a GET form (``?plan=trigger:NAME`` or ``?plan=test:NAME``, ``metric``,
``holdout`` and ``effect`` in percent or the metric's units as the page says, ``days``):
a value the page cannot read shows a message in the page's language and no plan.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from legame.errors import InputError, NotFoundError
from legame.web.auth import need
from legame.web.respond import page
from legame.web.sessions import WebSession

router = APIRouter(include_in_schema=False)
Viewer = Annotated[WebSession, Depends(need("viewer"))]
#: The metrics a plan can be for, and those that are shares (given in percentage points).
PLAN_METRICS = ("repurchase", "revenue", "unsubscribe", "nps")
RATES = ("retention", "repurchase", "unsubscribe", "complaint")
TIERS = ("low", "middle", "high")
#: Where a plan's base rate comes from, as the library says it, and the message saying it.
_WINDOW = re.compile(r"^per_([0-9]+)_days?$")
SOURCES = {
    "held-out gestures": "experiments.from_held_out",
    "gestures of the trigger": "experiments.from_trigger",
    "active customers over 180 days": "experiments.from_active_180",
}


@router.get("/experiments")
def experiments_page(request: Request, session: Viewer) -> Response:
    from legame.policy import load_policy, policy_path_for
    from legame.views.experiments import experiment_results

    store = request.app.state.store
    policy = load_policy(policy_path_for(store.path))
    form = _form(request, policy)
    with store.session() as ws:
        data = experiment_results(ws)
        for row in data["gratitude"]["by_trigger"]:  # the CLV tiers from low to high
            tiers = row["segments"].get("clv_tier") or []
            tiers.sort(
                key=lambda cell: TIERS.index(cell["segment"]) if cell["segment"] in TIERS else 9
            )
        for test in data["contact_tests"]:
            for arm in test["arms"]:
                arm["cap_list"] = [_cap(key, limit) for key, limit in arm["caps"].items()]
        planned, problem = _plan(ws, form) if form["chosen"] else (None, None)
    return page(
        request,
        "experiments.html",
        session=session,
        data=data,
        form=form,
        plan=planned,
        plan_problem=problem,
        plan_source=SOURCES.get(planned["base"]["from"]) if planned else None,
        rates=RATES,
        plan_metrics=PLAN_METRICS,
    )


def _cap(key: str, limit: int) -> dict[str, Any]:
    """An arm's cap (``email.per_7_days`` = 2) as its channel, days and limit."""
    channel, _, window = key.rpartition(".")
    found = _WINDOW.match(window)
    return {"channel": channel, "days": int(found[1]) if found else None, "limit": limit}


def _form(request: Request, policy: Any) -> dict[str, Any]:
    """The plan form's choices and the values it was sent (as text, to show them again)."""
    q = request.query_params
    triggers = [t.name for t in policy.gratitude.triggers if t.enabled]
    tests = [t.name for t in policy.experiments.contact_tests]
    choices = [f"trigger:{n}" for n in triggers] + [f"test:{n}" for n in tests]
    chosen = q.get("plan")
    return {
        "triggers": triggers,
        "tests": tests,
        "chosen": chosen if chosen in choices else None,
        "unknown": chosen is not None and chosen not in choices,
        "metric": q.get("metric") if q.get("metric") in PLAN_METRICS else None,
        "holdout": (q.get("holdout") or "").strip()[:20],
        "days": (q.get("days") or "").strip()[:20],
        "effect": (q.get("effect") or "").strip()[:20],
    }


def _number(text: str) -> float | None:
    """A number typed in the form (``,`` as the decimal mark too); None when empty."""
    if not text:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise InputError(text) from None
    if not math.isfinite(value):
        raise InputError(text)
    return value


def _plan(ws: Any, form: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """The plan the form asks for, or the catalogue key of why there is none."""
    from legame.views.experiments import experiment_plan

    kind, _, name = str(form["chosen"]).partition(":")
    metric = form["metric"] or ("repurchase" if kind == "trigger" else "unsubscribe")
    try:
        holdout = _number(form["holdout"])
        days = _number(form["days"])
        effect = _number(form["effect"])
        if days is not None and not days.is_integer():
            raise InputError(form["days"])
    except InputError:
        return None, "experiments.plan_unreadable"
    if effect is not None and metric in RATES:
        effect /= 100  # typed in percentage points
    try:
        found = experiment_plan(
            ws,
            trigger=name if kind == "trigger" else None,
            contact_test=name if kind == "test" else None,
            holdout=None if holdout is None else holdout / 100,
            metric=metric,
            days=None if days is None else int(days),
            effect=effect,
        )
    except NotFoundError:
        return None, "experiments.plan_unknown"
    except InputError:
        return None, "experiments.plan_out_of_range"
    return found, None
