"""Aggregates kept between requests while the data they come from stays the same.

The overview's figures (a period's headline, NPS trend, the breakdowns by segment, channel
and country) cost seconds at millions of customers and change only when the data does: on
an import (a new batch), an erasure, or a score (a new definition of ``customer_scores``).
:func:`cached` keys each result by those three (:func:`data_stamp`, three small queries)
and by what was asked, so a result is reused only while it is still exact; the server
computes the default overview once as it starts (:func:`warm`), so the first visitor does
not wait either.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from legame import sql
from legame.store import Workspace

T = TypeVar("T")
#: Results kept per process (least recently used first out).
MAX_ENTRIES = 64

_kept: OrderedDict[Hashable, Any] = OrderedDict()
_guard = threading.Lock()


def data_stamp(ws: Workspace) -> tuple[Any, ...]:
    """The latest batch, the erasures so far and the scores' definition (hashed)."""
    batch, erasures, scores = ws.con.execute(sql.render("views/data_stamp")).fetchall()[0]
    digest = hashlib.sha256((scores or "").encode()).hexdigest()
    return (os.path.realpath(ws.path), batch, erasures, digest)


def cached(ws: Workspace, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or what it gave last time for ``key`` on the same data."""
    full = (data_stamp(ws), key)
    with _guard:
        if full in _kept:
            _kept.move_to_end(full)
            return _kept[full]  # type: ignore[no-any-return]
    value = compute()
    with _guard:
        _kept[full] = value
        while len(_kept) > MAX_ENTRIES:
            _kept.popitem(last=False)
    return value


def forget_all() -> None:
    """Drop every kept result (tests; a store replaced under a running process)."""
    with _guard:
        _kept.clear()
