"""Preference links for a whole audience: a one-column file of customer ids in, a file of
``customer_id,link`` out.

The first line may be the header ``customer_id`` (in any case). An id that cannot be one
(empty, a control character) or that names no customer is reported with its line number,
and the rest go on.
"""

from __future__ import annotations

import csv
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from legame.engage.governor.clock import to_utc
from legame.engage.preferences.links import (
    DEFAULT_BASE_URL,
    DEFAULT_DAYS,
    PAGE_PATH,
    check_base_url,
    check_days,
    ensure_key,
    known_customers,
    sign,
)
from legame.engage.preferences.store import policy_of
from legame.errors import InputError
from legame.ingest.ids import clean_customer_id
from legame.store import Workspace


@dataclass(frozen=True)
class LinksWritten:
    """What :func:`write_links` did: the file, the links in it, and each line left out
    (its number and why)."""

    out: Path
    written: int
    expires_at: datetime
    skipped: list[tuple[int, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "out": str(self.out),
            "written": self.written,
            "expires_at": self.expires_at,
            "skipped": [{"line": line, "reason": why} for line, why in self.skipped],
        }


def read_ids(path: Path) -> list[tuple[int, str]]:
    """``(line number, text)`` of each non-blank line's first field, without a header."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = [(i, row) for i, row in enumerate(csv.reader(handle), start=1)]
    except FileNotFoundError:
        raise InputError(f"{path}: no such file.") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason}); save it as UTF-8.") from None
    out = [(i, row[0] if row else "") for i, row in rows if any(cell.strip() for cell in row)]
    if out and out[0][1].strip().lower().replace(" ", "_") == "customer_id":
        out = out[1:]
    return out


def write_links(
    ws: Workspace,
    audience: Path,
    out: Path,
    *,
    now: datetime,
    days: int = DEFAULT_DAYS,
    base_url: str = DEFAULT_BASE_URL,
) -> LinksWritten:
    """Write ``customer_id,link`` to ``out`` for each customer of ``audience`` (see the
    module's docstring); the links work for ``days`` days from ``now``."""
    check_days(days)
    base = check_base_url(base_url)
    now = to_utc(now, name="now")
    case = policy_of(ws).ingest.customer_id_case
    skipped: list[tuple[int, str]] = []
    ids: list[tuple[int, str]] = []
    for line, text in read_ids(audience):
        try:
            ids.append((line, clean_customer_id(text, case=case)))
        except InputError as exc:
            skipped.append((line, str(exc)))
    known = known_customers(ws, [cid for _, cid in ids])
    expires = now.replace(microsecond=0) + timedelta(days=days)
    key_id, secret = ensure_key(ws, now)
    written = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    # Written beside ``out`` and renamed over it: a reader (or a crash) never meets half a
    # file of links.
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["customer_id", "link"])
            for line, cid in ids:
                if cid not in known:
                    skipped.append((line, f"no customer {cid!r} in the workspace"))
                    continue
                token = sign(key_id, secret, cid, expires)
                writer.writerow([cid, f"{base}{PAGE_PATH}{token}"])
                written += 1
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return LinksWritten(out, written, expires, sorted(skipped))
