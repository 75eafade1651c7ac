"""Every query legame runs for its analytics and its surfaces is a file in ``legame/sql``:
a SELECT, INSERT, UPDATE or DELETE written in a Python string fails this test.

Inline SQL stays only where the issue ("One house", issue 17) allows it: the store's and the
engines' DDL and transaction plumbing (``store/``, ``engine/``), the ingest's generated load
statements (``ingest/``), and the benchmarks' reference queries (``bench/``,
``engage/governor/bench.py``). Docstrings are prose, not queries, and are not read.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "legame"
#: Where inline SQL may stay, relative to ``src/legame``.
ALLOWED = ("store/", "engine/", "ingest/", "bench/", "engage/governor/bench.py")

#: A statement: its opening words, or, anywhere in the text, the clauses only a statement
#: has; in upper case, as legame writes SQL, so that English prose does not match.
_STATEMENT = re.compile(r"^\s*\(?\s*(?:SELECT|INSERT|UPDATE|DELETE|WITH)\s")
_CLAUSE = re.compile(
    r"\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+INTO\b|\bDELETE\s+FROM\b|\bUPDATE\s+\S+\s+SET\b"
)


def _is_sql(text: str) -> bool:
    return bool(_STATEMENT.search(text) or _CLAUSE.search(text))


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def sql_strings(source: str) -> list[tuple[int, str]]:
    """The line and the first words of every string in ``source`` that holds a statement
    (an f-string is read with its fields left out)."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    found: list[tuple[int, str]] = []
    inside_fstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = [v.value if isinstance(v, ast.Constant) else " x " for v in node.values]
            inside_fstrings.update(id(v) for v in node.values)
            text = "".join(str(p) for p in parts)
            if _is_sql(text):
                found.append((node.lineno, text.strip()[:60]))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skip
            and id(node) not in inside_fstrings
            and _is_sql(node.value)
        ):
            found.append((node.lineno, node.value.strip()[:60]))
    return sorted(found)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT count(*) FROM customers WHERE implicit",
        "SELECT payload, computed_at\nFROM findings ORDER BY position",
        "INSERT INTO findings VALUES (?, ?)",
        "DELETE FROM findings",
        "UPDATE api_keys SET revoked_at = now()",
        "WITH sends AS (SELECT 1) SELECT * FROM sends",
        "\n        SELECT greatest(\n  (SELECT max(ordered_at) FROM orders))",
        "SELECT nextval('batch_seq')",
        "SELECT s.* x ORDER BY x LIMIT ? OFFSET ?",
    ],
)
def test_the_check_knows_a_statement(text: str) -> None:
    assert _is_sql(text)


@pytest.mark.parametrize(
    "text",
    [
        "Select the customers to contact from the audience file.",
        "Delete a key; the keys from the store.",
        "With the scores from `legame score`, update the page.",
        "legame/sql/views/segments.sql",
        "FORMAT csv, HEADER",
    ],
)
def test_the_check_leaves_prose_alone(text: str) -> None:
    assert not _is_sql(text)


def test_the_check_reads_fstrings_and_skips_docstrings() -> None:
    source = (
        "def f(con, t):\n"
        '    """SELECT * FROM orders, as a docstring, is prose."""\n'
        '    return con.execute(f"SELECT * FROM {t} WHERE x = 1")\n'
    )
    assert [line for line, _ in sql_strings(source)] == [3]


def test_no_statement_is_written_in_python_outside_the_allowed_places() -> None:
    findings = []
    for path in sorted(SRC.rglob("*.py")):
        name = path.relative_to(SRC).as_posix()
        if name.startswith(ALLOWED):
            continue
        findings += [
            f"{name}:{line}: {text}" for line, text in sql_strings(path.read_text(encoding="utf-8"))
        ]
    assert not findings, (
        "SQL in Python strings; write each query as a file in legame/sql and run it with "
        "legame.sql.render(name, ...):\n" + "\n".join(findings)
    )
