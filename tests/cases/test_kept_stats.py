"""The loop's measures are kept between requests only while nothing they read changed:
the cases (a closing makes no import), the data, the policy and the minute."""

from __future__ import annotations

from datetime import datetime

import pytest

from legame.engage.cases import case_stats, open_cases, update_case
from legame.store import Workspace
from legame.views import cache
from legame.views.cases import kept_case_stats
from tests.cases.conftest import AS_OF, by_source

LATER = datetime(2026, 6, 1)


@pytest.fixture(autouse=True)
def nothing_kept() -> None:
    cache.forget_all()


def test_a_second_read_is_the_kept_one_and_equal(store: Workspace, monkeypatch) -> None:
    open_cases(store, as_of=AS_OF)
    computed = []
    real = case_stats

    def counting(*args, **kwargs):
        computed.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr("legame.views.cases.case_stats", counting)
    first = kept_case_stats(store, as_of=LATER)
    first["counts"]["total"] = -1  # the caller's copy: the kept one stays as computed
    second = kept_case_stats(store, as_of=LATER)
    assert len(computed) == 1
    assert second == case_stats(store, as_of=LATER)
    # without an instant: as of this minute, computed once within it
    assert kept_case_stats(store)["as_of"] == kept_case_stats(store)["as_of"]


def test_a_change_to_a_case_is_seen_at_once(store: Workspace) -> None:
    open_cases(store, as_of=AS_OF)
    before = kept_case_stats(store, as_of=LATER)
    case = by_source(store)["ticket:T1"]
    update_case(
        store, case["case_id"], version=case["version"], actor="ana", status="resolved", at=LATER
    )
    after = kept_case_stats(store, as_of=LATER)
    assert after == case_stats(store, as_of=LATER)
    assert after["counts"]["by_status"] != before["counts"]["by_status"]


def test_an_edit_of_the_policy_is_seen_at_once(store: Workspace) -> None:
    open_cases(store, as_of=AS_OF)
    policy = store.path.parent / "legame.toml"
    policy.write_text("[cases]\nfollowup_days = 30\n")
    short = kept_case_stats(store, as_of=LATER)
    policy.write_text("[cases]\nfollowup_days = 3000\n")
    long = kept_case_stats(store, as_of=LATER)
    assert long == case_stats(store, as_of=LATER)
    assert long["callback_effect"] != short["callback_effect"]


def test_two_stores_do_not_share_what_is_kept(tmp_path, store_file) -> None:
    import shutil

    copies = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        shutil.copy(store_file, folder / "ws.duckdb")
        copies.append(folder / "ws.duckdb")
    with Workspace.open(copies[0]) as a, Workspace.open(copies[1]) as b:
        open_cases(a, as_of=AS_OF)
        assert kept_case_stats(a, as_of=LATER)["counts"]["total"] > 0
        assert kept_case_stats(b, as_of=LATER)["counts"]["total"] == 0
