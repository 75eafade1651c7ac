"""``GET /api/v1/headline``: a period's NPS, CSAT, CES, revenue and counts, each with the
change against the previous period and its interval (:mod:`legame.metrics.headline`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from legame.api.auth import require
from legame.api.errors import ERROR_RESPONSES
from legame.api.schemas import NpsResult
from legame.store.keys import ApiKey

router = APIRouter(responses=ERROR_RESPONSES)
Viewer = Annotated[ApiKey, Depends(require("viewer"))]

PERIOD_HELP = (
    "30d, 90d, 365d (any number of days up to the latest data), a year such as 2024, "
    "a range such as 2024-01-01..2024-03-31, or all. Default: 90d."
)


class Change(BaseModel):
    estimate: float
    ci_low: float
    ci_high: float


class PreviousDays(BaseModel):
    from_: date
    to: date

    model_config = {"populate_by_name": True, "alias_generator": lambda n: n.rstrip("_")}


class PeriodOut(BaseModel):
    spec: str
    from_: date | None
    to: date
    days: int | None
    previous: PreviousDays | None
    compared: bool

    model_config = {"populate_by_name": True, "alias_generator": lambda n: n.rstrip("_")}


class NpsHeadline(NpsResult):
    previous: NpsResult | None
    change: Change | None


class Share(BaseModel):
    share: float | None
    n: int
    ci_low: float | None
    ci_high: float | None


class CsatHeadline(Share):
    previous: Share | None
    change: Change | None


class Mean(BaseModel):
    mean: float | None
    n: int
    ci_low: float | None
    ci_high: float | None


class CesHeadline(Mean):
    previous: Mean | None
    change: Change | None


class Amount(BaseModel):
    value: float
    previous: float | None
    change: Change | None


class Count(BaseModel):
    value: int
    previous: int | None
    change: Change | None


class Headline(BaseModel):
    period: PeriodOut
    data_as_of: datetime | None
    nps_counts: str
    nps: NpsHeadline
    csat: CsatHeadline
    ces: CesHeadline
    revenue: Amount
    orders: Count
    answers: Count
    tickets: Count


@router.get("/headline", response_model=Headline, response_model_by_alias=True, tags=["aggregates"])
def get_headline(
    request: Request,
    _: Viewer,
    period: Annotated[str | None, Query(max_length=40, description=PERIOD_HELP)] = None,
    every_answer: Annotated[
        bool,
        Query(
            description="Count every NPS answer (default: each customer's latest in the period)."
        ),
    ] = False,
) -> dict[str, Any]:
    """NPS, CSAT, CES, revenue and counts of a period, with the previous period's values
    and the change's 95% interval (none when the data does not cover the previous period).
    ``data_as_of`` is the latest order, answer or ticket in the store, in UTC."""
    from legame.api.routes import utc
    from legame.views.cache import cached, today

    # Kept while the data stays the same; the period ends with the latest data up to today
    # (the day is in the key, and the headline is computed for that same day).
    day = today()
    with request.app.state.store.session() as ws:
        data = cached(
            ws,
            ("headline", period, every_answer, day),
            lambda: _headline_on(ws, period, every_answer, day),
        )
    # utc() makes new dicts and lists: the kept value is never changed by a caller
    return utc(data)  # type: ignore[no-any-return]


def _headline_on(ws: Any, spec: str | None, every_answer: bool, day: date) -> dict[str, Any]:
    """The headline of the period ``spec`` names, with ``day`` taken as today."""
    from legame.metrics.headline import headline
    from legame.metrics.period import data_as_of, parse_period

    chosen = parse_period(spec, data_as_of(ws, today=day) or day)
    return headline(ws, chosen, every_answer=every_answer, today=day)
