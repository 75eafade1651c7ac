"""Audience files read and planned from Python (``legame.engage.governor.audience``), as
``legame contact plan`` does."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest

from legame.engage.governor import Governor
from legame.engage.governor.audience import plan_file, read_audience
from legame.errors import InputError
from legame.store import Workspace
from tests.engage.governor.log import consent, customer, sent

AT = datetime(2025, 5, 1, 10, 0)


def test_read_audience_finds_the_customer_column_in_any_spelling(write) -> None:
    path = write("a.csv", "\ufeffname;Customer-ID\nAda;c1\nBea;c2\n")
    audience = read_audience(path)
    assert audience.id_column == "Customer-ID" and audience.delimiter == ";"
    assert audience.table.column_names == ["name", "Customer-ID"]
    assert audience.customer_ids.to_pylist() == ["c1", "c2"]


def test_read_audience_refuses_a_file_without_customer_ids(write) -> None:
    path = write("people.csv", "id,name\n1,Ada\n")
    with pytest.raises(
        InputError,
        match=r"people.csv: no customer_id column; the file's "
        r"columns are: id, name",
    ):
        read_audience(path)


def test_read_audience_names_the_line_of_a_blank_customer_id(write) -> None:
    path = write("blank.csv", "customer_id\nc1\n  \n")
    with pytest.raises(InputError, match=r"blank.csv: line 3: the customer_id is empty"):
        read_audience(path)


def test_plan_file_writes_the_allowed_rows_as_they_were_and_the_suppressed_with_why(
    ws: Workspace, gov: Governor, write, tmp_path: Path
) -> None:
    for cid in ("ok", "capped"):
        customer(ws, cid)
        consent(ws, cid, "email", "granted", datetime(2024, 1, 1))
    for day in (28, 29):
        sent(ws, "capped", "email", datetime(2025, 4, day, 9, 0))
    # The file's own "rule" column stays; legame's is written beside it.
    audience = read_audience(write("a.csv", "customer_id,rule\nok,x\ncapped,y\nok,z\n"))
    planned = plan_file(gov, audience, "email", tmp_path / "out", at=AT)
    assert (planned.audience, planned.allowed, planned.suppressed) == (3, 2, 1)
    assert planned.by_rule == {"cap": 1}
    with planned.allowed_file.open(encoding="utf-8") as fh:
        assert list(csv.reader(fh)) == [["customer_id", "rule"], ["ok", "x"], ["ok", "z"]]
    with planned.suppressed_file.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["customer_id"], r["rule"], r["legame_rule"], r["until"]) for r in rows] == [
        ("capped", "y", "cap", "2025-05-05T09:00:00+00:00")
    ]
    assert planned.to_dict()["suppressed_file"] == str(tmp_path / "out" / "suppressed.csv")
