"""What every finding reads: the workspace, the as-of moment, the seed, and shared extracts.

Extracts come from the ``legame/sql/finding_*.sql`` queries (portable DuckDB SQL); the
statistics run in numpy. Timestamps become float *days* since the Unix epoch (NaN for
NULL), so windows are plain arithmetic: ``as_of - 180``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from legame.engine import Engine, EngineName, engine_for
from legame.errors import InputError
from legame.metrics import definitions as d
from legame.metrics.cutoff import default_as_of
from legame.store import Workspace
from legame.store.bookkeeping import has_table

FloatArray = npt.NDArray[np.float64]
T = TypeVar("T")
DAY_SECONDS = 86_400.0
_UNIT_PER_SECOND = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}


def days(col: pa.ChunkedArray | pa.Array) -> FloatArray:
    """A timestamp column as float days since 1970-01-01 (UTC), NULL as NaN."""
    unit = col.type.unit
    raw = pc.cast(col, pa.int64()).to_numpy(zero_copy_only=False)
    out = np.asarray(raw, dtype=float) / (_UNIT_PER_SECOND[unit] * DAY_SECONDS)
    nulls = pc.is_null(col).to_numpy(zero_copy_only=False)
    out[np.asarray(nulls, dtype=bool)] = np.nan
    return out


def numbers(col: pa.ChunkedArray | pa.Array) -> FloatArray:
    """A numeric column as float64, NULL as NaN."""
    return np.asarray(pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False), dtype=float)


def day_number(moment: datetime) -> float:
    """Days since the Unix epoch of a naive-UTC ``datetime``."""
    return (moment - datetime(1970, 1, 1)).total_seconds() / DAY_SECONDS


class Context:
    """One run of the findings: a workspace at an as-of moment, with a seed for bootstraps.

    ``as_of`` defaults to midnight after the day of the latest completed order up to today
    (the same cutoff ``legame score`` uses, :mod:`legame.metrics.cutoff`); a ``date`` means
    midnight at its start. ``None`` when there are no completed orders. Extracts are
    fetched once and shared by the findings, from ``engine`` (``engine_options`` as for
    :func:`legame.scoring.score`); ``close`` releases it.
    """

    def __init__(
        self,
        workspace: Workspace,
        *,
        seed: int = 0,
        as_of: date | datetime | None = None,
        engine: EngineName = "duckdb",
        engine_options: Mapping[str, object] | None = None,
    ) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise InputError(
                f"The 'seed' argument of compute_findings must be an integer "
                f">= 0. Got {seed!r} instead."
            )
        self.workspace = workspace
        self.seed = seed
        self._as_of_arg = as_of
        self._memo: dict[str, Any] = {}
        self.engine: Engine = engine_for(workspace, engine, **dict(engine_options or {}))

    @cached_property
    def as_of(self) -> datetime | None:
        value = self._as_of_arg
        if isinstance(value, datetime):  # the store keeps naive UTC timestamps
            return value if value.tzinfo is None else (value.astimezone(UTC).replace(tzinfo=None))
        if isinstance(value, date):
            return datetime.combine(value, time.min)
        if value is not None:
            raise InputError(f"as_of must be a date or a datetime; got {value!r}.")
        return default_as_of(self.workspace)

    @property
    def as_of_day(self) -> float:
        assert self.as_of is not None
        return day_number(self.as_of)

    @property
    def window_start(self) -> datetime:
        assert self.as_of is not None
        return self.as_of - timedelta(days=d.OUTCOME_WINDOW_DAYS)

    def rng(self, finding_id: str) -> np.random.Generator:
        """A generator of its own for each finding, from the run's seed and the finding's
        name: the findings' intervals do not depend on which others ran."""
        key = [ord(ch) for ch in finding_id]
        return np.random.default_rng(np.random.SeedSequence([self.seed, *key]))

    def fetch(self, query: str, **params: Any) -> pa.Table:
        """Run ``legame/sql/<query>.sql`` with ``as_of`` (and ``window_start``) filled in."""
        assert self.as_of is not None
        values = {"as_of": self.as_of, "window_start": self.window_start, **params}
        return self.engine.query(query, **values)

    @contextmanager
    def shared(self, table: str, columns: Sequence[str]) -> Iterator[None]:
        """While it lasts, ``fetch`` reads ``columns`` of the workspace's own ``table``
        (``customer_scores``) on any engine (:meth:`legame.engine.Engine.shared`)."""
        with self.engine.shared(table, columns):
            yield

    def close(self) -> None:
        """Release the engine (the workspace stays open)."""
        self.engine.close()

    def has_table(self, name: str) -> bool:
        return has_table(self.workspace, name)

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """``build()`` once per run; later calls with the same key reuse the result."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]  # type: ignore[no-any-return]
