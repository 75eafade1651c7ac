"""A preset file: what one tool's exports look like and how they become canonical rows.

The format, in brief (``docs/presets.md`` has every key)::

    vendor = "Shopify"
    source = ["https://help.shopify.com/..."]        # the documentation it is built from
    [exports.orders]                                   # one kind of file the tool exports
    table = "orders"                                   # the canonical table it loads
    require = ["order_id", "financial_status"]         # column keys that recognise it
    [exports.orders.columns]                           # column key = header names
    order_id = "Name"                                  # the same in every language
    financial_status = { en = "Financial Status", it = "Stato finanziario" }
    [[exports.orders.transforms]]                      # steps from a fixed set, in order
    kind = "map_values"
    ...
    [[exports.orders.consents]]                        # consent events per row
    ...

A column key that is a field of the table fills that field; any other key, and any column
of the file the preset does not name, is kept in ``_extra`` (under the key, or the header).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from legame.errors import InputError
from legame.ingest.presets.consents import Consent, parse_consent
from legame.ingest.presets.kinds import KINDS
from legame.ingest.presets.reader import ANY, Keys
from legame.ingest.presets.steps import Step
from legame.store.schema import TABLES

Origin = Literal["legame", "workspace"]
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class ColumnSpec:
    """A column key and its header names, per language (``*``: every language)."""

    key: str
    aliases: dict[str, tuple[str, ...]]

    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a for names in self.aliases.values() for a in names))


@dataclass(frozen=True)
class Export:
    """One kind of file a tool exports, and the canonical table it loads."""

    name: str
    table: str
    title: str
    require: tuple[str, ...]
    #: A key whose column must be the file's first (a form's timestamp), or None.
    first: str | None
    columns: tuple[ColumnSpec, ...]
    steps: tuple[Step, ...]
    consents: tuple[Consent, ...]
    source: tuple[str, ...]

    def written(self) -> tuple[str, ...]:
        """Keys the steps write, in order, once each."""
        return tuple(dict.fromkeys(k for s in self.steps for k in s.writes()))

    def languages(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(lang for c in self.columns for lang in c.aliases if lang != ANY))


@dataclass(frozen=True)
class Preset:
    """A tool's exports: ours (shipped with legame) or the workspace's own."""

    name: str
    vendor: str
    source: tuple[str, ...]
    notes: str
    path: Path
    origin: Origin
    exports: dict[str, Export]

    def tables(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.table for e in self.exports.values()))


def read_preset(path: Path, origin: Origin) -> Preset:
    """Parse and check one preset file; ``InputError`` naming the file and the key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a valid TOML file: {exc}.") from None
    keys = Keys(data, file=path, where="")
    keys.only("name", "vendor", "source", "notes", "exports")
    name = keys.optional_text("name") or path.stem
    if name != path.stem or not _NAME.match(name):
        keys.fail("name", f"must be the file's name ({path.stem!r}): lower case, digits, - or _")
    exports_keys = keys.sub("exports", keys.raw.get("exports", {}))
    if not exports_keys.raw:
        keys.fail("exports", "missing: describe at least one export ([exports.NAME])")
    exports = {export: _export(export, exports_keys.sub(export)) for export in exports_keys.raw}
    return Preset(
        name=name,
        vendor=keys.text("vendor"),
        source=keys.texts("source"),
        notes=keys.optional_text("notes") or "",
        path=path,
        origin=origin,
        exports=exports,
    )


def _export(name: str, keys: Keys) -> Export:
    keys.only("table", "title", "source", "require", "first", "columns", "transforms", "consents")
    table = keys.text("table")
    if table not in TABLES:
        keys.fail("table", f"{table!r} is not a table; the tables are: {', '.join(TABLES)}")
    column_keys = keys.sub("columns", keys.raw.get("columns", {}))
    if not column_keys.raw:
        keys.fail("columns", "missing: name the export's columns (key = header names)")
    columns = []
    for key in column_keys.raw:
        if not _KEY.match(key):
            column_keys.fail(key, "a column key is lower case letters, digits and _")
        columns.append(ColumnSpec(key, column_keys.by_language(key)))
    known = {c.key for c in columns}
    require = keys.texts("require")
    first = keys.optional_text("first")
    for key in (*require, *((first,) if first else ())):
        if key not in known:
            keys.fail(
                "require" if key in require else "first", f"{key!r} is not a key of [columns]"
            )
    steps = tuple(_step(t, known) for t in keys.tables("transforms"))  # adds what each writes
    for i, step in enumerate(steps):
        if step.needs_scan and i:  # it reads the columns as the file has them
            keys.fail(f"transforms[{i + 1}]", f"{step.kind} must be the first transform")
    consents = tuple(parse_consent(c) for c in keys.tables("consents"))
    for i, consent in enumerate(consents):
        for key in (*consent.reads(), "customer_id"):
            if key not in known:
                keys.fail(
                    f"consents[{i + 1}]", f"reads {key!r}, which no column or transform gives"
                )
    missing = [c.name for c in TABLES[table].columns if c.required and c.name not in known]
    if missing:
        keys.fail(
            "",
            f"no column or transform gives the required field(s) {', '.join(missing)} of {table}",
        )
    return Export(
        name=name,
        table=table,
        title=keys.optional_text("title") or name,
        require=require,
        first=first,
        columns=tuple(columns),
        steps=steps,
        consents=consents,
        source=keys.texts("source", required=False),
    )


def _step(keys: Keys, known: set[str]) -> Step:
    kind = keys.text("kind")
    if kind not in KINDS:
        keys.fail("kind", f"unknown transform {kind!r}; the transforms are: {', '.join(KINDS)}")
    step = KINDS[kind](keys)
    for key in step.reads():
        if key not in known:
            keys.fail(
                "",
                f"reads {key!r}, which is neither a column key nor written by an earlier transform",
            )
    known |= set(step.writes())
    return step
