"""The customers' own choices of cadence on the API: make a preference link, read and
save a customer's choices, and how many customers chose a lower cadence
(:mod:`legame.engage.preferences`).

The routes under ``/customers/{customer_id}`` are included ahead of the customer 360's
(whose id takes the rest of the path), so that ``.../preferences`` is theirs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from legame.api.auth import require
from legame.engage.governor.clock import in_range, utc_now
from legame.engage.preferences import Choice, current, make_link, save, summary
from legame.engage.preferences.choice import MAX_CAP
from legame.engage.preferences.links import DEFAULT_BASE_URL, DEFAULT_DAYS, MAX_DAYS
from legame.engage.preferences.store import policy_of
from legame.ingest.ids import workspace_customer_id
from legame.store.keys import ApiKey

router = APIRouter()
Viewer = Annotated[ApiKey, Depends(require("viewer"))]
Analyst = Annotated[ApiKey, Depends(require("analyst"))]
#: The longest channel name and the most channels a body may hold.
MAX_CHANNEL_CHARS = 40
MAX_CHANNELS = 50
Clock = Annotated[str, Field(max_length=5, pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class LinkIn(BaseModel):
    days: int = Field(default=DEFAULT_DAYS, ge=1, le=MAX_DAYS, description="Days it works.")
    base_url: str = Field(
        default=DEFAULT_BASE_URL,
        max_length=500,
        description="The server's address as customers reach it (http or https).",
    )


class LinkOut(BaseModel):
    customer_id: str
    link: str
    expires_at: datetime
    link_id: str


class ChoiceIn(BaseModel):
    """A customer's choice, saved as given (fields left out are "no choice")."""

    channels: list[Annotated[str, Field(max_length=MAX_CHANNEL_CHARS)]] | None = Field(
        default=None, max_length=MAX_CHANNELS, description="Kept channels; null: all."
    )
    max_per_week: int | None = Field(default=None, ge=0, le=MAX_CAP)
    max_per_month: int | None = Field(default=None, ge=0, le=MAX_CAP)
    quiet_start: Clock | None = None
    quiet_end: Clock | None = None
    paused_until: datetime | None = Field(default=None, description="No marketing before.")
    stopped: bool = False


class Preferences(BaseModel):
    customer_id: str
    channels: list[str] | None
    max_per_week: int | None
    max_per_month: int | None
    quiet_start: str | None
    quiet_end: str | None
    paused_until: datetime | None
    stopped: bool
    at: datetime | None = Field(description="When it was saved; null: never.")
    source: str | None
    consents: dict[str, Literal["granted", "withdrawn"]]


class SavedPreferences(BaseModel):
    customer_id: str
    channels: list[str] | None
    max_per_week: int | None
    max_per_month: int | None
    quiet_start: str | None
    quiet_end: str | None
    paused_until: datetime | None
    stopped: bool
    at: datetime
    changed: list[str]
    consents: dict[str, Literal["granted", "withdrawn"]]
    batch_id: int | None


class CadenceKind(BaseModel):
    kind: str
    customers: int
    observed: int
    orders_before: float | None
    orders_after: float | None
    revenue_before: float | None
    revenue_after: float | None
    clv_mean: float | None


class CadenceSummary(BaseModel):
    customers: int
    kinds: list[CadenceKind]
    allowed_per_week: int | None
    allowed_per_month: int | None
    channels: int
    window_days: int
    as_of: datetime | None


def now(request: Request) -> datetime:
    """Now, as naive UTC: the app's ``state.clock`` when it has one (tests), else the
    wall clock."""
    clock: Callable[[], datetime] | None = getattr(request.app.state, "clock", None)
    return clock() if clock is not None else utc_now()


def _utc(value: Any) -> Any:
    """Naive UTC instants as explicit UTC (RFC 3339 with +00:00), as every route says them."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value
    if isinstance(value, dict):
        return {k: _utc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_utc(v) for v in value]
    return value


@router.post(
    "/customers/{customer_id:path}/preference-link", response_model=LinkOut, tags=["customers"]
)
def post_preference_link(
    request: Request, customer_id: str, body: LinkIn, _: Analyst
) -> dict[str, Any]:
    """A signed link to the customer's preference page (no sign-in), working ``days`` days;
    put it in any message. An unknown customer is a 404."""
    with request.app.state.store.session() as ws:
        made = make_link(ws, customer_id, now=now(request), days=body.days, base_url=body.base_url)
    return _utc(
        {
            "customer_id": made.customer_id,
            "link": made.url,
            "expires_at": made.expires_at,
            "link_id": made.link_id,
        }
    )


@router.get(
    "/customers/{customer_id:path}/preferences", response_model=Preferences, tags=["customers"]
)
def get_preferences(request: Request, customer_id: str, _: Analyst) -> dict[str, Any]:
    """The customer's current choices (their latest saved form) and consent per channel."""
    with request.app.state.store.session() as ws:
        cid = workspace_customer_id(ws.path, customer_id)
        return _utc(current(ws, cid, at=now(request)).to_dict())


@router.put(
    "/customers/{customer_id:path}/preferences",
    response_model=SavedPreferences,
    tags=["customers"],
)
def put_preferences(
    request: Request, customer_id: str, body: ChoiceIn, _: Analyst
) -> dict[str, Any]:
    """Save the customer's choices as they asked for them (source ``api``): channels turned
    off become consent withdrawals, and the whole is audited. A choice that does not
    validate is a 422 and changes nothing."""
    paused = None if body.paused_until is None else in_range(body.paused_until, name="paused_until")
    choice = Choice(
        channels=None if body.channels is None else tuple(body.channels),
        max_per_week=body.max_per_week,
        max_per_month=body.max_per_month,
        quiet_start=body.quiet_start,
        quiet_end=body.quiet_end,
        paused_until=paused,
        stopped=body.stopped,
    )
    with request.app.state.store.session() as ws:
        cid = workspace_customer_id(ws.path, customer_id)
        saved = save(ws, cid, choice, now(request), "api", policy=policy_of(ws))
    return _utc(saved.to_dict())


@router.get("/preferences/summary", response_model=CadenceSummary, tags=["engagement"])
def get_preferences_summary(request: Request, _: Viewer) -> dict[str, Any]:
    """How many customers chose a lower cadence than the policy allows, per kind, with
    their orders and revenue per customer in the 90 days before and after the choice (of
    those whose 90 days after are observed) and their mean CLV now."""
    with request.app.state.store.session() as ws:
        return _utc(summary(ws, policy_of(ws)))
