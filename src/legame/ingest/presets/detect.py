"""Recognise an export by its header: which preset, which of its exports, which language.

A header fits an export when it holds a column for each ``require`` key (any header name
of the key, in any language, compared ignoring case and repeated spaces). The header's
language is the one most of its recognised names are written in. Among exports that fit,
the one that recognises the most columns is the file's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from legame.errors import InputError
from legame.ingest.presets.catalog import Catalog
from legame.ingest.presets.format import Export, Preset
from legame.ingest.presets.frame import LINE
from legame.ingest.presets.reader import ANY, fold


@dataclass(frozen=True)
class Binding:
    """How one file's header fits one export."""

    preset: Preset
    export: Export
    language: str
    #: column key -> index of its column in the header
    columns: dict[str, int]
    #: index -> name in the frame, for each column the preset does not name
    undeclared: dict[int, str]
    #: required keys with no column in the header
    missing: tuple[str, ...]

    @property
    def fits(self) -> bool:
        return not self.missing

    @property
    def label(self) -> str:
        return f"{self.preset.name} ({self.export.title}, table {self.export.table})"


def bind(preset: Preset, export: Export, headers: list[str], mapping: dict[str, str]) -> Binding:
    """Match ``headers`` to ``export``; ``mapping`` (``--map FIELD=COLUMN``) goes first."""
    where = {fold(h): i for i, h in reversed(list(enumerate(headers)))}
    columns: dict[str, int] = {}
    votes: Counter[str] = Counter()
    taken = {headers.index(h) for h in mapping.values() if h in headers}
    for spec in export.columns:
        for lang, names in spec.aliases.items():
            for name in names:
                i = where.get(fold(name))
                if i is None or i in taken:
                    continue
                if lang != ANY:
                    votes[lang] += 1
                if spec.key not in columns and i not in columns.values():
                    columns[spec.key] = i
    for field, header in mapping.items():
        if header in headers:
            columns[field] = headers.index(header)
    order = export.languages() or ("en",)
    language = max(order, key=lambda lang: (votes[lang], -order.index(lang)))
    reserved = {c.key for c in export.columns} | set(export.written()) | {LINE}
    used = set(columns.values())
    undeclared = {
        i: (f"{h} (column {i + 1})" if h in reserved or h.startswith("_") else h)
        for i, h in enumerate(headers)
        if i not in used
    }
    missing = tuple(k for k in export.require if k not in columns)
    if export.first is not None and columns.get(export.first) != 0:
        missing += (export.first,) if export.first not in missing else ()
    return Binding(preset, export, language, columns, undeclared, missing)


def best(
    preset: Preset, headers: list[str], mapping: dict[str, str], table: str | None
) -> list[Binding]:
    """The preset's exports (for ``table``, if given) that fit, best first."""
    bindings = [
        bind(preset, e, headers, mapping)
        for e in preset.exports.values()
        if table is None or e.table == table
    ]
    return sorted((b for b in bindings if b.fits), key=lambda b: -len(b.columns))


def choose(
    preset: Preset, headers: list[str], mapping: dict[str, str], table: str | None, label: str
) -> Binding:
    """The export of ``preset`` that ``label``'s header fits; ``InputError`` if none or two."""
    exports = [e for e in preset.exports.values() if table is None or e.table == table]
    if not exports:
        raise InputError(
            f"{label}: the preset {preset.name} has no export for the table {table}; it loads "
            f"{', '.join(preset.tables())}."
        )
    fitting = best(preset, headers, mapping, table)
    if not fitting:
        closest = min(
            (bind(preset, e, headers, mapping) for e in exports), key=lambda b: len(b.missing)
        )
        specs = {c.key: c for c in closest.export.columns}
        wanted = "; ".join(
            f"{k} ({' or '.join(repr(n) for n in specs[k].names())})" for k in closest.missing
        )
        raise InputError(
            f"{label}: not a {preset.vendor} {closest.export.title} as the preset "
            f"{preset.name} knows it: no column for {wanted}. The file's columns are: "
            f"{', '.join(headers)}. Check the file, or name a column with --map."
        )
    if len(fitting) > 1 and len(fitting[0].columns) == len(fitting[1].columns):
        raise InputError(
            f"{label}: the header fits two exports of the preset {preset.name} equally: "
            f"{fitting[0].export.name} and {fitting[1].export.name}; name the table."
        )
    return fitting[0]


def detect(catalog: Catalog, headers: list[str], label: str) -> Binding | None:
    """The one preset whose export ``label``'s header fits; None if no preset knows it;
    ``InputError`` (asking for ``--preset``) if several do."""
    found: list[Binding] = []
    for preset in catalog.all():
        fitting = best(preset, headers, {}, None)
        if fitting:
            found.append(fitting[0])
    if len(found) > 1:
        raise InputError(
            f"{label}: the header fits {len(found)} presets: "
            f"{', '.join(b.label for b in found)}; choose one with --preset NAME."
        )
    return found[0] if found else None
