"""Simulation time: days since the start (2024-01-01 00:00 UTC) as floats, and local time.

Timestamps are written in whole seconds (floored), in UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from legame.simulate.params import DAY_SECONDS, START

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

_START_SECONDS = int(START.timestamp())
#: Days padded around the simulated span for local-time conversions.
_PAD = 3


def to_epoch_seconds(days: F64) -> I64:
    """Unix seconds (UTC) of simulation days; NaN stays NaN-free by the caller's mask."""
    return np.floor(np.asarray(days, dtype=float) * DAY_SECONDS).astype(np.int64) + _START_SECONDS


def iso(days: float) -> str:
    """``YYYY-MM-DD HH:MM:SS`` of one simulation day value."""
    secs = int(np.floor(days * DAY_SECONDS))
    return (START + timedelta(seconds=secs)).strftime("%Y-%m-%d %H:%M:%S")


@lru_cache(maxsize=64)
def utc_offsets(time_zone: str, days: int) -> F64:
    """UTC offset (in days) of ``time_zone`` at local noon of each simulation day
    ``-3 .. days + 2`` (index ``day + 3``). Daylight-saving switches happen at night, so
    the noon offset holds from 03:00 to 24:00 local."""
    tz = ZoneInfo(time_zone)
    out = np.empty(days + 2 * _PAD)
    for i in range(out.size):
        noon = (START + timedelta(days=i - _PAD, hours=12)).replace(tzinfo=None)
        local = datetime(noon.year, noon.month, noon.day, 12, tzinfo=tz)
        off = local.utcoffset()
        out[i] = (off.total_seconds() if off is not None else 0.0) / DAY_SECONDS
    return out


def local_day_time_to_utc(
    local_day: I64, hour: F64, zones: list[str], zone_of: I64, days: int
) -> F64:
    """UTC simulation days of a local calendar day (index since start) and hour, for each
    row's time zone ``zones[zone_of[i]]``."""
    table = np.stack([utc_offsets(z, days) for z in zones])
    idx = np.clip(local_day + _PAD, 0, table.shape[1] - 1)
    return local_day + hour / 24.0 - table[zone_of, idx]


def utc_to_local_day(t: F64, zones: list[str], zone_of: I64, days: int) -> I64:
    """Local calendar day (index since start) of UTC simulation days ``t``."""
    table = np.stack([utc_offsets(z, days) for z in zones])
    approx = np.clip(np.floor(t).astype(np.int64) + _PAD, 0, table.shape[1] - 1)
    return np.floor(t + table[zone_of, approx]).astype(np.int64)
