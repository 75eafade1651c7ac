"""The queue: filters, sorting, pages, the holdout hidden, and counts without customer data."""

from __future__ import annotations

from datetime import timedelta

import pytest

from legame.engage.cases import case_counts, list_cases, open_cases, update_case
from legame.errors import InputError
from legame.store import Workspace
from tests.cases.conftest import AS_OF, by_source, policy

#: Seed 11 at a 50% share puts R1 and R3 in treatment and R5 in the holdout.
SPLIT = policy(gratitude={"holdout_share": 0.5, "seed": 11})
SOON = AS_OF + timedelta(hours=30)  # poor-service cases (24 h) overdue, detractors (48 h) not


@pytest.fixture
def opened(store: Workspace) -> Workspace:
    store.con.execute(
        "CREATE TABLE customer_scores AS SELECT * FROM (VALUES "
        "('C1', 100.0::DOUBLE, 'low'), ('C2', 900.0, 'high'), ('C4', 50.0, 'medium')) "
        "t(customer_id, clv, churn_risk)"
    )
    open_cases(store, as_of=AS_OF, policy=SPLIT)
    arms = {k: c["arm"] for k, c in by_source(store).items() if c["kind"] == "detractor"}
    assert arms == {"survey:R1": "treatment", "survey:R3": "treatment", "survey:R5": "holdout"}
    return store


def sources(page: dict) -> list[str]:
    return [c["source_key"] for c in page["cases"]]


def test_the_queue_hides_holdout_cases_unless_asked(opened: Workspace) -> None:
    shown = list_cases(opened, now=SOON)
    assert "survey:R5" not in sources(shown) and shown["total"] == 5
    everything = list_cases(opened, now=SOON, include_holdout=True)
    assert "survey:R5" in sources(everything) and everything["total"] == 6


def test_sort_by_due_date_then_case_id(opened: Workspace) -> None:
    page = list_cases(opened, now=SOON)
    assert sources(page) == ["ticket:T1", "ticket:T2", "ticket:T5", "survey:R1", "survey:R3"]
    assert [c["clv"] for c in page["cases"]] == [100.0, 900.0, 50.0, 100.0, 900.0]  # current
    assert [c["churn_risk"] for c in page["cases"]] == ["low", "high", "medium", "low", "high"]


def test_sort_by_current_clv_highest_first(opened: Workspace) -> None:
    page = list_cases(opened, now=SOON, sort="clv")
    assert page["scores"] == "current"
    assert [c["clv"] for c in page["cases"]] == [900.0, 900.0, 100.0, 100.0, 50.0]
    assert sources(page)[:2] == ["ticket:T2", "survey:R3"]  # equal CLV: the earlier due first
    opened.con.execute("UPDATE customer_scores SET clv = 1000.0 WHERE customer_id = 'C4'")
    page = list_cases(opened, now=SOON, sort="clv")
    assert sources(page)[0] == "ticket:T5"  # the current CLV, not the one at opening
    assert page["cases"][0]["clv_at_open"] == 50.0


def test_without_scores_the_queue_shows_the_values_at_opening(store: Workspace) -> None:
    open_cases(store, as_of=AS_OF)
    page = list_cases(store, now=SOON, sort="clv")
    assert page["scores"] == "at_open" and {c["clv"] for c in page["cases"]} == {None}


def test_filters_by_status_owner_kind_and_overdue(opened: Workspace) -> None:
    t1 = by_source(opened)["ticket:T1"]["case_id"]
    r1 = by_source(opened)["survey:R1"]["case_id"]
    update_case(opened, t1, version=1, actor="lead", owner="anna", at=AS_OF)
    update_case(opened, r1, version=1, actor="lead", owner="anna", at=AS_OF)
    update_case(opened, t1, version=2, actor="anna", status="resolved", at=AS_OF)
    assert sources(list_cases(opened, now=SOON, owner="anna")) == ["ticket:T1", "survey:R1"]
    assert sources(list_cases(opened, now=SOON, status="resolved")) == ["ticket:T1"]
    assert sources(list_cases(opened, now=SOON, kind="detractor")) == ["survey:R1", "survey:R3"]
    assert sources(list_cases(opened, now=SOON, overdue=True)) == ["ticket:T2", "ticket:T5"]
    later = AS_OF + timedelta(days=3)
    assert sources(list_cases(opened, now=later, overdue=True, kind="detractor")) == [
        "survey:R1",
        "survey:R3",
    ]  # the holdout case (R5) is never overdue: nobody is to call it
    assert list_cases(opened, now=later, overdue=False, status="new")["total"] == 0


def test_pages(opened: Workspace) -> None:
    first = list_cases(opened, now=SOON, page_size=2)
    third = list_cases(opened, now=SOON, page_size=2, page=3)
    assert (first["pages"], len(first["cases"]), len(third["cases"])) == (3, 2, 1)
    assert list_cases(opened, now=SOON, page_size=2, page=9)["cases"] == []


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"status": "open"}, "The 'status' filter must be one of new, contacted"),
        ({"kind": "angry"}, "The 'kind' filter must be one of detractor, poor_service"),
        ({"sort": "name"}, "sort must be one of clv, due"),
        ({"page_size": 500}, "page_size 1-200"),
    ],
)
def test_bad_filters_are_refused(opened: Workspace, options: dict, says: str) -> None:
    with pytest.raises(InputError, match=says):
        list_cases(opened, **options)


def test_counts_have_no_customer_data_and_keep_the_holdout_apart(opened: Workspace) -> None:
    counts = case_counts(opened, now=SOON)
    assert counts == {
        "as_of": SOON,
        "period": None,
        "total": 5,
        "open": 5,
        "overdue": 3,
        "holdout": 1,
        "by_status": {"new": 5, "contacted": 0, "resolved": 0, "no-answer": 0},
        "by_kind": {"detractor": 2, "poor_service": 3},
    }


def test_a_user_value_is_bound_not_spliced(opened: Workspace) -> None:
    page = list_cases(opened, owner="x' OR '1'='1", now=SOON)
    assert page["total"] == 0
