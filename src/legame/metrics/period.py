"""Periods: the stretch of time a page, the report or an API read is about.

A period is written as

==========================  =============================================================
``30d``, ``90d``, ``365d``  the N days that end with the day the data is as of
``2024``                    a calendar year
``2024-01-01..2024-03-31``  from one day to another, both included
``all``                     everything in the store
==========================  =============================================================

Periods are anchored on the data, not the wall clock: "the last 30 days" are the 30 days
up to the latest order, answer or ticket in the store (:func:`data_as_of`), so a store
loaded last month still shows a full 30 days. Each period but ``all`` has a *previous*
one, the same number of days just before it, for the change and its interval. Days are
UTC days, as everything in the store is UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from legame import sql
from legame.errors import InputError
from legame.store import Workspace

#: The period pages open on: recent enough to be today's picture, long enough to count.
DEFAULT_PERIOD = "90d"
#: The ones the period picker offers (any Nd, year or range is accepted too).
PRESETS: tuple[str, ...] = ("30d", "90d", "365d", "all")
MAX_DAYS = 36_600
#: Where "all" begins: before any data a store can hold.
_EPOCH = datetime(1900, 1, 1)

_DAYS = re.compile(r"^([0-9]{1,5})d$")
_YEAR = re.compile(r"^([0-9]{4})$")
_RANGE = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})\.\.([0-9]{4}-[0-9]{2}-[0-9]{2})$")


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in UTC, the spec it was read from, and the previous period's start
    (None for ``all``: there is nothing before everything)."""

    spec: str
    start: datetime
    end: datetime
    previous_start: datetime | None

    @property
    def first_day(self) -> date | None:
        return None if self.start == _EPOCH else self.start.date()

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(days=1)).date()

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def params(self) -> dict[str, sql.Param]:
        """The bounds as query parameters: ``$start``, ``$end``, ``$previous_start``."""
        return {"start": self.start, "end": self.end, "previous_start": self.previous_start}

    def to_dict(self) -> dict[str, object]:
        previous = (
            None
            if self.previous_start is None
            else {"from": self.previous_start.date(), "to": self.start.date() - timedelta(days=1)}
        )
        return {
            "spec": self.spec,
            "from": self.first_day,
            "to": self.last_day,
            "days": None if self.first_day is None else self.days,
            "previous": previous,
        }


def data_span(
    ws: Workspace, *, today: date | None = None
) -> tuple[datetime | None, datetime | None]:
    """The earliest and the latest order, survey answer or ticket in the store, up to
    today (UTC); the latest is what a page means by "data as of". Nones for an empty store."""
    tomorrow = datetime.combine((today or datetime.now(UTC).date()) + timedelta(days=1), time.min)
    first, last = ws.con.execute(sql.render("period/data_as_of", before=tomorrow)).fetchall()[0]
    assert first is None or isinstance(first, datetime)
    assert last is None or isinstance(last, datetime)
    return first, last


def data_as_of(ws: Workspace, *, today: date | None = None) -> datetime | None:
    """The latest order, survey answer or ticket in the store, up to today (UTC)."""
    return data_span(ws, today=today)[1]


def parse_period(spec: str | None, as_of: datetime | date | None) -> Period:
    """The period a spec names, ending with the day of ``as_of`` (today when there is no
    data). A spec that is none of the forms above is an :class:`InputError` naming them."""
    text = (spec or DEFAULT_PERIOD).strip().lower()
    anchor = _day(as_of)
    if text == "all":
        return Period("all", _EPOCH, _midnight(anchor + timedelta(days=1)), None)
    if m := _DAYS.match(text):
        days = int(m.group(1))
        if not 1 <= days <= MAX_DAYS:
            raise _bad(spec, f"a number of days from 1 to {MAX_DAYS}")
        end = anchor + timedelta(days=1)
        return _span(text, end - timedelta(days=days), end)
    if m := _YEAR.match(text):
        year = int(m.group(1))
        if not 1900 < year < 3000:
            raise _bad(spec, "a year from 1901 to 2999")
        return _span(text, date(year, 1, 1), date(year + 1, 1, 1), date(year - 1, 1, 1))
    if m := _RANGE.match(text):
        try:
            first, last = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
        except ValueError:
            raise _bad(spec, "real days, written YYYY-MM-DD") from None
        if last < first:
            raise _bad(spec, "a first day on or before the last one")
        if first.year <= 1900 or last.year >= 3000:
            raise _bad(spec, "days from 1901 to 2999")
        return _span(text, first, last + timedelta(days=1))
    raise _bad(
        spec,
        "30d, 90d, 365d (any number of days), a year such as 2024, "
        "a range such as 2024-01-01..2024-03-31, or all",
    )


def _span(spec: str, first: date, end: date, previous_first: date | None = None) -> Period:
    """``[first, end)``; the previous period is as long, just before (a year's is the year
    before, whatever its length)."""
    start = _midnight(first)
    previous = _midnight(previous_first or first - (end - first))
    return Period(spec, start, _midnight(end), max(previous, _EPOCH + timedelta(days=1)))


def _day(value: datetime | date | None) -> date:
    if value is None:
        return datetime.now(UTC).date()
    return value.date() if isinstance(value, datetime) else value


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min)


def _bad(spec: str | None, wanted: str) -> InputError:
    return InputError(f"The period must be {wanted}. Got {spec!r} instead.")
