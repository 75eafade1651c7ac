"""Instants and wall clocks: naive UTC in the store, local time for quiet hours.

Every instant the governor handles is a naive ``datetime`` in UTC, like the store's
timestamps, between :data:`EARLIEST` and :data:`LATEST` (windows of up to a century reach
either side of an instant, and Python's datetimes end at the years 1 and 9999). Quiet hours
are wall-clock times in the customer's own zone, so the local time of an instant and the
first instant a local clock reads a given time are computed with ``zoneinfo``, which is
exact across daylight-saving changes (a skipped hour in March, a repeated one in October).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from legame.errors import InputError
from legame.policy import QuietHours, valid_zone

#: The first and the last instant (naive UTC) legame computes with.
EARLIEST = datetime(1900, 1, 1)
LATEST = datetime(2999, 12, 31, 23, 59, 59, 999999)


def utc_now() -> datetime:
    """Now, as a naive UTC instant (microseconds dropped, as a log would keep them)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def to_utc(at: datetime | str | None, *, name: str = "at") -> datetime:
    """A naive UTC instant from a datetime (naive = UTC) or an ISO 8601 string; None = now."""
    if at is None:
        return utc_now()
    if isinstance(at, str):
        at = parse_timestamp(at, name=name)
    if not isinstance(at, datetime):
        raise InputError(f"{name} must be a datetime or an ISO timestamp; got {at!r}.")
    return in_range(at, name=name)


def parse_timestamp(text: str, *, name: str = "--at") -> datetime:
    """Parse an ISO 8601 timestamp, with or without offset (without: UTC), to naive UTC."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"{name} must be an ISO timestamp such as 2025-03-30T21:30 (UTC) or "
            f"2025-03-30T21:30+02:00; got {text!r}."
        ) from None
    return in_range(parsed, name=name)


def in_range(at: datetime, *, name: str = "at") -> datetime:
    """``at`` as a naive UTC instant (naive = UTC already); an ``InputError`` when it lies
    outside :data:`EARLIEST` .. :data:`LATEST`, where legame's arithmetic would overflow."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    # Aware datetimes compare without converting, so year 1 at +14:00 raises no OverflowError.
    if not EARLIEST.replace(tzinfo=UTC) <= aware <= LATEST.replace(tzinfo=UTC):
        raise InputError(
            f"{name} {at.isoformat()} is outside the range of instants legame computes with: "
            f"{EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d} (UTC)."
        )
    return aware.astimezone(UTC).replace(tzinfo=None)


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone_for(name: str | None, default: str) -> str:
    """The zone a customer's quiet hours use: their own if valid, else the default."""
    return name if name is not None and valid_zone(name) else default


def local_time(instant: datetime, zone_name: str) -> datetime:
    """The naive local wall-clock time of a naive UTC instant in ``zone_name``."""
    return instant.replace(tzinfo=UTC).astimezone(zone(zone_name)).replace(tzinfo=None)


def first_instant_at(
    day: date, wall: time, zone_name: str, *, after: datetime | None = None
) -> datetime:
    """The first UTC instant (later than ``after``) when the local clock on ``day`` reads ``wall``.

    On an ordinary day that is the one instant showing ``wall``. When ``wall`` is repeated
    (clocks go back) it is the first of the two still later than ``after``; when ``wall``
    is skipped (clocks go forward) it is the end of the gap, when the clock jumps past it.
    """
    tz = zone(zone_name)
    naive = datetime.combine(day, wall)
    readings = sorted(
        naive.replace(tzinfo=tz, fold=fold).astimezone(UTC).replace(tzinfo=None) for fold in (0, 1)
    )
    shown = [u for u in readings if local_time(u, zone_name) == naive]
    if shown:
        later = [u for u in shown if after is None or u > after]
        return later[0] if later else shown[-1]
    # ``wall`` is skipped that day: the gap ends between the two readings, on a whole second.
    lo, hi = 0, int((readings[1] - readings[0]).total_seconds())
    while lo < hi:
        mid = (lo + hi) // 2
        if local_time(readings[0] + timedelta(seconds=mid), zone_name) >= naive:
            hi = mid
        else:
            lo = mid + 1
    return readings[0] + timedelta(seconds=lo)


@dataclass(frozen=True)
class QuietState:
    """Quiet hours at one instant in one zone: whether quiet, local time, and when it ends."""

    zone: str
    local: datetime
    until: datetime | None  # None when not quiet


def quiet_state(quiet: QuietHours, zone_name: str, instant: datetime) -> QuietState:
    """Whether ``instant`` falls in the quiet hours in ``zone_name``, and when they end."""
    local = local_time(instant, zone_name)
    if not quiet.is_quiet(local.time()):
        return QuietState(zone_name, local, None)
    day = local.date()
    if quiet.start > quiet.end and local.time() >= quiet.start:
        day += timedelta(days=1)  # quiet hours spanning midnight end tomorrow
    return QuietState(zone_name, local, first_instant_at(day, quiet.end, zone_name, after=instant))
