"""The one quoting module (legame.sql.quote) against hostile input: whatever the text, DuckDB
reads back exactly that text as one value or one name, never as more SQL."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legame import sql
from legame.errors import InputError
from legame.sql.quote import identifier, string_literal

HOSTILE = [
    "O'Brien scores.csv",
    "ex/b' (FORMAT csv); COPY (SELECT customer_id,email,phone FROM customers) TO 'ex/leak.csv",
    "'; DROP TABLE orders; --",
    '"; DROP TABLE orders; --',
    "''''",
    '""""',
    "back\\slash\\'",
    "line\nbreak\r\nand\ttab",
    "/* comment */ -- comment",
    "$1 ? $name %s {x}",
    "ünïcödé ✓ 中文 😀",
    "x" * 10_000,
    "",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_string_literal_reads_back_as_exactly_the_text(text: str) -> None:
    assert duckdb.sql(f"SELECT {string_literal(text)}").fetchall() == [(text,)]
    assert duckdb.sql(f"SELECT {sql.literal(sql.Text(text))}").fetchall() == [(text,)]


@pytest.mark.parametrize("name", [h for h in HOSTILE if h and len(h) < 200])
def test_an_identifier_names_exactly_one_table_and_column(name: str) -> None:
    con = duckdb.connect()
    con.execute(f"CREATE TABLE {identifier(name)} ({identifier(name)} INTEGER)")
    con.execute(f"INSERT INTO {identifier(name)} VALUES (1)")
    assert con.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
    ).fetchall() == [(name, name)]
    assert con.execute(f"SELECT {identifier(name)} FROM {identifier(name)}").fetchall() == [(1,)]


def test_a_nul_character_is_refused_not_truncated() -> None:
    with pytest.raises(InputError, match="NUL"):
        string_literal("before\x00after")
    with pytest.raises(InputError, match="not a usable SQL name"):
        identifier("a\x00b")
    with pytest.raises(InputError):
        identifier("")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=60))
def test_any_text_round_trips(text: str) -> None:
    assert duckdb.sql(f"SELECT {string_literal(text)}").fetchall() == [(text,)]
