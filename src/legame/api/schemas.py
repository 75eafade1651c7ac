"""Response and request bodies of the HTTP API (they make the OpenAPI schema exact).

Every string and list of a request body has a maximum length (the library's own limits, so
the API refuses with a 422 what the library would refuse); the body as a whole is limited in
size and nesting depth before it is parsed (:mod:`legame.api.limits`).
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model

from legame.api.experiments import Comparison, ProgramReturn, Segments, Verdict
from legame.engage.message.check import MAX_DRAFT_CHARS
from legame.insights.finding import Finding as FindingResult
from legame.metrics.nps import NPS
from legame.policy import MAX_POLICY_CHARS, MAX_VALUE_CHARS, MAX_VALUES


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    schema_version: int


def _library_fields(result_type: type, *, leave_out: tuple[str, ...] = ()) -> type[BaseModel]:
    """A model with the fields of one of the library's result dataclasses, with their types,
    each required (the library always returns every field), but ``leave_out``: what the
    library's ``to_dict`` keeps for itself. The dataclass is the one definition: a field
    added there is in the API's schema too."""
    hints = get_type_hints(result_type)
    fields: dict[str, Any] = {
        f.name: (hints[f.name], ...)
        for f in dataclasses.fields(result_type)
        if f.name not in leave_out
    }
    return create_model(f"{result_type.__name__}Fields", **fields)


if TYPE_CHECKING:  # to the type checker they are models; their fields come at run time
    _NpsFields = BaseModel
    _FindingFields = BaseModel
else:
    _NpsFields = _library_fields(NPS)
    # A finding's ``text`` (its sentences' catalogue keys) is for the dashboard's pages.
    _FindingFields = _library_fields(FindingResult, leave_out=("text",))


# The fields of legame.metrics.nps.NPS.
class NpsResult(_NpsFields):
    pass


class NpsGroup(NpsResult):
    group: str


class NpsReport(NpsResult):
    nps_counts: Literal["latest_per_customer", "every_answer"]
    period: dict[str, Any] | None = None
    by: str | None = None
    groups: list[NpsGroup] | None = None


class Segment(BaseModel):
    segment: str
    customers: int
    revenue: float | None
    clv: float | None
    mean_p_alive: float | None
    promoters: int
    detractors: int


class RiskTier(BaseModel):
    churn_risk: str
    customers: int
    revenue_12m: float | None
    clv: float | None


class HistogramBin(BaseModel):
    clv_from: float
    clv_to: float
    customers: int


class Overview(BaseModel):
    period: dict[str, Any]
    data_as_of: datetime | None
    headline: dict[str, Any]
    breakdowns: dict[str, list[dict[str, Any]]]
    nps: NpsResult
    nps_trend: list[NpsGroup]
    customers: int
    scored: bool
    segments: list[Segment]
    risk: list[RiskTier]
    clv_histogram: list[HistogramBin]
    total_clv: float | None
    value_at_risk: float | None


class Scores(BaseModel):
    """One customer's row of customer_scores (see docs/scores.md)."""

    model_config = ConfigDict(extra="allow")
    customer_id: str


class CustomerPage(BaseModel):
    total: int
    page: int
    page_size: int
    pages: int = Field(description="How many pages the filters make (at least 1).")
    customers: list[Scores]


class Profile(BaseModel):
    customer_id: str
    created_at: datetime | None
    email: str | None
    phone: str | None
    country: str | None
    language: str | None
    time_zone: str | None
    implicit: bool


class TimelineEvent(BaseModel):
    at: datetime | None
    kind: Literal["order", "ticket", "survey", "message", "gesture", "charge", "referral"]
    id: str
    detail: str | None
    value: float | None


class Customer360(BaseModel):
    profile: Profile
    scores: Scores | None
    timeline: list[TimelineEvent]


class Erased(BaseModel):
    customer_id: str
    erasure_id: str
    rows_removed: dict[str, int]
    values_replaced: dict[str, int]
    file_rewritten: bool
    file_bytes: int
    identifiers_checked: int
    found_in_file: int


class ContactCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: str = Field(min_length=1, max_length=200)
    channel: str = Field(min_length=1, max_length=50)
    at: datetime | None = Field(None, description="ISO 8601; without an offset it is UTC.")
    transactional: bool = False
    campaign_id: str | None = Field(None, max_length=200)


class ContactReason(BaseModel):
    rule: Literal["consent", "preference", "cooldown", "cap", "experiment", "quiet_hours"]
    message: str
    until: str | None
    code: str | None = Field(
        None, description="Which sentence the message is: consent_withdrawn, cap, quiet_hours..."
    )
    facts: dict[str, Any] = Field(
        default_factory=dict,
        description="What the message is made of (instants ISO 8601 UTC; times of day HH:MM).",
    )


class ContactDecision(BaseModel):
    allowed: bool
    reasons: list[ContactReason]
    next_allowed_at: str | None
    at: str | None
    transactional: bool


class MessageCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=MAX_DRAFT_CHARS, description="Subject line, then the body.")
    values: list[Annotated[str, Field(max_length=MAX_VALUE_CHARS)]] | None = Field(
        None,
        max_length=MAX_VALUES,
        description="Brand values; default: the policy file's values.",
    )
    language: Literal["it", "es", "en"] | None = None


class ValueScore(BaseModel):
    value: str
    score: float


class MessageFlag(BaseModel):
    model_config = ConfigDict(extra="allow")
    code: str


class MessageVerdict(BaseModel):
    verdict: Literal["send", "rethink"]
    language: str | None
    values: list[ValueScore]
    flags: list[MessageFlag]
    reasons: list[str]


# The fields of legame.insights.Finding, and when the stored ones were computed.
class Finding(_FindingFields):
    model_config = ConfigDict(extra="allow")
    computed_at: datetime | None = None


class FileReport(BaseModel):
    path: str
    batch_id: int | None
    format: str | None
    read: int
    inserted: int
    updated: int
    duplicates: int
    rejected: int
    already_rejected: int
    implicit_customers: int
    fees_waived: int
    error: str | None
    # Read through a preset: which export, its header language, the table of an entry in
    # `also` (the other tables the same file wrote), new links between ids and e-mails.
    preset: str | None = None
    language: str | None = None
    table: str | None = None
    links: int = 0
    also: list[FileReport] = []


class IngestReport(BaseModel):
    table: str
    files: list[FileReport]
    read: int
    inserted: int
    updated: int
    duplicates: int
    rejected: int
    already_rejected: int
    implicit_customers: int
    fees_waived: int
    batch_id: int | list[int]
    failed_files: int


class Policy(BaseModel):
    model_config = ConfigDict(extra="allow")
    path: str
    text: str


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=MAX_POLICY_CHARS, description="The whole legame.toml.")


def as_dict(model: BaseModel) -> dict[str, Any]:
    return model.model_dump()


class ProposedGesture(BaseModel):
    gesture_id: str
    customer_id: str
    kind: str
    reason: str
    given_at: datetime
    cost: float
    arm: Literal["treatment", "holdout"]
    trigger: str
    event_key: str
    event_at: datetime | None
    detail: str | None


class GesturePlanPage(BaseModel):
    """One page of a gesture plan, in the plan's order: ``total`` proposals make ``pages``
    pages of ``page_size``."""

    total: int
    page: int
    page_size: int
    pages: int
    proposals: list[ProposedGesture]


class Difference(BaseModel):
    estimate: float | None
    ci_low: float | None
    ci_high: float | None


class ArmSummary(BaseModel):
    model_config = ConfigDict(extra="allow")
    gestures: int
    retention: float | None
    spend: float | None
    nps: float | None
    nps_answers: int


class TriggerResult(BaseModel):
    model_config = ConfigDict(extra="allow")
    trigger: str
    treatment: ArmSummary
    holdout: ArmSummary
    retention_diff: Difference
    spend_diff: Difference
    nps_diff: Difference
    value_per_cost: Difference
    # the experiment's reading (docs/experiments.md; absent for a trigger it has no units of)
    comparisons: dict[Literal["retention", "revenue", "unsubscribe"], Comparison] | None = None
    verdict: Verdict | None = None
    segments: Segments | None = None
    return_: ProgramReturn | None = Field(None, alias="return")


class GestureResults(BaseModel):
    as_of: datetime
    followup_days: int
    gestures_with_followup: int
    by_trigger: list[TriggerResult]
    nps_note: str
    #: The program's pre-registered end ([gratitude] end), and whether it is reached (the
    #: fixed-horizon intervals are valid only from then on).
    end: date | None
    fixed_horizon_valid: bool
