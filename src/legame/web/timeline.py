"""The customer 360's timeline as the page and its chart show it.

Each event of ``views/customer_timeline`` becomes a row in the reader's language: its
detail said with the catalogue's families (an order's status and channel, a ticket's
category and whether it was resolved, a fee's kind and whether it was waived...), its
amount as money in the workspace's currency, and its CSAT and NPS in columns of their own.
Free text (a survey comment, a gesture's reason) is marked with the language it is written
in (:mod:`legame.web.texts`). Times are UTC, as stored, and the page says so.

The table shows :data:`EVENTS_PER_PAGE` events a page, the latest first, and pages through
all of them; the chart shows every event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from legame.store import Workspace
from legame.web.i18n import Catalogue
from legame.web.texts import text_language

Event = dict[str, Any]
EVENTS_PER_PAGE = 50
#: More events than any one customer has: the limit of the query that reads them all.
ALL_EVENTS = 10_000_000


def all_events(ws: Workspace, customer_id: str, first: list[Event], limit: int) -> list[Event]:
    """Every event of the customer: ``first`` (what ``customer_360`` read, at most ``limit``
    events) when it holds them all, else all of them, read again without a limit."""
    if len(first) < limit:
        return first
    from legame.views._store import records

    return records(ws, "views/customer_timeline", [customer_id], limit=ALL_EVENTS)


def detail(event: Event, c: Catalogue) -> list[str]:
    """The parts of an event's detail, each in ``c``'s language (a value the catalogue does
    not know shows as it is stored)."""
    say = _DETAILS.get(str(event.get("kind")))
    return [part for part in say(event, c) if part] if say else []


def _label(c: Catalogue, family: str, value: object) -> str:
    return "" if value is None else c.label(family, value)


def _order(e: Event, c: Catalogue) -> list[str]:
    return [_label(c, "order_status", e["status"]), _label(c, "channel", e["channel"])]


def _ticket(e: Event, c: Catalogue) -> list[str]:
    return [
        _label(c, "ticket_category", e["topic"]),
        _label(c, "channel", e["channel"]),
        _label(c, "ticket_status", e["status"]),
    ]


def _message(e: Event, c: Catalogue) -> list[str]:
    campaign = c.t("timeline.campaign", campaign=e["ref"]) if e["ref"] else ""
    return [_label(c, "channel", e["channel"]), campaign, _label(c, "message_status", e["status"])]


def _gesture(e: Event, c: Catalogue) -> list[str]:
    return [_label(c, "gesture_kind", e["topic"]), _label(c, "arm", e["arm"])]


def _charge(e: Event, c: Catalogue) -> list[str]:
    return [_label(c, "fee", e["topic"]), _label(c, "charge_status", e["status"])]


def _referral(e: Event, c: Catalogue) -> list[str]:
    if e["ref"]:
        return [c.t("timeline.referred", customer=e["ref"])]
    return [c.t("timeline.someone_new")]


_DETAILS: dict[str, Callable[[Event, Catalogue], list[str]]] = {
    "order": _order,
    "ticket": _ticket,
    "survey": lambda e, c: [],
    "message": _message,
    "gesture": _gesture,
    "charge": _charge,
    "referral": _referral,
}


def row(event: Event, c: Catalogue, *, detect: bool = True) -> dict[str, Any]:
    """What the table (and the chart's tooltip) shows of one event, formatted; the note's
    language is detected only when ``detect`` (the chart's tooltips cannot carry one)."""
    note = event.get("note") or None
    return {
        "at": c.datetime(event["at"]),
        "kind": c.label("kind", event["kind"]),
        "id": event["id"],
        "detail": " · ".join(detail(event, c)),
        "note": note,
        "note_lang": text_language(note) if note and detect else "",
        "amount": "" if event.get("amount") is None else c.money(event["amount"]),
        "csat": "" if event.get("csat") is None else c.num(event["csat"]),
        "nps": "" if event.get("nps") is None else c.num(event["nps"]),
    }


@dataclass(frozen=True)
class TimelinePage:
    """One page of the timeline's table: its rows, and where it sits among the pages."""

    rows: list[dict[str, Any]]
    number: int
    pages: int
    first: int  # 1-based position of its first event, 0 when there are none
    last: int
    total: int


def page_of(
    events: Sequence[Event], number: int, c: Catalogue, *, size: int = EVENTS_PER_PAGE
) -> TimelinePage:
    """Page ``number`` (1-based; past the last page: the last) of the events, latest first."""
    total = len(events)
    pages = max(1, -(-total // size))
    number = min(max(number, 1), pages)
    start = (number - 1) * size
    shown = events[start : start + size]
    return TimelinePage(
        rows=[row(e, c) for e in shown],
        number=number,
        pages=pages,
        first=start + 1 if shown else 0,
        last=start + len(shown),
        total=total,
    )


def page_links(page: TimelinePage, url: Callable[[int], str]) -> dict[str, Any]:
    """The pager's links: ``newer`` and ``older`` (when there are such pages) and every
    page's ``{"number", "url", "current"}``; ``url(n)`` is page ``n``'s address."""
    links: dict[str, Any] = {
        "pages": [
            {"number": n, "url": url(n), "current": n == page.number}
            for n in range(1, page.pages + 1)
        ]
    }
    if page.number > 1:
        links["newer"] = url(page.number - 1)
    if page.number < page.pages:
        links["older"] = url(page.number + 1)
    return links
