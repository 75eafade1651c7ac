"""``rfm_summary`` as PyMC-Marketing 0.19.2 computes it with ``time_unit="D"``: orders on one
day are one purchase; frequency is the purchase days after the first; recency and T are days
from the first purchase day to the last one and to the end of observation, divided by
``time_scaler``."""

from __future__ import annotations

import pandas as pd


def rfm_summary(
    transactions: pd.DataFrame,
    customer_id_col: str,
    datetime_col: str,
    *,
    observation_period_end: pd.Timestamp,
    time_unit: str = "D",
    time_scaler: float = 1.0,
) -> pd.DataFrame:
    assert time_unit == "D", "the stand-in knows only time_unit='D'"
    end = pd.Timestamp(observation_period_end).floor("D")
    days = transactions.assign(day=pd.to_datetime(transactions[datetime_col]).dt.floor("D"))
    days = days[days["day"] <= end].drop_duplicates([customer_id_col, "day"])
    by = days.groupby(customer_id_col)["day"]
    first, last, count = by.min(), by.max(), by.count()
    return pd.DataFrame(
        {
            "customer_id": first.index,
            "frequency": (count - 1).to_numpy(float),
            "recency": ((last - first).dt.days / time_scaler).to_numpy(float),
            "T": ((end - first).dt.days / time_scaler).to_numpy(float),
        }
    )
