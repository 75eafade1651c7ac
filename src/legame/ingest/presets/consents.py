"""Consent columns to consent events: ``[[exports.NAME.consents]]``.

Each entry makes at most one event per row of the export, for the ``consents`` table:
the row's customer, ``channel``, a status (``status``, fixed, or the word in ``column``
read through ``values``; a word whose value is ``""`` makes no event), at the first
non-empty time among ``at`` (columns a ``timestamp`` step has read). A row with no time,
an empty status column, or an empty column among ``needs`` (the phone number an SMS
consent is for) makes no event. ``reason`` is kept in the event's ``_extra``. Two entries
giving the same row the same channel and time make one event (the first entry's).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from legame.ingest.presets.frame import LINE, cleaned, text
from legame.ingest.presets.reader import Keys

#: The columns of the events, in the order the consents part stores them.
FIELDS = ("customer_id", "channel", "status", "at")
STATUSES = ("granted", "withdrawn")


@dataclass(frozen=True)
class Consent:
    channel: str
    at: tuple[str, ...]
    status: str | None = None
    column: str | None = None
    values: tuple[tuple[str, str], ...] = ()
    reason: str | None = None
    needs: tuple[str, ...] = ()

    def reads(self) -> tuple[str, ...]:
        return (*self.at, *((self.column,) if self.column else ()), *self.needs)

    def describe(self) -> str:
        words = ", ".join(f"{w} → {v or 'no event'}" for w, v in self.values)
        status = self.status or f"{self.column} ({words})"
        reason = f", reason {self.reason!r}" if self.reason else ""
        needs = f", if {' and '.join(self.needs)} given" if self.needs else ""
        return f"{self.channel}: {status} at {' or '.join(self.at)}{reason}{needs}"


def parse_consent(keys: Keys) -> Consent:
    keys.only("channel", "status", "column", "values", "at", "reason", "needs")
    status, column = keys.optional_text("status"), keys.optional_text("column")
    if (status is None) == (column is None):
        keys.fail("status", "give either status (granted or withdrawn) or column with values")
    if status is not None and status not in STATUSES:
        keys.fail("status", f"must be granted or withdrawn, got {status!r}")
    values = keys.words("values", required=column is not None)
    for word, value in values.items():
        if value not in (*STATUSES, ""):
            keys.fail(
                f"values.{word}",
                f'must be granted, withdrawn or "" (no event), got {value!r}',
            )
    return Consent(
        channel=keys.text("channel").lower(),
        at=keys.texts("at"),
        status=status,
        column=column,
        values=tuple(values.items()),
        reason=keys.optional_text("reason"),
        needs=keys.texts("needs", required=False),
    )


def consent_rows(frame: pa.Table, consents: tuple[Consent, ...], customer: str) -> pa.Table:
    """The events of the rows of ``frame``: ``_line``, the fields, and ``reason``."""
    parts = [_events(frame, c, customer) for c in consents]
    events = pa.concat_tables(parts) if parts else _empty()
    if events.num_rows < 2:
        return events
    seen: set[tuple[object, ...]] = set()
    keep = np.ones(events.num_rows, dtype=bool)
    keys = zip(*(events.column(n).to_pylist() for n in (LINE, "channel", "at")), strict=True)
    for i, key in enumerate(keys):
        keep[i] = key not in seen
        seen.add(key)
    return events.filter(pa.array(keep))


def _events(frame: pa.Table, consent: Consent, customer: str) -> pa.Table:
    at = pc.coalesce(*(cleaned(text(frame, c)) for c in consent.at))
    if consent.column is None:
        status = pa.array([consent.status] * frame.num_rows, pa.string())
    else:
        written = cleaned(text(frame, consent.column))
        words = pa.array([w for w, _ in consent.values], pa.string())
        targets = pa.array([v for _, v in consent.values], pa.string())
        # An unknown word is passed on, for validation to reject with the word itself.
        # A word mapped to "" makes no event.
        status = cleaned(
            pc.coalesce(pc.take(targets, pc.index_in(pc.utf8_lower(written), words)), written)
        )
    keep = pc.and_(pc.is_valid(at), pc.is_valid(status))
    for key in consent.needs:
        keep = pc.and_(keep, pc.is_valid(cleaned(text(frame, key))))
    n = frame.num_rows
    events = pa.table(
        {
            LINE: frame.column(LINE),
            "customer_id": text(frame, customer),
            "channel": pa.array([consent.channel] * n, pa.string()),
            "status": status,
            "at": at,
            "reason": pa.array([consent.reason] * n, pa.string()),
        }
    )
    return events.filter(keep)


def _empty() -> pa.Table:
    schema = pa.schema([(LINE, pa.int64()), *((n, pa.string()) for n in (*FIELDS, "reason"))])
    return schema.empty_table()
