"""How a named query becomes SQL text: folders, shared definitions, bound placeholders left
for DuckDB, and column names quoted."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from legame import sql
from legame.errors import InputError


def test_queries_in_folders_are_named_by_their_path_and_definitions_are_not_queries() -> None:
    names = sql.names()
    assert "governor/plan" in names and "views/segments" in names
    assert not any(name.startswith(f"{sql.DEFS}/") for name in names)
    assert sql.text("governor/check") == sql.text("governor/check")  # read once, cached


@pytest.mark.parametrize(
    "name",
    [
        "../quote",
        "views/../score_totals",
        "/etc/passwd",
        "Views/segments",
        "no_such_query",
        "views/",
    ],
)
def test_a_name_that_is_not_a_shipped_query_is_refused(name: str) -> None:
    with pytest.raises(InputError, match="no query named"):
        sql.text(name)


def test_a_definition_is_put_in_its_place_without_its_comments() -> None:
    text = sql.text("views/contact_pressure_by_band")
    assert "{{" not in text
    assert sql.definition("contact_pressure_sends") in text
    assert sql.definition("contact_band") in text
    assert not any(
        line.lstrip().startswith("--") for line in sql.definition("contact_band").splitlines()
    )


def test_a_definition_may_use_other_definitions() -> None:
    poor = sql.definition("poor_ticket")
    assert sql.definition("slow_response") in poor and sql.definition("slow_resolution") in poor


def test_numbered_placeholders_are_left_for_duckdb_to_bind() -> None:
    text = sql.render("views/customer_timeline", limit=500)
    assert "$1" in text and "LIMIT 500" in text
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE findings (position INTEGER, id VARCHAR, computed_at TIMESTAMP, "
        "verdict VARCHAR, payload VARCHAR)"
    )
    con.execute(sql.render("saved_findings/save"), [0, "x'; DROP TABLE findings; --", "v", "{}"])
    assert con.execute(sql.render("saved_findings/load")).fetchall()[0][0] == "{}"


def test_a_dollar_before_anything_else_is_still_an_error() -> None:
    with pytest.raises(ValueError, match="Invalid placeholder"):
        sql._Query("SELECT $ 1").substitute()


def test_a_name_parameter_is_a_quoted_identifier() -> None:
    assert sql.literal(sql.Name("clv")) == '"clv"'
    assert sql.literal(sql.Name('a"; DROP TABLE t; --')) == '"a""; DROP TABLE t; --"'
    text = sql.render("views/customer_list", sort=sql.Name("last_order_at"), descending=False)
    assert 's."last_order_at"' in text and "NOT FALSE" in text


def test_rendering_fills_every_parameter_of_the_definitions_it_uses() -> None:
    with pytest.raises(InputError, match="needs the parameter 'response_hours'"):
        sql.render("finding_service_tickets", as_of=datetime(2026, 1, 1))
