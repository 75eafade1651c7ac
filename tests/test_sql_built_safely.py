"""No SQL built from strings (issue 16): a static check over every module of legame.

Every f-string, ``+`` or ``.format`` that builds SQL text may splice in only what went
through the one quoting module (``legame.sql.quote``: ``identifier``, ``string_literal``;
``sql.literal``/``sql.render`` use it) or a constant. Anything else is a finding, unless the
line says why it is safe with a ``# sql-built: <reason>`` comment (on the line that opens
the string, the line before it, or any line it spans), or, for a function that generates
SQL from the canonical schema (the ingest's validation and load statements), a
``# sql-built-function: <reason>`` comment in its body; ``docs/security.md`` explains the
rule. Values from users reach DuckDB as bound parameters (``?``), which this check never
flags.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "legame"

#: Text that makes a string SQL: a statement's opening words, or clauses only SQL has.
_SQL = re.compile(
    r"^\s*\(?\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|COPY|ATTACH|DETACH|PRAGMA|"
    r"WITH|SET|EXPORT|IMPORT|INSTALL|LOAD|CALL)\b|\bSELECT\b.*\bFROM\b|\bINSERT\s+INTO\b|"
    r"\bDELETE\s+FROM\b|\bUPDATE\b.*\bSET\b|\bCOPY\b.*\bTO\b|\bWHERE\b|\bJOIN\b|\bGROUP\s+BY\b|"
    r"\bCASE\s+WHEN\b",
    re.S,
)
#: Calls whose result is safe to splice: the quoting functions and the query renderer.
SAFE_CALLS = frozenset({"identifier", "string_literal", "literal", "render", "lit", "ident"})
ANNOTATION = "# sql-built:"
FUNCTION_ANNOTATION = "# sql-built-function:"


def _safe(expr: ast.expr) -> bool:
    if isinstance(expr, ast.Constant):
        return True
    if isinstance(expr, ast.Call):
        func = expr.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name in SAFE_CALLS
    return False


def _sql_text(parts: list[str]) -> bool:
    text = " ".join(parts)
    return bool(_SQL.search(text)) and not text.lstrip().startswith(("{", ":"))


def _findings_in(source: str, name: str) -> list[str]:
    tree = ast.parse(source)
    lines = source.splitlines()
    found: list[str] = []

    covered: set[int] = set()  # lines of functions annotated as a whole
    for func in ast.walk(tree):
        if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            body = range(func.lineno - 1, func.end_lineno or func.lineno)
            if any(FUNCTION_ANNOTATION in lines[i] for i in body):
                covered.update(i + 1 for i in body)

    # The statement each string is part of: its comment may sit on any of its lines, or on
    # the line before it, wherever a formatter breaks the statement.
    statement_of: dict[int, ast.stmt] = {}
    for stmt in ast.walk(tree):
        if isinstance(stmt, ast.stmt):
            for inner in ast.walk(stmt):
                statement_of[id(inner)] = stmt  # the innermost statement is visited last

    def annotated(node: ast.AST) -> bool:
        if getattr(node, "lineno", 0) in covered:
            return True
        around = statement_of.get(id(node), node)
        first = max(getattr(around, "lineno", 1) - 2, 0)
        last = getattr(around, "end_lineno", None) or getattr(around, "lineno", 1)
        return any(ANNOTATION in lines[i] for i in range(first, min(last, len(lines))))

    def report(node: ast.AST, spliced: list[ast.expr]) -> None:
        unsafe = [ast.unparse(e) for e in spliced if not _safe(e)]
        if unsafe and not annotated(node):
            found.append(f"{name}:{getattr(node, 'lineno', '?')}: splices {', '.join(unsafe)}")

    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = [v.value for v in node.values if isinstance(v, ast.Constant)]
            if _sql_text([str(t) for t in text]):
                report(node, [v.value for v in node.values if isinstance(v, ast.FormattedValue)])
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
            sides = [node.left, node.right]
            text = [
                s.value for s in sides if isinstance(s, ast.Constant) and isinstance(s.value, str)
            ]
            if text and _sql_text(text):
                report(
                    node,
                    [
                        s
                        for s in sides
                        if not isinstance(s, ast.Constant | ast.JoinedStr | ast.BinOp)
                    ],
                )
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
            and isinstance(node.func.value, ast.Constant)
            and isinstance(node.func.value.value, str)
            and _sql_text([node.func.value.value])
        ):
            report(node, [*node.args, *(k.value for k in node.keywords)])
    return found


def test_the_check_finds_the_export_injection_of_issue_16() -> None:
    """The check itself: the line that let `--out` inject SQL, and its fixed form."""
    bug = 'con.execute(f"COPY \\"{table}\\" TO \'{tmp}\' ({options})")\n'
    assert len(_findings_in(bug, "bug.py")) == 1
    fixed = 'con.execute(f"COPY {identifier(table)} TO ? (FORMAT csv)", [str(tmp)])\n'
    assert _findings_in(fixed, "fixed.py") == []
    concatenated = 'con.execute("SELECT * FROM t WHERE id = \'" + customer + "\'")\n'
    assert len(_findings_in(concatenated, "concat.py")) == 1
    formatted = 'con.execute("DELETE FROM t WHERE id = {}".format(customer))\n'
    assert len(_findings_in(formatted, "format.py")) == 1
    justified = "con.execute(f\"SET memory_limit = '{limit}B'\")  # sql-built: an int\n"
    assert _findings_in(justified, "justified.py") == []
    function = (
        "def load(con, name):\n"
        "    # sql-built-function: names quoted with ident\n"
        "    con.execute(f'INSERT INTO {name} SELECT 1')\n"
        "def other(con, name):\n"
        "    con.execute(f'INSERT INTO {name} SELECT 1')\n"
    )
    assert [f.split(":")[1] for f in _findings_in(function, "f.py")] == ["5"]


def test_no_sql_is_built_from_unquoted_strings() -> None:
    findings: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        findings += _findings_in(path.read_text(encoding="utf-8"), str(path.relative_to(SRC)))
    assert not findings, "SQL built from strings:\n" + "\n".join(findings)
