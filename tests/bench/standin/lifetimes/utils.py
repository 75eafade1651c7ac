"""``summary_data_from_transaction_data`` as lifetimes 0.11.3 computes it with ``freq="D"``:
orders on one day are one purchase; frequency is the purchase days after the first; recency
and T are days from the first purchase day to the last one and to the end of observation;
monetary_value is the mean spend of the purchase days after the first (0 without any)."""

from __future__ import annotations

import pandas as pd


def summary_data_from_transaction_data(
    transactions: pd.DataFrame,
    customer_id_col: str,
    datetime_col: str,
    *,
    monetary_value_col: str,
    observation_period_end: pd.Timestamp,
    freq: str = "D",
) -> pd.DataFrame:
    assert freq == "D", "the stand-in knows only freq='D'"
    orders = transactions.assign(day=pd.to_datetime(transactions[datetime_col]).dt.floor("D"))
    orders = orders[orders["day"] <= observation_period_end]
    days = orders.groupby([customer_id_col, "day"])[monetary_value_col].sum().reset_index()
    days = days.sort_values([customer_id_col, "day"])
    by = days.groupby(customer_id_col)
    first_day, last_day = by["day"].min(), by["day"].max()
    frequency = by["day"].count() - 1
    first_spend = by[monetary_value_col].first()
    repeat_spend = by[monetary_value_col].sum() - first_spend
    return pd.DataFrame(
        {
            "frequency": frequency.astype(float),
            "recency": (last_day - first_day).dt.days.astype(float),
            "T": (observation_period_end - first_day).dt.days.astype(float),
            "monetary_value": (repeat_spend / frequency.where(frequency > 0)).fillna(0.0),
        }
    )
