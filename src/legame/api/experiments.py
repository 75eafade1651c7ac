"""``GET /api/v1/experiments`` (the gratitude program's holdout per trigger and the contact
frequency tests, read with unadjusted, CUPED and always-valid intervals) and
``GET /api/v1/experiments/plan`` (a test's smallest detectable effect and the days it
needs, before launch); viewer. docs/experiments.md says how to read them.

The bodies of an arm comparison (:class:`Comparison`), of the segments and of the
program's return are also those of ``/gestures/results``' rows (``legame.api.schemas``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict

from legame.api.auth import require
from legame.api.errors import ERROR_RESPONSES
from legame.errors import InputError
from legame.store.keys import ApiKey

router = APIRouter(prefix="/experiments", tags=["experiments"], responses=ERROR_RESPONSES)
Viewer = Annotated[ApiKey, Depends(require("viewer"))]
Verdict = Literal["supported", "not_supported", "contradicted", "insufficient_data"]
PlanMetric = Literal["repurchase", "revenue", "unsubscribe", "nps"]
_FROM = ConfigDict(populate_by_name=True, alias_generator=lambda n: n.rstrip("_"))


# --- bodies -------------------------------------------------------------------------------


class Interval(BaseModel):
    """A difference (treatment − control) and its interval; all null when too few units."""

    estimate: float | None
    ci_low: float | None
    ci_high: float | None


class Comparison(BaseModel):
    """Treatment minus control three ways: ``unadjusted`` and ``cuped`` are fixed-horizon
    intervals (valid at the pre-registered end date), ``always_valid`` a confidence
    sequence (valid at any look); ``units`` is the customers compared."""

    units: int
    unadjusted: Interval
    cuped: Interval
    always_valid: Interval
    variance_reduction: float | None


class SegmentRow(BaseModel):
    segment: str
    treated: int
    held_out: int
    retention: Comparison
    revenue: Comparison


class Segments(BaseModel):
    """Each breakdown's cells, every interval Bonferroni-adjusted (``alpha_per_cell``);
    ``clv_tier`` (absent before ``legame score``) is measured after the gesture."""

    adjustment: Literal["bonferroni"]
    cells: int
    alpha_per_cell: float
    measured_after_gesture: list[str]
    rfm_segment: list[SegmentRow] = []
    nps_group: list[SegmentRow] = []
    clv_tier: list[SegmentRow] | None = None


class ProgramReturn(BaseModel):
    """Incremental revenue and margin of the treated gestures, and the net return (margin
    minus their cost) with the CUPED and the always-valid interval."""

    treated_gestures: int
    cost: float
    margin_rate: float
    incremental_revenue: Interval
    incremental_margin: Interval
    net_return: Interval
    net_return_always_valid: Interval


class TriggerExperiment(BaseModel):
    model_config = _FROM
    trigger: str
    treated: int
    held_out: int
    comparisons: dict[Literal["retention", "revenue", "unsubscribe"], Comparison]
    verdict: Verdict
    segments: Segments
    return_: ProgramReturn


class Gratitude(BaseModel):
    """The program's holdout: ``fixed_horizon_valid`` once ``end`` (``[gratitude] end``,
    the pre-registered end date) is reached."""

    end: date | None
    fixed_horizon_valid: bool
    followup_days: int
    margin_rate: float
    by_trigger: list[TriggerExperiment]


class ArmReading(BaseModel):
    arm: str
    share: float
    caps: dict[str, int]
    customers: int
    messages_per_customer: float | None
    unsubscribe: float | None
    complaint: float | None
    repurchase: float | None
    revenue: float | None


class ArmComparison(Comparison):
    verdict: Verdict


class ContactTestComparison(BaseModel):
    arm: str
    against: str
    unsubscribe: ArmComparison
    complaint: ArmComparison
    repurchase: ArmComparison
    revenue: ArmComparison


class ContactTestResult(BaseModel):
    test: str
    start: date
    end: date | None
    channel: str
    as_of: datetime
    followup_days: int
    units: int
    fixed_horizon_valid: bool
    adjustment: Literal["bonferroni"] | None
    arms: list[ArmReading]
    comparisons: list[ContactTestComparison]


class Experiments(BaseModel):
    as_of: datetime
    gratitude: Gratitude
    contact_tests: list[ContactTestResult]


class PlanBase(BaseModel):
    """The outcome's base rate (or mean) and spread, and where they come from."""

    model_config = _FROM
    mean: float
    sd: float
    answer_share: float | None = None
    from_: str


class Plan(BaseModel):
    """A test's plan: the MDE at ``holdout`` over ``days`` (fixed horizon, with CUPED, and
    read at any look), and the days needed for ``effect`` (null: none named, or not within
    ten years)."""

    kind: Literal["trigger", "contact_test"]
    name: str
    metric: PlanMetric
    holdout: float
    days: int
    followup_days: int | None = None
    eligible_per_day: float | None
    eligible: int | None = None
    volume_from: str | None = None
    arms: list[str] | None = None
    units: float
    base: PlanBase
    alpha: float
    power: float
    mde: float | None
    mde_cuped: float | None
    mde_always_valid: float | None
    effect: float | None
    days_needed: int | None


# --- routes -------------------------------------------------------------------------------


@router.get("", response_model=Experiments)
def get_experiments(request: Request, _: Viewer, at: datetime | None = None) -> dict[str, Any]:
    """The gratitude program per trigger (and ``all``): retention, revenue and unsubscribe,
    each unadjusted, CUPED and always valid, the verdict (from the always-valid interval),
    the effect by segment and the return; and each started contact-frequency test's arms
    compared with its first. As of ``at`` (1900-2999; default: the latest activity)."""
    from legame.api.routes import utc
    from legame.views.experiments import experiment_results

    with request.app.state.store.session() as ws:
        return utc(experiment_results(ws, at))  # type: ignore[no-any-return]


@router.get("/plan", response_model=Plan)
def get_experiment_plan(
    request: Request,
    _: Viewer,
    trigger: Annotated[
        str | None, Query(max_length=100, description="A gratitude trigger of the policy.")
    ] = None,
    contact_test: Annotated[
        str | None, Query(max_length=100, description="A contact-frequency test of the policy.")
    ] = None,
    metric: Annotated[
        PlanMetric | None,
        Query(description="Default: repurchase for a trigger, unsubscribe for a contact test."),
    ] = None,
    holdout: Annotated[
        float | None,
        Query(
            description="The share held out (a contact test: the first arm's share). "
            "Default: the policy's."
        ),
    ] = None,
    days: Annotated[
        int | None,
        Query(description="How long the test runs. Default: 90, or the contact test's dates."),
    ] = None,
    effect: Annotated[
        float | None,
        Query(description="An effect to detect, in the metric's units (0.02: 2 points)."),
    ] = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Before launch: the smallest effect the test detects with 80% power at 5%, from the
    workspace's own base rates, spread and volume, and the days needed for ``effect``. Name
    exactly one of ``trigger`` or ``contact_test`` (else 400); an unknown one is a 404."""
    from legame.views.experiments import experiment_plan

    if (trigger is None) == (contact_test is None):
        raise HTTPException(
            400, "Name exactly one of the query parameters trigger or contact_test."
        )
    with request.app.state.store.session() as ws:
        try:
            return experiment_plan(
                ws,
                trigger=trigger,
                contact_test=contact_test,
                at=at,
                holdout=holdout,
                metric=metric,
                days=days,
                effect=effect,
            )
        except InputError as exc:  # a value out of its range: the message names it
            raise HTTPException(400, str(exc).replace("--", "")) from None
