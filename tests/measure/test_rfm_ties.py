"""RFM scores depend only on the values (issue 18, item 5): the quintile cuts fall where the
values change, so equal values get equal scores whatever the customers' ids."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pyarrow as pa

from legame.metrics.rfm import rfm_cuts


def test_cuts_fall_where_values_change_and_ties_share_a_score() -> None:
    frequency = np.array([0, 0, 0, 0, 0, 0, 1, 1, 2, 5])
    keys = pa.table(
        {
            "last_order_at": pa.array([datetime(2025, 1, 1)] * 10),
            "frequency": pa.array(frequency, pa.int64()),
            "revenue": pa.array(np.arange(10, dtype=np.float64)),
        }
    )
    cuts = rfm_cuts(keys)
    # NTILE(5) starts quintiles at positions 2, 4, 6, 8; the cut is the value just before
    assert [cuts[f"f{b}"] for b in range(2, 6)] == [0, 0, 0, 1]
    scores = 1 + sum((frequency > cuts[f"f{b}"]).astype(int) for b in range(2, 6))
    assert list(scores) == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]
    # one last-order time for all: every customer in the first recency quintile
    assert all(cuts[f"r{b}"] == datetime(2025, 1, 1) for b in range(2, 6))
    # distinct revenues: plain NTILE
    assert [cuts[f"m{b}"] for b in range(2, 6)] == [1.0, 3.0, 5.0, 7.0]


def test_fewer_customers_than_quintiles_leave_the_upper_cuts_empty() -> None:
    keys = pa.table(
        {
            "last_order_at": pa.array([datetime(2025, 1, d) for d in (3, 1, 2)]),
            "frequency": pa.array([3, 1, 2], pa.int64()),
            "revenue": pa.array([3.0, 1.0, 2.0]),
        }
    )
    cuts = rfm_cuts(keys)
    assert [cuts[f"f{b}"] for b in range(2, 6)] == [1, 2, None, None]
