"""The /api/v1/cases endpoints: the case queue, one case, its changes and its call-back.

An analyst reads and changes cases; a viewer sees the counts only (no customer's data).
The queue, the counts and the stats take ``?period=`` (30d, 90d, 365d, a year, a range or
all, as on the other reads): the cases *opened* in it. Without one they are about every
case.
Every change names the version of the case it was computed from: a change made from an
older version is a 409 whose details give the current one. Errors have the one JSON shape
(:mod:`legame.api.errors`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from legame.api.auth import require
from legame.api.errors import ErrorBody, error_response
from legame.api.schemas import ContactDecision
from legame.errors import NotFoundError
from legame.store.keys import ApiKey

router = APIRouter(prefix="/cases", tags=["cases"])
Viewer = Annotated[ApiKey, Depends(require("viewer"))]
Analyst = Annotated[ApiKey, Depends(require("analyst"))]
CaseId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The case's number.")]
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "conflict: the case changed since that version"}
}
#: The longest owner name and note (the library's limits).
MAX_NAME = 100
MAX_NOTE = 4000
PERIOD_HELP = (
    "The cases whose answer or ticket is in this period: 30d, 90d, 365d (any number of "
    "days up to the latest data), a year such as 2024, a range such as "
    "2024-01-01..2024-03-31, or all. Default: every case."
)
PeriodQuery = Annotated[str | None, Query(max_length=40, description=PERIOD_HELP)]


# --- bodies -------------------------------------------------------------------------------


class CasePeriod(BaseModel):
    """The period whose opened cases an answer is about (both days included; ``from`` null
    for ``all``)."""

    spec: str
    from_: date | None
    to: date

    model_config = {"populate_by_name": True, "alias_generator": lambda n: n.rstrip("_")}


class CaseRow(BaseModel):
    case_id: int
    kind: Literal["detractor", "poor_service"]
    source_key: str
    customer_id: str
    event_at: datetime
    opened_at: datetime
    due_at: datetime
    owner: str | None
    status: Literal["new", "contacted", "resolved", "no-answer"]
    arm: Literal["treatment", "holdout"] | None
    clv_at_open: float | None
    churn_risk_at_open: str | None
    nps: int | None
    comment: str | None
    detail: str
    first_contact_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime
    version: int
    overdue: bool
    clv: float | None
    churn_risk: str | None


class CaseEvent(BaseModel):
    at: datetime
    actor: str
    action: str
    status_before: str | None
    status_after: str | None
    owner_before: str | None
    owner_after: str | None
    note: str | None
    version: int


class Case(CaseRow):
    history: list[CaseEvent]


class CasePage(BaseModel):
    total: int
    page: int
    page_size: int
    pages: int
    scores: Literal["current", "at_open"]
    period: CasePeriod | None
    cases: list[CaseRow]


class CaseCounts(BaseModel):
    as_of: datetime
    period: CasePeriod | None
    total: int
    open: int
    overdue: int
    holdout: int
    by_status: dict[str, int]
    by_kind: dict[str, int]


class CaseTiming(BaseModel):
    kind: str
    cases: int
    contacted: int
    contacted_by_due: int
    first_contact_median_hours: float | None
    first_contact_p90_hours: float | None
    resolved: int
    resolution_median_hours: float | None
    resolution_p90_hours: float | None
    no_answer: int


class ArmOutcome(BaseModel):
    cases: int
    repurchased: int
    repurchase_rate: float | None
    next_answers: int
    mean_next_nps: float | None
    promoter_share: float | None
    detractor_share: float | None
    contacted: int | None = None


class EffectDifference(BaseModel):
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    note: str | None


class CallbackEffect(BaseModel):
    as_of: datetime
    trigger: str
    followup_days: int
    min_per_arm: int
    treatment: ArmOutcome
    holdout: ArmOutcome
    repurchase_diff: EffectDifference
    mean_nps_diff: EffectDifference
    promoter_share_diff: EffectDifference
    detractor_share_diff: EffectDifference


class CaseStats(BaseModel):
    as_of: datetime
    period: CasePeriod | None
    counts: CaseCounts
    timings: list[CaseTiming]
    callback_effect: CallbackEffect


class CasePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1, le=2**31 - 1, description="The version of the case you saw.")
    owner: str | None = Field(
        None, max_length=MAX_NAME, description="The new owner (a name); null unassigns."
    )
    assign_to_me: bool = Field(False, description="Make the API key's name the owner.")
    status: Literal["new", "contacted", "resolved", "no-answer"] | None = Field(
        None, description="resolved or no-answer closes the case (contacted: POST .../contact)."
    )
    note: str | None = Field(None, max_length=MAX_NOTE, description="A note for the history.")


class CaseContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: str = Field(min_length=1, max_length=50, description="phone, email, sms, ...")
    at: datetime | None = Field(None, description="When; ISO 8601, without offset UTC.")
    version: int | None = Field(
        None, ge=1, le=2**31 - 1, description="The version of the case you saw (optional)."
    )


class CaseContact(BaseModel):
    outcome: Literal["contacted", "blocked"]
    message: str
    decision: ContactDecision | None
    message_id: str | None
    case: Case


# --- endpoints ----------------------------------------------------------------------------


def _store(request: Request) -> Any:
    return request.app.state.store


def _utc(value: Any) -> Any:
    """The store keeps naive UTC; the API says so (RFC 3339 with +00:00)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value
    if isinstance(value, dict):
        return {k: _utc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_utc(v) for v in value]
    return value


def _actor(key: ApiKey) -> str:
    """Who changes a case, in its history: the API key's name (its id if the name is not
    a usable one)."""
    name = " ".join(key.name.split())[:MAX_NAME]
    return name if name.isprintable() and name else f"key {key.key_id}"


def _period(ws: Any, spec: str | None) -> Any:
    """The period ``spec`` names, anchored on the data as the other reads' periods are;
    None (every case) without one. A spec it cannot read is a 422 naming the forms."""
    from legame.metrics.period import data_as_of, parse_period

    return parse_period(spec, data_as_of(ws)) if spec and spec.strip() else None


def _conflict(message: str, case: dict[str, Any]) -> JSONResponse:
    return error_response(409, message, {"current_version": case["version"]})


@router.get("", response_model=CasePage)
def get_cases(
    request: Request,
    _: Analyst,
    status: Literal["new", "contacted", "resolved", "no-answer"] | None = None,
    owner: Annotated[str | None, Query(max_length=MAX_NAME)] = None,
    kind: Literal["detractor", "poor_service"] | None = None,
    overdue: bool | None = None,
    include_holdout: bool = False,
    period: PeriodQuery = None,
    sort: Literal["clv", "due"] = "due",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """The case queue, filtered and paginated: by status, owner, kind, overdue (still new
    after the due date) and the period of the answer or ticket that opened the case
    (default: every case); sorted by CLV (highest first) or due date. The cases in the
    call-back's randomized holdout are left out unless ``include_holdout``. A page past the
    last is a 404 that says how many pages there are."""
    from legame.engage.cases import list_cases
    from legame.views.customer_index import kept_scores

    with _store(request).session() as ws:
        found = list_cases(
            ws,
            scores_of=kept_scores(request.app.state, ws),
            status=status,
            owner=owner,
            kind=kind,
            overdue=overdue,
            include_holdout=include_holdout,
            period=_period(ws, period),
            sort=sort,
            page=page,
            page_size=page_size,
        )
    if page > found["pages"]:
        raise NotFoundError(
            f"There is no page {page:,}: {found['total']:,} cases make "
            f"{found['pages']:,} page(s) of {page_size}."
        )
    return _utc(found)


@router.get("/counts", response_model=CaseCounts)
def get_case_counts(request: Request, _: Viewer, period: PeriodQuery = None) -> dict[str, Any]:
    """How many cases there are (whose answer or ticket is in the period; default: every
    case): by status and kind, open, overdue, and in the randomized holdout. Counts only,
    no customer's data: a viewer may see them."""
    from legame.engage.cases import case_counts

    with _store(request).session() as ws:
        return _utc(case_counts(ws, period=_period(ws, period)))


@router.get("/stats", response_model=CaseStats)
def get_case_stats(
    request: Request, _: Analyst, as_of: datetime | None = None, period: PeriodQuery = None
) -> dict[str, Any]:
    """Counts; the hours to the first contact and to resolution (median and p90, per kind);
    and the call-back's effect on repurchase and on the next NPS answer, treatment against
    the randomized holdout, with 95% intervals (as of ``as_of``, 1900-2999; default now),
    of the cases whose answer or ticket is in the period (default: every case)."""
    from legame.views.cases import kept_case_stats

    with _store(request).session() as ws:
        return _utc(kept_case_stats(ws, as_of=as_of, period=_period(ws, period)))


@router.get("/{case_id}", response_model=Case)
def get_one_case(request: Request, case_id: CaseId, _: Analyst) -> dict[str, Any]:
    """One case, with the customer's current CLV and churn risk and its history."""
    from legame.engage.cases import get_case
    from legame.views.customer_index import kept_scores

    with _store(request).session() as ws:
        return _utc(get_case(ws, case_id, scores_of=kept_scores(request.app.state, ws)))


@router.patch("/{case_id}", response_model=Case, responses=CONFLICT)
def patch_case(
    request: Request, case_id: CaseId, body: CasePatch, key: Analyst
) -> dict[str, Any] | JSONResponse:
    """Assign (``owner``, or ``assign_to_me``), close (``status`` resolved or no-answer) and/or
    add a ``note``, if the case is still at ``version`` (else 409, with the current version).
    A case becomes contacted only through POST .../contact; a closed case keeps its status."""
    from legame.engage.cases import update_case
    from legame.engage.cases.workflow import KEEP

    owner: Any = KEEP
    if body.assign_to_me:
        owner = _actor(key)
    elif "owner" in body.model_fields_set:
        owner = body.owner
    with _store(request).session() as ws:
        change = update_case(
            ws,
            case_id,
            version=body.version,
            actor=_actor(key),
            owner=owner,
            status=body.status,
            note=body.note,
        )
    if change.conflict:
        return _conflict(change.message, change.case)
    return _utc(change.case)


@router.post("/{case_id}/contact", response_model=CaseContact, responses=CONFLICT)
def post_case_contact(
    request: Request, case_id: CaseId, body: CaseContactIn, key: Analyst
) -> dict[str, Any] | JSONResponse:
    """Contact the case's customer: the contact governor decides, treating the call-back as
    a service contact (a withdrawn consent, and the quiet hours, block it). ``contacted``:
    logged in messages and the case is contacted. ``blocked``: nothing changed, the decision
    says why. A case in the randomized holdout, or closed, is refused (422)."""
    from legame.engage.cases import contact_case

    with _store(request).session() as ws:
        done = contact_case(
            ws,
            case_id,
            channel=body.channel,
            at=body.at,
            version=body.version,
            actor=_actor(key),
        )
    if done.conflict:
        return _conflict(done.message, done.case)
    return _utc(done.to_dict())
