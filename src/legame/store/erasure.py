"""Erasure: remove one customer from the workspace, its tables and its file's bytes.

``forget`` works in three steps:

1. It learns what identifies the customer: the id, every e-mail and phone the customer
   ever had (the customers row and its recorded changes), and the name when an import
   kept one among the extra attributes (``name``, ``first_name`` + ``last_name``, ``nome``,
   ``cognome``, ``nombre``, ``apellido``, ...).
2. In one transaction it deletes every row that is the customer's: each table with a
   ``customer_id`` column (canonical, derived and future ones alike), the other columns
   that point at a customer, the import bookkeeping of the customer's rows (rejects and
   row changes listing the customer, a rejected customers record or unreadable line that
   holds the id as a field); then it replaces every other mention, in any text or JSON
   value of any table (another customer's order attributes, a survey comment, a rejected
   line of someone else), with ``[erased]``. Mentions are matched ignoring case, as whole
   words: the e-mails, phones and full names everywhere, the id where it is at least
   four characters long (a shorter id such as ``7`` cannot be told from a quantity in
   free text, so it is matched only in the columns that hold customer ids).
3. It rewrites the database file (``store/rewrite.py``) so that the deleted bytes are gone
   from the disk too, and checks the new file's bytes for each identifier.

The audit log keeps two entries, neither with personal data: ``forget`` (an erasure id,
rows removed and values replaced per table) in the same transaction as the deletion, and
``forget_verified`` (the erasure id, the file's size after the rewrite, how many
identifiers were looked for in its bytes and how many times they were found: 0). If the
process dies between the two, the next ``Workspace.open`` for writing rewrites the file
before anything else (``finish_pending``).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb

from legame.errors import NotFoundError
from legame.sql.quote import identifier
from legame.store.moments import reached
from legame.store.rewrite import occurrences, rewrite_file
from legame.store.workspace import Workspace

#: What replaces a mention of an erased customer in another row.
ERASED = "[erased]"
#: Extra attributes (normalised: lower case, ``_`` for spaces) that hold a name.
FULL_NAME_KEYS = frozenset(
    {
        "name",
        "full_name",
        "fullname",
        "customer_name",
        "nome_completo",
        "nombre_completo",
        "nominativo",
    }
)
FIRST_NAME_KEYS = frozenset({"first_name", "firstname", "given_name", "nome", "nombre"})
LAST_NAME_KEYS = frozenset(
    {"last_name", "lastname", "surname", "family_name", "cognome", "apellido", "apellidos"}
)
#: An id shorter than this is matched only where a column says it is a customer id.
MIN_FREE_TEXT_ID = 4
#: Other columns that hold a customer id: (table, column, what to do with the row).
_OTHER_REFERENCES = (
    ("referrals", "referrer_id", "delete"),
    ("referrals", "referred_customer_id", "clear"),
)
#: Tables whose text is never personal (schema bookkeeping).
_NOT_SCANNED = frozenset({"schema_version"})


@dataclass
class Identifiers:
    """What identifies one customer in text."""

    customer_id: str
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)

    def in_text(self) -> list[str]:
        """The identifiers looked for in every text value (and in the file's bytes)."""
        found = {*self.emails, *self.phones, *self.names}
        if len(self.customer_id) >= MIN_FREE_TEXT_ID:
            found.add(self.customer_id)
        return sorted((f for f in found if f.strip()), key=len, reverse=True)

    def pattern(self) -> re.Pattern[str] | None:
        words = self.in_text()
        if not words:
            return None
        alternatives = "|".join(re.escape(w) for w in words)
        return re.compile(rf"(?<![\w.+-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


@dataclass
class Erasure:
    """What ``forget`` did: rows removed and values replaced per table, and the file."""

    customer_id: str
    erasure_id: str
    rows_removed: dict[str, int]
    values_replaced: dict[str, int]
    file_bytes: int = 0
    identifiers_checked: int = 0
    found_in_file: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "erasure_id": self.erasure_id,
            "rows_removed": self.rows_removed,
            "values_replaced": self.values_replaced,
            "file_rewritten": True,
            "file_bytes": self.file_bytes,
            "identifiers_checked": self.identifiers_checked,
            "found_in_file": self.found_in_file,
        }


def forget(workspace: Workspace, customer_id: str) -> Erasure:
    """Erase ``customer_id`` from every table and from the file's bytes.

    ``workspace`` must be the only connection to its file (the CLI's, or the server's
    under ``SharedWorkspace.exclusive``): the file is closed, rewritten and opened again.
    """
    con = workspace.con
    with workspace.transaction():
        who = identifiers(con, customer_id)
        removed = _delete_rows(con, customer_id)
        if not any(removed.values()):
            raise NotFoundError(f"No customer {customer_id!r} in the workspace {workspace.path}.")
        replaced = _replace_mentions(con, who)
        erasure = Erasure(customer_id, uuid.uuid4().hex, _nonzero(removed), _nonzero(replaced))
        _audit(
            con,
            "forget",
            {
                "erasure": erasure.erasure_id,
                "rows_removed": erasure.rows_removed,
                "values_replaced": erasure.values_replaced,
            },
        )
        reached("erasure.deleted")
    reached("erasure.committed")
    needles = who.in_text()
    erasure.file_bytes = _rewrite(workspace)
    erasure.identifiers_checked = len(needles)
    erasure.found_in_file = occurrences(workspace.path, needles)
    _verified(
        workspace, erasure.erasure_id, erasure.file_bytes, len(needles), erasure.found_in_file
    )
    return erasure


def finish_pending(workspace: Workspace) -> list[str]:
    """Rewrite the file for erasures whose rewrite was interrupted; return their ids."""
    pending = [
        row[0]
        for row in workspace.con.execute(
            "SELECT detail->>'erasure' FROM audit_log WHERE action = 'forget' "
            "AND detail->>'erasure' IS NOT NULL AND detail->>'erasure' NOT IN ("
            "SELECT detail->>'erasure' FROM audit_log WHERE action = 'forget_verified' "
            "AND detail->>'erasure' IS NOT NULL)"
        ).fetchall()
    ]
    if pending:
        size = _rewrite(workspace)
        for erasure_id in pending:
            _verified(workspace, erasure_id, size, 0, 0, resumed=True)
    return pending


def identifiers(con: duckdb.DuckDBPyConnection, customer_id: str) -> Identifiers:
    """Every e-mail, phone and name the store holds for the customer, now or before."""
    who = Identifiers(customer_id)
    rows = con.execute(
        "SELECT email, phone, _extra FROM customers WHERE customer_id = ?", [customer_id]
    ).fetchall()
    records: list[dict[str, Any]] = [
        {"email": email, "phone": phone, **_as_dict(extra)} for email, phone, extra in rows
    ]
    for before, after in con.execute(
        "SELECT before, after FROM row_changes WHERE table_name = 'customers' "
        "AND (row_key = ? OR list_contains(customer_ids, ?))",
        [customer_id, customer_id],
    ).fetchall():
        for side in (before, after):
            record = _as_dict(side)
            records.append({**record, **_as_dict(record.get("_extra"))})
    for record in records:
        _add_record(who, record)
    return who


def _add_record(who: Identifiers, record: dict[str, Any]) -> None:
    normal = {_normal_key(k): v for k, v in record.items() if isinstance(v, str) and v.strip()}
    if "email" in normal:
        who.emails.add(normal["email"].strip())
    if "phone" in normal:
        who.phones.add(normal["phone"].strip())
    for key, value in normal.items():
        if key in FULL_NAME_KEYS and " " in value.strip():
            who.names.add(value.strip())
    first = next((normal[k] for k in FIRST_NAME_KEYS if k in normal), None)
    last = next((normal[k] for k in LAST_NAME_KEYS if k in normal), None)
    if first and last:
        who.names.add(f"{first.strip()} {last.strip()}")
        who.names.add(f"{last.strip()} {first.strip()}")


def _normal_key(key: str) -> str:
    return key.strip().lower().replace(" ", "_").replace("-", "_")


def _as_dict(value: object) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """Every base table of the workspace: its columns and their types."""
    tables: dict[str, dict[str, str]] = {}
    for table, column, kind in con.execute(
        "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
        "JOIN information_schema.tables t USING (table_schema, table_name) "
        "WHERE c.table_schema = 'main' AND t.table_type = 'BASE TABLE' "
        "ORDER BY c.table_name, c.ordinal_position"
    ).fetchall():
        tables.setdefault(table, {})[column] = kind
    return tables


def _delete_rows(con: duckdb.DuckDBPyConnection, customer_id: str) -> dict[str, int]:
    """Delete the customer's own rows; return how many per table."""
    removed: dict[str, int] = {}
    for table, columns in _tables(con).items():
        if "customer_id" in columns:
            removed[table] = _touched(
                con, f"DELETE FROM {identifier(table)} WHERE customer_id = ?", [customer_id]
            )
    for table, column, action in _OTHER_REFERENCES:
        if action == "delete":
            statement = f"DELETE FROM {identifier(table)} WHERE {identifier(column)} = ?"
        else:
            statement = (
                f"UPDATE {identifier(table)} SET {identifier(column)} = NULL "
                f"WHERE {identifier(column)} = ?"
            )
        removed[table] = removed.get(table, 0) + _touched(con, statement, [customer_id])
    removed["row_changes"] = _touched(
        con,
        "DELETE FROM row_changes WHERE list_contains(customer_ids, ?) "
        "OR (table_name = 'customers' AND row_key = ?)",
        [customer_id, customer_id],
    )
    removed["rejects"] = _touched(
        con, "DELETE FROM rejects WHERE list_contains(customer_ids, ?)", [customer_id]
    ) + _delete_own_rejects(con, customer_id)
    return removed


def _delete_own_rejects(con: duckdb.DuckDBPyConnection, customer_id: str) -> int:
    """Rejected records that hold the id as a field and list no customer (a customers row,
    a line that could not be split into fields): they may be the customer's own data."""
    candidates = con.execute(
        "SELECT rowid, record, raw_value FROM rejects "
        "WHERE (customer_ids IS NULL OR len(customer_ids) = 0) "
        "AND (contains(record::VARCHAR, ?) OR contains(raw_value, ?))",
        [customer_id, customer_id],
    ).fetchall()
    own = [
        rowid
        for rowid, record, raw in candidates
        if (record is not None and customer_id in _as_dict(record).values())
        or (record is None and raw is not None and customer_id in _fields(raw))
    ]
    for rowid in own:
        con.execute("DELETE FROM rejects WHERE rowid = ?", [rowid])
    return len(own)


def _fields(line: str) -> set[str]:
    """The fields of a raw line, split at any delimiter legame reads, unquoted."""
    return {part.strip().strip('"').strip() for part in re.split(r"[,;\t|]", line)}


def _replace_mentions(con: duckdb.DuckDBPyConnection, who: Identifiers) -> dict[str, int]:
    """Replace every mention of the customer in any text or JSON value; count per table."""
    pattern = who.pattern()
    if pattern is None:
        return {}
    needles = [w.lower() for w in who.in_text()]
    replaced: dict[str, int] = {}
    for table, columns in _tables(con).items():
        if table in _NOT_SCANNED:
            continue
        for column, kind in columns.items():
            if kind not in ("VARCHAR", "JSON") or _is_key(column):
                continue
            for rowid, value in _candidates(con, table, column, needles):
                new = _scrub(value, pattern, kind == "JSON")
                if new != value:
                    con.execute(
                        f"UPDATE {identifier(table)} SET {identifier(column)} = ? WHERE rowid = ?",
                        [new, rowid],
                    )
                    replaced[table] = replaced.get(table, 0) + 1
    return replaced


def _is_key(column: str) -> bool:
    """Identifier columns (``order_id``, ``row_key``, ...) are never rewritten: rows that are
    the customer's were deleted by them, and another row's key is not a mention."""
    return column.endswith("_id") or column in ("row_key", "key_id")


def _candidates(
    con: duckdb.DuckDBPyConnection, table: str, column: str, needles: list[str]
) -> Iterator[tuple[int, str]]:
    """Rows whose value contains any needle (a cheap scan; the exact match is in Python)."""
    where = " OR ".join(f"contains(lower({identifier(column)}::VARCHAR), ?)" for _ in needles)
    yield from con.execute(
        # sql-built: where is the quoted column and one bound parameter per needle.
        f"SELECT rowid, {identifier(column)}::VARCHAR FROM {identifier(table)} WHERE {where}",
        needles,
    ).fetchall()


def _scrub(value: str, pattern: re.Pattern[str], is_json: bool) -> str:
    if not is_json:
        return pattern.sub(ERASED, value)
    try:
        parsed = json.loads(value)
    except ValueError:
        return pattern.sub(ERASED, value)
    return json.dumps(_scrub_json(parsed, pattern), ensure_ascii=False)


def _scrub_json(value: object, pattern: re.Pattern[str]) -> object:
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, list):
        return [_scrub_json(v, pattern) for v in value]
    if isinstance(value, dict):
        return {pattern.sub(ERASED, k): _scrub_json(v, pattern) for k, v in value.items()}
    return value


def _rewrite(workspace: Workspace) -> int:
    """Close the workspace, rewrite its file, open it again; the new file's size."""
    workspace.con.close()
    try:
        return rewrite_file(workspace.path)
    finally:
        workspace.reopen()


def _verified(
    workspace: Workspace,
    erasure_id: str,
    size: int,
    checked: int,
    found: int,
    *,
    resumed: bool = False,
) -> None:
    detail: dict[str, object] = {
        "erasure": erasure_id,
        "file_bytes": size,
        "identifiers_checked": checked,
        "found_in_file": found,
    }
    if resumed:
        detail["resumed_after_interruption"] = True
    with workspace.transaction() as con:
        _audit(con, "forget_verified", detail)


def _audit(con: duckdb.DuckDBPyConnection, action: str, detail: dict[str, object]) -> None:
    con.execute(
        "INSERT INTO audit_log VALUES (now()::TIMESTAMP, ?, ?)", [action, json.dumps(detail)]
    )


def _touched(con: duckdb.DuckDBPyConnection, statement: str, params: Iterable[object]) -> int:
    """Run a DELETE or UPDATE and return how many rows it touched."""
    return int(con.execute(statement, list(params)).fetchall()[0][0])


def _nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}
