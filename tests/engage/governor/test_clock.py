"""Wall clocks and instants: the daylight-saving edge cases of quiet hours."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from legame.engage.governor.clock import first_instant_at, parse_timestamp, quiet_state, to_utc
from legame.errors import InputError
from legame.policy import QuietHours


def test_a_skipped_wall_time_is_reached_when_the_clock_jumps_past_it() -> None:
    # Rome jumps from 02:00 CET to 03:00 CEST at 01:00 UTC on 2025-03-30: 02:30 never shows.
    assert first_instant_at(date(2025, 3, 30), time(2, 30), "Europe/Rome") == datetime(
        2025, 3, 30, 1, 0
    )


def test_a_repeated_wall_time_is_first_reached_at_its_first_showing() -> None:
    # Rome shows 02:30 twice on 2025-10-26: at 00:30 UTC (CEST) and at 01:30 UTC (CET).
    day, wall = date(2025, 10, 26), time(2, 30)
    assert first_instant_at(day, wall, "Europe/Rome") == datetime(2025, 10, 26, 0, 30)
    after_first = datetime(2025, 10, 26, 0, 45)
    assert first_instant_at(day, wall, "Europe/Rome", after=after_first) == datetime(
        2025, 10, 26, 1, 30
    )


def test_quiet_hours_ending_inside_the_repeated_hour_end_at_the_next_showing() -> None:
    quiet = QuietHours(True, time(1, 0), time(2, 30), "Europe/Rome")
    # 01:10 UTC is 02:10 CET, the second time round: quiet until 02:30 CET = 01:30 UTC.
    state = quiet_state(quiet, "Europe/Rome", datetime(2025, 10, 26, 1, 10))
    assert state.until == datetime(2025, 10, 26, 1, 30)


def test_daytime_quiet_hours_that_do_not_span_midnight() -> None:
    quiet = QuietHours(True, time(13, 0), time(15, 0), "UTC")
    assert quiet_state(quiet, "UTC", datetime(2025, 1, 1, 12, 59)).until is None
    assert quiet_state(quiet, "UTC", datetime(2025, 1, 1, 13, 0)).until == datetime(
        2025, 1, 1, 15, 0
    )
    assert quiet_state(quiet, "UTC", datetime(2025, 1, 1, 15, 0)).until is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-30T21:30", datetime(2025, 3, 30, 21, 30)),
        ("2025-03-30 21:30:00", datetime(2025, 3, 30, 21, 30)),
        ("2025-03-30T21:30:00Z", datetime(2025, 3, 30, 21, 30)),
        ("2025-03-30T23:30+02:00", datetime(2025, 3, 30, 21, 30)),
        ("2025-03-30", datetime(2025, 3, 30)),
    ],
)
def test_timestamps_with_or_without_offset_become_naive_utc(text: str, expected: datetime) -> None:
    assert parse_timestamp(text) == expected
    assert to_utc(text) == expected


def test_a_bad_timestamp_says_what_is_expected() -> None:
    with pytest.raises(InputError, match=r"--at must be an ISO timestamp .*got '30/03/2025'"):
        parse_timestamp("30/03/2025")
