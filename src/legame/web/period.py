"""The period a dashboard page is about: read from the request, kept in a cookie, and the
picker's choices (see :mod:`legame.metrics.period` for what a period is).

A page's period is the ``period`` query parameter (a preset such as ``90d``, a year, or a
custom ``from``-``to`` pair of days from the picker's form), else the ``legame_period``
cookie the last choice set, else the default. A period the page cannot read is a 422 page
that says which forms it takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fastapi import Request

from legame.errors import InputError, PageError
from legame.metrics.period import DEFAULT_PERIOD, PRESETS, Period, data_as_of, parse_period
from legame.store import Workspace

PERIOD_COOKIE = "legame_period"
#: Each preset's label in the catalogues.
PRESET_KEYS = {"30d": "period.d30", "90d": "period.d90", "365d": "period.d365", "all": "period.all"}


@dataclass(frozen=True)
class PagePeriod:
    """The period of one page view, when its data is as of, and whether the choice came
    from this request (and so is to be remembered)."""

    period: Period
    as_of: datetime | None
    chosen: str | None


def requested_spec(request: Request) -> tuple[str, bool]:
    """The period spec of a request and whether the request chose it (not the cookie)."""
    query = request.query_params
    first, last = query.get("from"), query.get("to")
    if first and last:
        return f"{first.strip()}..{last.strip()}", True
    if query.get("period"):
        return str(query["period"]).strip()[:40], True
    return (request.cookies.get(PERIOD_COOKIE) or DEFAULT_PERIOD)[:40], False


def page_period(request: Request, ws: Workspace) -> PagePeriod:
    """The period of this page view, anchored on the data's as-of moment."""
    spec, chosen = requested_spec(request)
    as_of = data_as_of(ws)
    try:
        period = parse_period(spec, as_of)
    except InputError:
        if not chosen:  # a cookie from an older version: forget it quietly
            return PagePeriod(parse_period(DEFAULT_PERIOD, as_of), as_of, DEFAULT_PERIOD)
        raise PageError(422, "period.invalid") from None
    return PagePeriod(period, as_of, period.spec if chosen else None)


def picker(request: Request, current: PagePeriod) -> dict[str, Any]:
    """The picker's presets (each a link keeping the page's other parameters), the custom
    range's days, the data's as-of moment, and the previous period."""
    here = request.url.remove_query_params(["page", "from", "to", "period"])
    spec = current.period.spec
    first: date | None = current.period.first_day
    return {
        "presets": [
            {
                "spec": preset,
                "key": PRESET_KEYS[preset],
                "url": str(here.include_query_params(period=preset)),
                "current": preset == spec,
            }
            for preset in PRESETS
        ],
        "keep": [
            (name, value)
            for name, value in request.query_params.multi_items()
            if name not in ("page", "from", "to", "period", "lang", "events")
        ],
        "spec": spec,
        "custom": spec not in PRESETS,
        "from": first.isoformat() if first else "",
        "to": current.period.last_day.isoformat(),
        "as_of": current.as_of,
        "period": current.period.to_dict(),
        "action": request.url.path,
    }
