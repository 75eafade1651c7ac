"""The default cutoff of the analyses: the day of the latest completed order, up to today.

The score fits its models on the orders up to that day, and the findings look back from
midnight after it, so both describe the same moment. An order dated in the future (a typo
such as 2099) never moves the cutoff past today, where every customer would look long
gone; :func:`future_orders` says how many such orders were left out.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from legame import sql
from legame.store import Workspace


def _tomorrow(today: date | None) -> datetime:
    return datetime.combine((today or datetime.now(UTC).date()) + timedelta(days=1), time.min)


def last_order_day(workspace: Workspace, *, today: date | None = None) -> date | None:
    """The day of the latest completed order on or before ``today`` (default: today in
    UTC); None when there is none."""
    found = workspace.con.execute(sql.render("last_order_day", before=_tomorrow(today))).fetchall()[
        0
    ][0]
    assert found is None or isinstance(found, date)
    return found


def default_as_of(workspace: Workspace, *, today: date | None = None) -> datetime | None:
    """The moment the findings and the engagement page look back from: midnight after
    :func:`last_order_day` (where the score's windows end too); None without orders."""
    last = last_order_day(workspace, today=today)
    return None if last is None else datetime.combine(last + timedelta(days=1), time.min)


def future_orders(workspace: Workspace, *, today: date | None = None) -> int:
    """Completed orders dated after ``today`` (UTC): what the default cutoff leaves out."""
    return int(
        workspace.con.execute(sql.render("future_orders", before=_tomorrow(today))).fetchall()[0][0]
    )
