"""``email_key``: one customer across tools, recognised by e-mail when the ids differ.

The customer id of a row is, in this order: the customer a vendor id was linked to by an
earlier import (``customer_links``: ``system`` and the vendor's id); the customer whose
e-mail (``customers.email``, read ignoring case and surrounding spaces) is the row's; else
the normalised e-mail itself (lower case, trimmed); else, with no e-mail, the vendor's id
as written. The e-mail column is normalised too. Each (vendor id, e-mail) the file holds
is kept in ``customer_links`` in the file's own transaction, so a later export with only
the vendor id (or only the e-mail) finds the same customer.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from legame.ingest.presets.frame import Run, cleaned, put, text
from legame.ingest.presets.reader import Keys
from legame.ingest.presets.steps import Step

_RESOLVE = (
    "SELECT coalesce(l.customer_id, c.customer_id, q.e, q.x) FROM _preset_emails q "
    "LEFT JOIN customer_links l ON l.system = ? AND l.external_id = q.x "
    "LEFT JOIN (SELECT lower(trim(email)) AS e, min(customer_id) AS customer_id "
    "FROM customers WHERE email IS NOT NULL GROUP BY 1) c ON c.e = q.e ORDER BY q.i"
)
_LINK = (
    "INSERT INTO customer_links SELECT n.system, n.external_id, n.customer_id, n.email, ?, "
    "now()::TIMESTAMP FROM _preset_links n WHERE NOT EXISTS (SELECT 1 FROM customer_links l "
    "WHERE l.system = n.system AND l.external_id = n.external_id)"
)


class EmailKey(Step):
    kind = "email_key"
    keys = ("email", "id", "into", "system")

    def __init__(self, keys: Keys) -> None:
        super().__init__(keys)
        self.email = keys.text("email")
        self.id = keys.optional_text("id")
        self.into = keys.optional_text("into") or "customer_id"
        self.system = keys.optional_text("system")

    def reads(self) -> tuple[str, ...]:
        return (self.email, *((self.id,) if self.id else ()))

    def writes(self) -> tuple[str, ...]:
        return (self.email, self.into)

    def apply(self, frame: pa.Table, run: Run) -> pa.Table:
        emails = pc.utf8_lower(cleaned(text(frame, self.email)))
        vendor = cleaned(text(frame, self.id)) if self.id else pa.nulls(len(emails), pa.string())
        system = self.system or run.preset
        resolved = _resolve(run.con, system, emails, vendor)
        for x, customer, e in zip(
            vendor.to_pylist(), resolved.to_pylist(), emails.to_pylist(), strict=True
        ):
            if x is not None and e is not None:
                run.links.setdefault((system, x), (customer, e))
        return put(put(frame, self.email, emails), self.into, resolved)

    def describe(self) -> str:
        vendor = f", else the vendor id {self.id}" if self.id else ""
        return f"email_key: {self.into} from the e-mail {self.email} (lower case){vendor}"


def _resolve(
    con: duckdb.DuckDBPyConnection, system: str, emails: pa.Array, vendor: pa.Array
) -> pa.Array:
    if not len(emails):
        return pa.array([], pa.string())
    query = pa.table({"i": pa.array(range(len(emails)), pa.int64()), "e": emails, "x": vendor})
    con.register("_preset_emails", query)
    try:
        rows = con.execute(_RESOLVE, [system]).fetchall()
    finally:
        con.unregister("_preset_emails")
    return pa.array([r[0] for r in rows], pa.string())


def write_links(con: duckdb.DuckDBPyConnection, run: Run, batch_id: int) -> int:
    """Keep the file's (vendor id, e-mail) links not known yet; how many were new."""
    if not run.links:
        return 0
    items = list(run.links.items())
    links = pa.table(
        {
            "system": pa.array([k[0] for k, _ in items], pa.string()),
            "external_id": pa.array([k[1] for k, _ in items], pa.string()),
            "customer_id": pa.array([v[0] for _, v in items], pa.string()),
            "email": pa.array([v[1] for _, v in items], pa.string()),
        }
    )
    before = int(con.execute("SELECT count(*) FROM customer_links").fetchall()[0][0])
    con.register("_preset_links", links)
    try:
        con.execute(_LINK, [batch_id])
    finally:
        con.unregister("_preset_links")
    return int(con.execute("SELECT count(*) FROM customer_links").fetchall()[0][0]) - before
