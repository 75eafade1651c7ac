"""Aggregates kept between requests while the data they come from stays the same.

The overview's figures (a period's headline, NPS trend, the breakdowns by segment, channel
and country), the engagement page and the gesture plan cost seconds at millions of
customers and change only when the data does: on an import (a new batch; governor sends
and recorded gestures make one too), an erasure, or a score (a new definition of
``customer_scores``). :func:`cached` keys each result by those three (:func:`data_stamp`,
three small queries) and by what was asked, so a result is reused only while it is still
exact; the server computes the default overview once as it starts (``legame.api.app``), so
the first visitor does not wait either.

What was asked must hold everything else a result depends on: a read "up to today" (the
periods, the findings' cutoff) keys on :func:`today`; a read of the policy file keys on
its content (:func:`policy_stamp`, or the loaded policy's values, which are hashable).
Data written by reads themselves (cases, comment languages, sessions, keys) makes no batch:
what reads it is not kept here.
"""

from __future__ import annotations

import copy
import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from legame import sql
from legame.policy import policy_path_for
from legame.store import Workspace

T = TypeVar("T")
#: Results kept per process (least recently used first out).
MAX_ENTRIES = 64

_kept: OrderedDict[tuple[Hashable, Hashable], Any] = OrderedDict()
_guard = threading.Lock()


def data_stamp(ws: Workspace) -> tuple[Any, ...]:
    """The latest batch, the erasures so far and the scores' definition (hashed)."""
    batch, erasures, scores = ws.con.execute(sql.render("views/data_stamp")).fetchall()[0]
    digest = hashlib.sha256((scores or "").encode()).hexdigest()
    return (os.path.realpath(ws.path), batch, erasures, digest)


def today() -> date:
    """Today in UTC: the day a read "up to today" stops at (the key of such a read holds
    it, and the read is computed for that same day)."""
    return datetime.now(UTC).date()


def policy_stamp(ws: Workspace) -> str:
    """The workspace's policy file (``legame.toml``), hashed: ``missing`` without one. An
    edit (``PUT /api/v1/policy`` too) changes it at once."""
    try:
        content = policy_path_for(ws.path).read_bytes()
    except FileNotFoundError:
        return "missing"
    except OSError as exc:  # unreadable: its own key; the read itself says why, if it reads it
        return f"unreadable: {type(exc).__name__}"
    return hashlib.sha256(content).hexdigest()


def cached(
    ws: Workspace,
    key: Hashable,
    compute: Callable[[], T],
    *,
    keep_at_most: int | None = None,
) -> T:
    """``compute()``, or what it gave last time for ``key`` on the same data.

    The value is the kept one, not a copy: a caller that changes what it gets uses
    :func:`cached_copy`. ``keep_at_most`` bounds the entries kept whose key begins like
    this one (``key[0]``, for large values such as the gesture plan)."""
    full = (data_stamp(ws), key)
    with _guard:
        if full in _kept:
            _kept.move_to_end(full)
            return _kept[full]  # type: ignore[no-any-return]
    value = compute()
    with _guard:
        _kept[full] = value
        _kept.move_to_end(full)
        if keep_at_most is not None:
            kind = _kind(key)
            alike = [entry for entry in _kept if _kind(entry[1]) == kind]  # (stamp, key)
            for oldest in alike[: max(0, len(alike) - keep_at_most)]:
                del _kept[oldest]
        while len(_kept) > MAX_ENTRIES:
            _kept.popitem(last=False)
    return value


def cached_copy(ws: Workspace, key: Hashable, compute: Callable[[], T]) -> T:
    """:func:`cached`, as a deep copy the caller may change: the kept value stays as it was
    computed."""
    return copy.deepcopy(cached(ws, key, compute))


def _kind(key: Hashable) -> Hashable:
    return key[0] if isinstance(key, tuple) and key else key


def forget_all() -> None:
    """Drop every kept result (tests; a store replaced under a running process)."""
    with _guard:
        _kept.clear()
