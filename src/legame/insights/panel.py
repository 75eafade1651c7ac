"""The per-customer panel three findings share: value before and in the outcome window, and
the voice (NPS, CSAT, emotional connection) of the latest survey answer before it.

Follows the estimands of ``legame.simulate.truth`` and ``definitions``: the outcome window is
``[as_of - 180 days, as_of)``; *retained* means at least one completed order in it; the
survey answer used is the customer's latest one answered before the window starts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from legame.insights.context import Context, days, numbers
from legame.metrics import definitions as d
from legame.store.schema import MOTIVATORS

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Panel:
    customer_id: list[str]
    orders_before: FloatArray
    spend_before: FloatArray
    orders_window: FloatArray
    revenue_window: FloatArray
    surveyed: BoolArray  # has an answer before the window
    nps: FloatArray  # of that answer (NaN: skipped or no answer)
    csat: FloatArray
    index: FloatArray  # emotional connection index 0-100 (NaN: unknown)

    @property
    def retained(self) -> BoolArray:
        return np.asarray(self.orders_window >= d.RETENTION_MIN_ORDERS)

    @property
    def aov(self) -> FloatArray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(
                self.orders_before > 0,
                self.spend_before / np.maximum(self.orders_before, 1),
                np.nan,
            )

    @property
    def size(self) -> int:
        return int(self.orders_before.size)


def connection_index_partial(items: FloatArray) -> FloatArray:
    """``definitions.connection_index`` over the items answered (NaN: skipped), or NaN
    with fewer than ``d.MIN_MOTIVATOR_ITEMS`` answered. Equal to the definition when all ten
    are there."""
    answered = np.sum(~np.isnan(items), axis=1)
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(np.where(answered[:, None] > 0, items, 0.0), axis=1)
    index = (mean - 1.0) / 4.0 * 100.0
    full = answered == items.shape[1]
    if full.any():
        index[full] = d.connection_index(items[full])
    return np.where(answered >= d.MIN_MOTIVATOR_ITEMS, index, np.nan)


def panel(ctx: Context) -> Panel:
    """The panel of one run (built once per context)."""
    return ctx.memo("panel", lambda: _build(ctx))


def _build(ctx: Context) -> Panel:
    t = ctx.fetch("finding_customer_panel")
    items = (
        np.stack([numbers(t[m]) for m in MOTIVATORS], axis=1)
        if t.num_rows
        else (np.zeros((0, len(MOTIVATORS))))
    )
    answered = ~np.isnan(days(t["answered_at"]))
    return Panel(
        customer_id=t["customer_id"].to_pylist(),
        orders_before=numbers(t["orders_before"]),
        spend_before=numbers(t["spend_before"]),
        orders_window=numbers(t["orders_window"]),
        revenue_window=numbers(t["revenue_window"]),
        surveyed=answered,
        nps=numbers(t["nps"]),
        csat=numbers(t["csat"]),
        index=np.where(answered, connection_index_partial(items), np.nan),
    )
