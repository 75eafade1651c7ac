"""The RFM segment at a gesture follows the rule of every other surface: equal recency and
frequency, equal segment, whatever order the rows come in (NTILE alone split a run of
equal values at a quintile's start in the order the rows came, which differed between
runs: a test comparing the experiment's output with and without a server failed on it)."""

from __future__ import annotations

from datetime import datetime, timedelta

from legame.experiments.gestures import units
from legame.metrics import definitions as d
from legame.store import Workspace
from tests.engage.governor.log import add

GIVEN = datetime(2025, 3, 1)
AT = GIVEN + timedelta(days=d.GRATITUDE_FOLLOWUP_DAYS + 1)


def _gestures(ws: Workspace, order: list[int]) -> None:
    for k in order:
        cid = f"c{k:02d}"
        # one order for the first ten customers, two for the other ten, the last of them
        # ten days before the gesture: runs of equal values straddling quintile starts
        for j in range(1 if k < 10 else 2):
            add(
                ws,
                "orders",
                order_id=f"o{k:02d}{j}",
                customer_id=cid,
                ordered_at=GIVEN - timedelta(days=10 + j),
                amount=10,
                status="completed",
            )
        add(
            ws,
            "gestures",
            gesture_id=f"g{k:02d}",
            customer_id=cid,
            kind="thank_you_note",
            given_at=GIVEN,
            arm="treatment",
        )


def _segments(ws: Workspace) -> dict[str, str]:
    table = units(ws, AT)
    return dict(zip(table["gesture_id"].to_pylist(), table["rfm_segment"].to_pylist(), strict=True))


def test_equal_histories_have_one_segment_in_any_order(tmp_path) -> None:
    found = []
    for name, order in (("up", list(range(20))), ("down", list(range(19, -1, -1)))):
        with Workspace.create(tmp_path / f"{name}.duckdb") as ws:
            _gestures(ws, order)
            found.append(_segments(ws))
    assert found[0] == found[1]
    one, two = ({found[0][f"g{k:02d}"] for k in ks} for ks in (range(10), range(10, 20)))
    assert len(one) == 1 and len(two) == 1, found[0]
    # all 20 last bought 10 days before: recency quintile 1 for all (NTILE alone: 1 to 5);
    # one order is frequency quintile 1, two orders start at position 10, quintile 3
    assert (one, two) == ({"hibernating"}, {"at risk"})
