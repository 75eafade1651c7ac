"""Changing cases: the statuses go one way, every change is in the history, and two changes
made from the same version never both apply."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from legame.engage.cases import contact_case, get_case, open_cases, update_case
from legame.engage.cases.workflow import Change
from legame.errors import InputError
from legame.store import Workspace
from tests.cases.conftest import AS_OF, by_source

LATER = AS_OF + timedelta(hours=3)  # 04:00 in Rome: quiet hours
DAYTIME = AS_OF + timedelta(hours=10)  # 11:00 in Rome
LATER_GAP = timedelta(hours=1)


def case_of(ws: Workspace, source: str) -> dict[str, Any]:
    return by_source(ws)[source]


@pytest.fixture
def opened(store: Workspace) -> Workspace:
    open_cases(store, as_of=AS_OF)
    return store


def test_assign_note_and_close_move_the_version_and_write_the_history(opened: Workspace) -> None:
    case_id = case_of(opened, "ticket:T1")["case_id"]
    step1 = update_case(opened, case_id, version=1, actor="lead", owner="anna", at=LATER)
    step2 = update_case(opened, case_id, version=2, actor="anna", note="left a message", at=LATER)
    step3 = contact_case(opened, case_id, channel="email", actor="anna", at=DAYTIME)
    step4 = update_case(
        opened, case_id, version=4, actor="anna", status="resolved", note="refunded", at=DAYTIME
    )
    assert step1.applied and step2.applied and step3.outcome == "contacted" and step4.applied
    case = get_case(opened, case_id)
    assert (case["status"], case["owner"], case["version"]) == ("resolved", "anna", 5)
    assert case["first_contact_at"] == DAYTIME and case["closed_at"] == DAYTIME
    history = [
        (e["actor"], e["action"], e["status_after"], e["owner_after"], e["note"], e["version"])
        for e in case["history"]
    ]
    assert history == [
        ("legame", "opened", "new", None, "ticket T1 (delivery): rated 2/5", 1),
        ("lead", "assigned", "new", "anna", None, 2),
        ("anna", "note", "new", "anna", "left a message", 3),
        (
            "anna",
            "contacted",
            "contacted",
            "anna",
            f"call-back on email, logged as message case-{case_id}-1",
            4,
        ),
        ("anna", "closed", "resolved", "anna", "refunded", 5),
    ]


def test_a_new_case_can_be_resolved_without_a_call(opened: Workspace) -> None:
    case_id = case_of(opened, "ticket:T2")["case_id"]
    change = update_case(opened, case_id, version=1, actor="anna", status="resolved", at=LATER)
    assert change.applied and change.case["status"] == "resolved"
    assert change.case["first_contact_at"] is None


@pytest.mark.parametrize(
    ("status", "says"),
    [
        ("no-answer", "has not been contacted: no-answer means a contact was tried"),
        ("contacted", "becomes contacted through a contact, which asks the contact governor"),
        ("new", "never goes back to 'new'"),
        ("closed", "status must be one of resolved, no-answer"),
    ],
)
def test_illegal_transitions_from_new_are_refused_clearly(
    opened: Workspace, status: str, says: str
) -> None:
    case_id = case_of(opened, "ticket:T2")["case_id"]
    with pytest.raises(InputError, match=says):
        update_case(opened, case_id, version=1, actor="anna", status=status, at=LATER)
    assert get_case(opened, case_id)["version"] == 1  # nothing changed


def test_a_closed_case_keeps_its_status_and_owner_but_takes_notes(opened: Workspace) -> None:
    case_id = case_of(opened, "ticket:T2")["case_id"]
    update_case(opened, case_id, version=1, actor="anna", status="resolved", at=LATER)
    with pytest.raises(InputError, match=r"already closed \(resolved\)"):
        update_case(opened, case_id, version=2, actor="anna", status="no-answer", at=LATER)
    with pytest.raises(InputError, match="its owner no longer changes"):
        update_case(opened, case_id, version=2, actor="anna", owner="bob", at=LATER)
    with pytest.raises(InputError, match=r"is closed \(resolved\)"):
        contact_case(opened, case_id, channel="email", actor="anna", at=DAYTIME)
    assert update_case(opened, case_id, version=2, actor="anna", note="follow-up", at=LATER).applied


def test_no_answer_closes_a_contacted_case(opened: Workspace) -> None:
    case_id = case_of(opened, "ticket:T1")["case_id"]
    contact_case(opened, case_id, channel="phone", actor="anna", at=DAYTIME)
    change = update_case(opened, case_id, version=2, actor="anna", status="no-answer", at=DAYTIME)
    assert change.applied and change.case["status"] == "no-answer"


def test_a_change_from_an_old_version_is_a_conflict_that_changes_nothing(
    opened: Workspace,
) -> None:
    case_id = case_of(opened, "ticket:T1")["case_id"]
    update_case(opened, case_id, version=1, actor="anna", owner="anna", at=LATER)
    late = update_case(opened, case_id, version=1, actor="bob", owner="bob", at=LATER)
    assert not late.applied and late.conflict
    assert "changed after version 1: it is at version 2 now" in late.message
    assert late.case["owner"] == "anna" and late.case["version"] == 2
    assert len(get_case(opened, case_id)["history"]) == 2


def test_unassigning_and_bad_input(opened: Workspace) -> None:
    case_id = case_of(opened, "ticket:T1")["case_id"]
    update_case(opened, case_id, version=1, actor="anna", owner="anna", at=LATER)
    change = update_case(opened, case_id, version=2, actor="anna", owner=None, at=LATER)
    assert change.case["owner"] is None and change.case["history"][-1]["owner_before"] == "anna"
    with pytest.raises(InputError, match="Nothing to change"):
        update_case(opened, case_id, version=3, actor="anna")
    with pytest.raises(InputError, match="owner must be a name"):
        update_case(opened, case_id, version=3, actor="anna", owner="x" * 101)
    with pytest.raises(InputError, match="A note must be text of 1 to 4,000"):
        update_case(opened, case_id, version=3, actor="anna", note="   ")
    with pytest.raises(InputError, match="version must be the case's version"):
        update_case(opened, case_id, version=0, actor="anna", note="x")
    with pytest.raises(InputError, match="it cannot change before that"):
        update_case(opened, case_id, version=3, actor="anna", note="x", at=AS_OF - LATER_GAP)


def _race(db: Path, case_id: int, changes: list[dict[str, Any]]) -> list[Change]:
    """Run each change on its own thread and cursor (as the server does), all at once."""
    shared = Workspace.open(db)
    start = threading.Barrier(len(changes))
    results: list[Change | BaseException] = [RuntimeError("not run")] * len(changes)

    def run(i: int) -> None:
        cursor = shared.con.cursor()
        try:
            ws = Workspace(shared.path, cursor)
            start.wait()
            results[i] = update_case(ws, case_id, version=1, at=LATER, **changes[i])
        except BaseException as exc:  # reported below
            results[i] = exc
        finally:
            cursor.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(changes))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    shared.close()
    for r in results:
        if isinstance(r, BaseException):
            raise r
    return [r for r in results if isinstance(r, Change)]


def test_two_analysts_closing_the_same_case_at_once_one_wins(db_with_store: Path) -> None:
    with Workspace.open(db_with_store) as ws:
        open_cases(ws, as_of=AS_OF)
        case_id = case_of(ws, "ticket:T2")["case_id"]
    for _ in range(5):  # the race, several times over (each on a fresh case state)
        with Workspace.open(db_with_store) as ws:
            ws.con.execute(
                "UPDATE cases SET status = 'new', closed_at = NULL, version = 1 WHERE case_id = ?",
                [case_id],
            )
            ws.con.execute("DELETE FROM case_events WHERE case_id = ? AND version > 1", [case_id])
        changes = [
            {"actor": "anna", "status": "resolved", "note": "anna closed it"},
            {"actor": "bob", "status": "resolved", "note": "bob closed it"},
        ]
        results = _race(db_with_store, case_id, changes)
        assert sorted(r.applied for r in results) == [False, True]
        winner = next(r for r in results if r.applied)
        loser = next(r for r in results if not r.applied)
        assert "was changed after version 1" in loser.message
        with Workspace.open(db_with_store) as ws:
            case = get_case(ws, case_id)
        assert case["version"] == 2 and case["status"] == "resolved"
        assert [e["note"] for e in case["history"]][1:] == [winner.case["history"][-1]["note"]]


def test_many_concurrent_assignments_apply_exactly_one(db_with_store: Path) -> None:
    with Workspace.open(db_with_store) as ws:
        open_cases(ws, as_of=AS_OF)
        case_id = case_of(ws, "survey:R1")["case_id"]
    names = [f"analyst-{i}" for i in range(8)]
    results = _race(db_with_store, case_id, [{"actor": n, "owner": n} for n in names])
    applied = [r for r in results if r.applied]
    assert len(applied) == 1
    with Workspace.open(db_with_store) as ws:
        case = get_case(ws, case_id)
    assert case["owner"] == applied[0].case["owner"] and case["version"] == 2
    assert len(case["history"]) == 2


def test_a_case_that_does_not_exist_is_not_found(opened: Workspace) -> None:
    from legame.errors import NotFoundError

    with pytest.raises(NotFoundError, match="No case 999"):
        update_case(opened, 999, version=1, actor="anna", note="x")
    with pytest.raises(NotFoundError, match="No case 999"):
        get_case(opened, 999)


def test_times_are_read_as_utc(opened: Workspace) -> None:
    case_id = case_of(opened, "ticket:T1")["case_id"]
    change = update_case(
        opened, case_id, version=1, actor="anna", note="x", at="2025-03-10T05:00:00+02:00"
    )
    assert change.case["updated_at"] == datetime(2025, 3, 10, 3)
