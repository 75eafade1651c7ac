"""Read one table of a preset file with checks: every error names the file and the key.

A preset is data written by hand (ours or a user's), so each value is checked for its
type where it is read, and a key the format does not know is an error too (a typo such as
``colums`` would otherwise be silently ignored).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

from legame.errors import InputError

#: The languages a by-language value may name; ``*`` is "every language".
ANY = "*"


class Keys:
    """One TOML table of a preset file, at ``where`` (``exports.orders.transforms[2]``)."""

    def __init__(self, raw: object, *, file: Path, where: str) -> None:
        self.file, self.where = file, where
        if not isinstance(raw, Mapping):
            self.fail("", f"must be a table, got {_kind(raw)}")
        self.raw: Mapping[str, Any] = raw

    def fail(self, key: str, problem: str) -> NoReturn:
        """Raise the one error shape: ``FILE: key exports.orders.table: PROBLEM.``"""
        name = ".".join(p for p in (self.where, key) if p) or "(top level)"
        raise InputError(f"{self.file}: key {name}: {problem}.")

    def sub(self, key: str, raw: object | None = None) -> Keys:
        where = ".".join(p for p in (self.where, key) if p)
        return Keys(self.raw[key] if raw is None else raw, file=self.file, where=where)

    def only(self, *allowed: str) -> None:
        unknown = sorted(set(self.raw) - set(allowed))
        if unknown:
            self.fail(unknown[0], f"unknown key; the keys here are: {', '.join(allowed)}")

    def has(self, key: str) -> bool:
        return key in self.raw

    def text(self, key: str, default: str | None = None) -> str:
        value = self.raw.get(key, default)
        if value is None:
            self.fail(key, "missing (required)")
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"must be a non-empty string, got {_kind(value)}")
        return str(value).strip()

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if key in self.raw else None

    def texts(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        """A string or a list of strings (at least one)."""
        if key not in self.raw:
            if required:
                self.fail(key, "missing (required)")
            return ()
        return self._texts(key, self.raw[key])

    def _texts(self, key: str, value: object) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else value
        if (
            not isinstance(items, list)
            or not items
            or not all(isinstance(v, str) and v.strip() for v in items)
        ):
            self.fail(key, f"must be a string or a list of non-empty strings, got {_kind(value)}")
        return tuple(str(v).strip() for v in items)

    def by_language(self, key: str, *, required: bool = True) -> dict[str, tuple[str, ...]]:
        """Strings for every language (a string or list) or per language
        (``{ en = [...], it = [...] }``): ``{"*": (...)}`` or ``{"en": (...), ...}``."""
        if key not in self.raw:
            if required:
                self.fail(key, "missing (required)")
            return {}
        value = self.raw[key]
        if not isinstance(value, Mapping):
            return {ANY: self._texts(key, value)}
        if not value:
            self.fail(key, "must name at least one language")
        out: dict[str, tuple[str, ...]] = {}
        for lang, items in value.items():
            if not (lang == ANY or (lang.isalpha() and lang.islower() and len(lang) in (2, 3))):
                self.fail(f"{key}.{lang}", "a language must be a code such as en, it, es (or *)")
            out[lang] = self._texts(f"{key}.{lang}", items)
        return out

    def words(self, key: str, *, required: bool = False) -> dict[str, str]:
        """A table of words to values, read case-insensitively: ``{ paid = "completed" }``.
        Numbers are allowed as values (``{ good = 5 }``) and kept as their text."""
        if key not in self.raw:
            if required:
                self.fail(key, "missing (required)")
            return {}
        value = self.raw[key]
        if not isinstance(value, Mapping) or not value:
            self.fail(key, f"must be a non-empty table of word = value, got {_kind(value)}")
        out: dict[str, str] = {}
        for word, target in value.items():
            if isinstance(target, bool) or not isinstance(target, str | int | float):
                self.fail(f"{key}.{word}", f"must be a string or a number, got {_kind(target)}")
            folded = fold(word)
            if folded in out:
                self.fail(f"{key}.{word}", "the same word twice (words are read ignoring case)")
            out[folded] = str(target).strip()
        return out

    def number(self, key: str, default: float) -> float:
        value = self.raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(key, f"must be a number, got {_kind(value)}")
        return float(value)

    def tables(self, key: str) -> list[Keys]:
        """An array of tables (``[[exports.orders.transforms]]``); none if absent."""
        value = self.raw.get(key, [])
        if not isinstance(value, list):
            self.fail(
                key, f"must be an array of tables ([[{self.where}.{key}]]), got {_kind(value)}"
            )
        return [self.sub(f"{key}[{i + 1}]", item) for i, item in enumerate(value)]


def fold(text: str) -> str:
    """How header names and words are compared: case, surrounding and repeated spaces and
    a byte-order mark ignored."""
    return " ".join(text.replace("\ufeff", "").split()).casefold()


def _kind(value: object) -> str:
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a table"
    return "nothing" if value is None else type(value).__name__
