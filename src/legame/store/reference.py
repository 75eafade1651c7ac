"""The data-model reference (``docs/data-model.md``), generated from the schema.

``python -m legame.store.reference > docs/data-model.md`` rewrites it; a test fails when
the file and the schema disagree, so the contract and its documentation cannot drift.
"""

from __future__ import annotations

from legame.store.schema import CHOICE_SYNONYMS, META_COLUMNS, TABLES, Column

_INTRO = """# Data model

Every workspace holds these canonical tables. `legame ingest TABLE FILE` maps a source
file onto one of them: columns whose (normalised) header equals a field name are taken as
they are, `--map FIELD=COLUMN` maps any other, and every other column is kept as an extra
attribute in `_extra` (JSON), never dropped.

Types: **id** and **text** are strings (trimmed); **code** is text compared
case-insensitively; **timestamp** is stored in UTC (ISO 8601 by default, with an offset
converted to UTC; `--date-format` adds a layout such as `%d/%m/%Y`); **amount** is a
decimal with 4 places (`--decimal ,` reads `1.234,56`); **int** is a whole number in its
range (`9.0` reads as 9); **choice** is one of the listed values (Italian and Spanish
words accepted, see the end of this page).

Every rejected row goes to `rejects` with its reason; nothing is read by a guess:

- **Missing**: an empty value, `NA`, `N/A` or `-` (any case) means no value: an optional
  field is left empty, a required one is rejected.
- **Numbers**: a grouping separator is accepted where it cannot be the decimal mark
  (`1,234.50`, `1,234,567`); `12,500` could be 12500 or 12.5, so it is rejected unless
  `--thousands ,` says that `,` groups thousands (`--thousands none` allows no grouping).
- **Timestamps in the future**: later than the import time plus the policy's
  `[ingest] future_tolerance` (one day by default) is rejected, as is a year outside
  1900–2100.
- **Repeated keys in one file**: identical rows are one row (the others are counted as
  duplicates); rows with one key and different values are all rejected, each naming the
  other line, never merged.
- **Importing again**: a reject that an earlier import already stored (same table,
  record, field, value and reason) is not stored again; the file's report says how many
  of its rejected rows were already recorded.

The **key** makes ingestion idempotent: a row whose key exists and whose values are equal
is a duplicate; with different values it updates the row, and the old and new values are
kept in `row_changes`. The store itself enforces it (each key is the table's primary key),
and writes are serialised, so concurrent imports end as a serial order of them would. A
customer referenced by any table but not yet loaded is created in `customers` with
`implicit = true`; loading the customer later clears the flag.

Every table also has these columns: `_batch_id` (the import batch that last wrote the
row: see `legame batches`), `_source_file`, `_source_line` (line in a text file, row in a
Parquet file) and `_extra`.

## Customer ids

One rule reads a customer id wherever it enters: a file's `customer_id`, `referrer_id` and
`referred_customer_id`, the API (paths such as `/api/v1/customers/{customer_id}`, the
contact check's body, uploads) and the CLI (`legame forget`, `legame contact`, audience
files). It is `legame.ingest.ids.clean_customer_id`; ingestion applies the same characters
in SQL.

1. Surrounding whitespace is removed: space, TAB, LF, CR, VT, FF and the Unicode spaces
   (no-break space U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000).
2. An id that still holds a control character (U+0000–U+001F, U+007F–U+009F: TAB, NUL,
   ...) or an invisible format character (U+200B–U+200F, U+2028–U+202E, U+2060–U+2064,
   U+2066–U+2069, U+FEFF) is refused: a file's row goes to `rejects` with the reason, the
   API answers 422, the CLI prints one error line.
3. An empty id is missing.
4. Case: letters keep their case, unless the policy's `[ingest] customer_id_case` is
   `lower` or `upper`: then the letters A–Z are folded (other letters keep theirs), so
   `C000001` and `c000001` are one customer. Choose it before the first import: ids already
   stored are not rewritten.

Steps 1–3 apply to the other ids (`order_id`, `ticket_id`, ...) too.
"""

_TAIL = """
## Bookkeeping tables

| table | what it holds |
|---|---|
| `batches` | one row per file ingested: table, file, SHA-256, format and options, \
counts read/inserted/updated/duplicates/rejected |
| `rejects` | one row per failing field of a rejected input row: batch, file, line, field, \
raw value, reason, the whole raw record |
| `row_changes` | every update of an existing row: batch, table, key, before and after (JSON) |
| `audit_log` | erasures and other audited actions, without personal data |
| `schema_version` | the migrations applied, in order |
"""


def _kind(col: Column) -> str:
    if col.case:
        return "code"
    return col.kind


def _rule(col: Column) -> str:
    rules = []
    if col.required:
        rules.append("required")
    if col.min is not None and col.max is not None:
        rules.append(f"{col.min:g}–{col.max:g}")
    elif col.min is not None:
        rules.append(f"≥ {col.min:g}")
    if col.choices:
        rules.append(" / ".join(col.choices))
    if col.default:
        rules.append(f"default {col.default}")
    if col.customer_ref:
        rules.append("customer")
    if col.personal:
        rules.append("personal data")
    return ", ".join(rules)


def data_model_markdown() -> str:
    parts = [_INTRO]
    for table in TABLES.values():
        parts.append(
            f"\n## `{table.name}`\n\n{table.doc}\n\nKey: "
            + ", ".join(f"`{k}`" for k in table.key)
            + "\n"
        )
        parts.append("| column | type | rules | meaning |\n|---|---|---|---|")
        for col in table.columns:
            parts.append(f"| `{col.name}` | {_kind(col)} | {_rule(col)} | {col.doc} |")
        for name, ddl in table.extra_columns:
            parts.append(
                f"| `{name}` | {ddl.split()[0].lower()} | set by legame | "
                "true for a customer created because another table referenced it |"
            )
    parts.append(_TAIL)
    parts.append("## Words accepted for choices\n")
    parts.append("| value | also accepted |\n|---|---|")
    for value, words in CHOICE_SYNONYMS.items():
        parts.append(f"| `{value}` | {', '.join(words)} |")
    parts.append("\nMetadata columns: " + ", ".join(f"`{c}`" for c in META_COLUMNS) + ".")
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(data_model_markdown(), end="")
