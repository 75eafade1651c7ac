"""The shared definitions the simulator's truth and the findings both use."""

from __future__ import annotations

import numpy as np

from legame.metrics import definitions as d

NAN = np.nan


def test_ticket_is_poor_on_each_rule_and_its_boundary() -> None:
    resp = [47.9, 48.0, 48.1, 1.0, 1.0, 1.0, 1.0, NAN, NAN]
    reso = [1.0, 1.0, 1.0, 7.0, 7.01, NAN, 1.0, NAN, NAN]
    csat = [5, 5, 5, 3, 3, 3, 2, NAN, NAN]
    age = [30, 30, 30, 30, 30, 30, 30, 1.5, 2.5]
    got = d.ticket_is_poor(resp, reso, csat, age).tolist()
    assert got == [False, False, True, False, True, True, True, False, True]


def test_young_tickets_are_undecided() -> None:
    assert d.ticket_is_decided([6.9, 7.0, 7.1]).tolist() == [False, False, True]
    # unresolved but only 5 days old, answered in time: not (yet) poor
    assert not d.ticket_is_poor(2.0, NAN, NAN, 5.0)
    assert d.ticket_is_poor(2.0, NAN, NAN, 8.0)


def test_nps_categories() -> None:
    got = d.nps_category([0, 6, 7, 8, 9, 10, NAN]).tolist()
    assert got == [0, 0, 1, 1, 2, 2, -1]


def test_connection_index_rescales_the_item_mean_to_0_100() -> None:
    items = np.array([[1] * 10, [5] * 10, [4] * 8 + [3] * 2, [4] * 2 + [3] * 8])
    idx = d.connection_index(items)
    assert np.allclose(idx, [0.0, 100.0, 70.0, 55.0])
    assert d.is_connected(idx).tolist() == [False, True, True, False]


def test_auc_counts_ties_as_half_and_matches_pairwise_counting() -> None:
    rng = np.random.default_rng(0)
    score = rng.integers(0, 5, 300).astype(float)
    y = rng.random(300) < 0.2 + 0.1 * score
    pos, neg = score[y], score[~y]
    pairwise = (
        (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    ) / (pos.size * neg.size)
    assert np.isclose(d.auc(score, y), pairwise)
    assert d.auc([1, 2, 3, 4], [0, 0, 1, 1]) == 1.0
    assert d.auc([1, 1, 1, 1], [0, 1, 0, 1]) == 0.5
    assert np.isnan(d.auc([1, 2], [1, 1]))


def test_aov_terciles_split_into_thirds() -> None:
    aov = np.arange(1.0, 301.0)
    terc = d.aov_terciles(np.r_[aov, NAN])
    assert np.bincount(terc[:-1]).tolist() == [100, 100, 100]
    assert terc[-1] == -1
    assert terc[0] == 0 and terc[299] == 2


def test_contact_bands() -> None:
    got = d.contact_band([0, 4, 5, 8, 9, 40]).tolist()
    assert got == [0, 0, 1, 1, 2, 2]
    assert [b[0] for b in d.CONTACT_BANDS] == ["low", "mid", "high"]
