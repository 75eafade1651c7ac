"""``GET /api/v1/comments`` (survey comments with their detected language, analyst) and
``GET /api/v1/breakdown`` (NPS, CSAT and churn by segment, channel or country, viewer)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from legame.api.auth import require
from legame.api.errors import ERROR_RESPONSES
from legame.api.headline import PERIOD_HELP, Share
from legame.api.schemas import NpsResult
from legame.store.keys import ApiKey

router = APIRouter(responses=ERROR_RESPONSES)
Viewer = Annotated[ApiKey, Depends(require("viewer"))]
Analyst = Annotated[ApiKey, Depends(require("analyst"))]
Period = Annotated[str | None, Query(max_length=40, description=PERIOD_HELP)]


class Comment(BaseModel):
    response_id: str
    customer_id: str
    answered_at: datetime
    nps: int | None
    csat: int | None
    ces: int | None
    comment: str
    language: str | None


class CommentPage(BaseModel):
    total: int
    page: int
    page_size: int
    pages: int
    languages: dict[str, int]
    comments: list[Comment]


class Group(BaseModel):
    group: str
    customers: int
    nps: NpsResult
    csat: Share
    high_risk_share: float | None
    clv_at_high_risk: float


def _period(ws: Any, spec: str | None) -> Any:
    from legame.metrics.period import data_as_of, parse_period

    return parse_period(spec, data_as_of(ws))


@router.get("/comments", response_model=CommentPage, tags=["voices"])
def get_comments(
    request: Request,
    _: Analyst,
    q: Annotated[str | None, Query(max_length=200, description="Text the comment holds.")] = None,
    nps_group: Literal["promoter", "passive", "detractor"] | None = None,
    language: Annotated[str | None, Query(pattern="^[a-z]{2}$")] = None,
    period: Period = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Survey comments, newest first, with the language each is written in (``q`` matches
    literally, in any case). The period defaults to 90 days up to the latest data."""
    from legame.api.routes import utc
    from legame.voices import list_comments

    with request.app.state.store.session() as ws:
        found = list_comments(
            ws,
            q=q,
            nps_group=nps_group,
            language=language,
            period=_period(ws, period),
            page=page,
            page_size=page_size,
        )
    return utc(found)  # type: ignore[no-any-return]


@router.get("/breakdown", response_model=list[Group], tags=["voices"])
def get_breakdown(
    request: Request,
    _: Viewer,
    by: Literal["segment", "channel", "country"] = "segment",
    period: Period = None,
) -> list[dict[str, Any]]:
    """NPS (each customer's latest answer in the period), CSAT and the share at high churn
    risk, per RFM segment, purchase channel or country (empty before `legame score`)."""
    from legame.metrics.period import data_as_of, parse_period
    from legame.views.cache import cached_copy, today
    from legame.voices.breakdown import breakdowns

    def compute(ws: Any, day: date) -> dict[str, list[dict[str, Any]]]:
        return breakdowns(ws, parse_period(period, data_as_of(ws, today=day) or day))

    # Kept while the data stays the same (all three groupings at once: they are one query);
    # the period ends with the latest data up to today, and the day is in the key.
    day = today()
    with request.app.state.store.session() as ws:
        found = cached_copy(ws, ("breakdowns", period, day), lambda: compute(ws, day))
    return found[by]
