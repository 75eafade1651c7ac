"""The chunked transactions generator, and the purchase process against BG/NBD theory."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from scipy.special import hyp2f1

from legame.errors import InputError
from legame.simulate import PURE_PROCESS_EFFECTS_OFF, TRANSACTION_COLUMNS, transactions
from legame.simulate.params import Effects, WorldParams
from legame.simulate.streams import Streams
from legame.simulate.transactions import BLOCK
from legame.simulate.world import build_world

P = WorldParams()
START = 1704067200  # 2024-01-01 00:00:00 UTC


def _all(n: int, chunk: int, seed: int = 4) -> pa.Table:
    return pa.concat_tables(list(transactions(n, seed=seed, chunk_customers=chunk)))


def _expected_repeat_purchases(t_weeks: np.ndarray) -> np.ndarray:
    """BG/NBD E[X(t)] (Fader, Hardie & Lee 2005, eq. 9)."""
    r, alpha, a, b = P.bgnbd_r, P.bgnbd_alpha, P.bgnbd_a, P.bgnbd_b
    return (
        (a + b - 1)
        / (a - 1)
        * (
            1
            - (alpha / (alpha + t_weeks)) ** r
            * hyp2f1(r, b, a + b - 1, t_weeks / (alpha + t_weeks))
        )
    )


def test_chunk_size_does_not_change_the_rows() -> None:
    n = BLOCK + 4_000  # two blocks
    whole = _all(n, n)
    for chunk in (25_000, BLOCK + 1, 7_919):
        assert _all(n, chunk).equals(whole), chunk
    sizes = [t.num_rows for t in transactions(n, seed=4, chunk_customers=30_000)]
    assert len(sizes) == 3 and sum(sizes) == whole.num_rows


def test_first_customers_do_not_depend_on_how_many_are_drawn() -> None:
    small = _all(500, 500)
    large = _all(3000, 1000)
    assert large.slice(0, small.num_rows).equals(small)


def test_seeds_give_different_rows() -> None:
    assert not _all(500, 500, seed=1).equals(_all(500, 500, seed=2))


def test_columns_types_and_ids() -> None:
    t = _all(2000, 700)
    assert t.column_names == list(TRANSACTION_COLUMNS)
    assert t.schema.field("ordered_at").type == pa.timestamp("s")
    assert t.schema.field("amount").type == pa.decimal128(18, 2)
    ids = t["order_id"].to_pylist()
    assert ids[0] == "O0000000001" and ids[-1] == f"O{t.num_rows:010d}"
    custs = t["customer_id"].to_pylist()
    assert custs[0] == "C000001" and len(set(custs)) == 2000
    secs = t["ordered_at"].cast(pa.int64()).to_numpy()
    assert secs.min() >= START and secs.max() < START + P.days * 86400
    assert pc.min(t["amount"]).as_py() > 0


def test_rows_follow_bgnbd_expected_purchases_and_gamma_gamma_spend() -> None:
    """E[X(T)] from the BG/NBD closed form, averaged over each customer's T; mean spend
    p * gamma / (q - 1) = 40. 200,000 customers: the SE of the mean count is ~0.02."""
    n = 200_000
    t = _all(n, n, seed=9)
    secs = t["ordered_at"].cast(pa.int64()).to_numpy()
    cust = np.unique(np.asarray(t["customer_id"].to_pylist()), return_inverse=True)[1]
    first = np.full(n, np.inf)
    np.minimum.at(first, cust, secs)
    t_weeks = (START + P.days * 86400 - first) / (7 * 86400)
    repeats = np.bincount(cust, minlength=n) - 1
    assert abs(repeats.mean() - _expected_repeat_purchases(t_weeks).mean()) < 0.08
    no_repeat = ((P.bgnbd_alpha / (P.bgnbd_alpha + t_weeks)) ** P.bgnbd_r).mean()
    assert abs((repeats == 0).mean() - no_repeat) < 0.005
    amount = np.asarray(t["amount"].cast(pa.float64()).to_numpy())
    assert abs(amount.mean() - P.gg_p * P.gg_gamma / (P.gg_q - 1)) < 0.4


def test_simulated_orders_follow_the_same_process_when_effects_are_neutral() -> None:
    n = 100_000
    world = build_world(n, P, Effects(frozenset(PURE_PROCESS_EFFECTS_OFF)), Streams(8))
    t_weeks = (P.end_day - world.pop.birth) / 7.0
    repeats = world.hist.n_orders - 1
    assert abs(repeats.mean() - _expected_repeat_purchases(t_weeks).mean()) < 0.1
    no_repeat = ((P.bgnbd_alpha / (P.bgnbd_alpha + t_weeks)) ** P.bgnbd_r).mean()
    assert abs((repeats == 0).mean() - no_repeat) < 0.007
    assert abs(world.hist.order_amount.mean() - 40.0) < 0.5


def test_effects_change_the_simulated_orders() -> None:
    n = 50_000
    neutral = build_world(n, P, Effects(frozenset(PURE_PROCESS_EFFECTS_OFF)), Streams(8))
    default = build_world(n, P, Effects(), Streams(8))
    # connected customers buy 4x as often while alive: more orders overall (measured 1.24x,
    # with the marketplace customers' fewer purchases and earlier dropout; 1.34x without)
    assert default.hist.order_cust.size > 1.15 * neutral.hist.order_cust.size


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_customers": 0, "seed": 1},
        {"n_customers": 10, "seed": -1},
        {"n_customers": 10, "seed": 1, "chunk_customers": 0},
        {"n_customers": 2.5, "seed": 1},
    ],
)
def test_bad_arguments_raise_input_error(kwargs: dict[str, object]) -> None:
    with pytest.raises(InputError, match="must be an integer"):
        next(transactions(**kwargs))  # type: ignore[arg-type]
