"""The message-check lexicon, read from the TOML files in ``data/`` once per process.

The files hold all the wording (see ``data/README.md``); this module only compiles them:

* :func:`language_lexicon` — one language's stopwords and cue sections, with the
  language-independent patterns of ``neutral.toml`` merged in;
* :func:`concept_cues` — the multilingual concept lexicon used to match brand values;
* :func:`shouting_exempt`, :func:`is_emoji` and :func:`emoji_pattern` — what does not count
  as shouting, and what counts as an emoji.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from legame.engage.message.matching import CueSet, Phrase
from legame.engage.message.text import Token, fold

SUPPORTED_LANGUAGES: tuple[str, ...] = ("it", "es", "en")
"""Languages with a full lexicon: drafts in these get every check."""

PRESSURE_KINDS: tuple[str, ...] = ("urgency", "guilt", "over_contact")
_WORD = re.compile(r"[^\W_]+")

USEFUL_KINDS: tuple[str, ...] = ("thanks", "howto", "need", "news", "story", "info")
SECTIONS: tuple[str, ...] = (
    *PRESSURE_KINDS,
    "incentive",
    "detail",
    *(f"useful.{kind}" for kind in USEFUL_KINDS),
)


@dataclass(frozen=True)
class LanguageLexicon:
    """One language's stopwords and compiled cue sections (``SECTIONS`` are the keys)."""

    language: str
    stopwords: frozenset[str]
    cues: Mapping[str, CueSet]

    def is_stopword(self, token: Token) -> bool:
        """Whether the word, or its lemma, is a function word of this language."""
        return not token.keys.isdisjoint(self.stopwords)


@dataclass(frozen=True)
class ConceptCues:
    """One concept of ``concepts.toml`` with its terms compiled for one language.

    ``weight`` is the concept's weight as an aspect of a value (1.0, or 0.5 for concepts
    that usually modify another); ``related`` names the concepts through which it is often
    shown in practice.
    """

    name: str
    cues: CueSet
    weight: float = 1.0
    related: tuple[str, ...] = ()


def _read(name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return tomllib.loads(text)


def _section(table: Mapping[str, Any], dotted: str) -> Mapping[str, Any]:
    for part in dotted.split("."):
        table = table.get(part, {})
    return table


def _cue_set(section: Mapping[str, Any], language: str) -> CueSet:
    phrases = [Phrase.parse(text, language) for text in section.get("phrases", ())]
    return CueSet(phrases, section.get("patterns", ()))


@cache
def _neutral() -> dict[str, Any]:
    return _read("neutral.toml")


@cache
def language_lexicon(language: str) -> LanguageLexicon:
    """The compiled lexicon of ``language``; only neutral patterns for other languages."""
    data = _read(f"{language}.toml") if language in SUPPORTED_LANGUAGES else {}
    neutral = _neutral()
    cues = {
        name: _cue_set(_section(data, name), language) | _cue_set(_section(neutral, name), language)
        for name in SECTIONS
    }
    words = str(data.get("stopwords", "")).split()
    stopwords = frozenset(w.lower() for w in words) | frozenset(fold(w) for w in words)
    return LanguageLexicon(language=language, stopwords=stopwords, cues=cues)


@cache
def concept_cues(language: str) -> tuple[ConceptCues, ...]:
    """Every concept, with its ``language`` and ``any`` terms lemmatized, and its patterns."""
    concepts = []
    for name, terms in _read("concepts.toml").items():
        texts = [*terms.get(language, ()), *terms.get("any", ())]
        phrases = [Phrase.parse(text, language) for text in texts]
        concepts.append(
            ConceptCues(
                name=name,
                cues=CueSet(phrases, terms.get("patterns", ())),
                weight=float(terms.get("weight", 1.0)),
                related=tuple(terms.get("related", ())),
            )
        )
    return tuple(concepts)


@cache
def vocabulary(language: str) -> frozenset[str]:
    """Folded words this language's lexicon knows: used to guess the language of short text."""
    data = _read(f"{language}.toml")
    texts = [str(data.get("stopwords", ""))]
    for name in SECTIONS:
        texts.extend(_section(data, name).get("phrases", ()))
    for terms in _read("concepts.toml").values():
        texts.extend(terms.get(language, ()))
    return frozenset(fold(w) for text in texts for w in _WORD.findall(text))


@cache
def shouting_exempt() -> frozenset[str]:
    """Upper-case words that are acronyms, not shouting."""
    return frozenset(str(_neutral()["shouting"]["exempt"]).split())


@cache
def _emoji_ranges() -> tuple[tuple[int, int], ...]:
    return tuple((int(lo), int(hi)) for lo, hi in _neutral()["emoji"]["ranges"])


@cache
def emoji_pattern() -> re.Pattern[str]:
    """One character of the emoji ranges of ``neutral.toml``, as a regular expression."""
    ranges = "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in _emoji_ranges())
    return re.compile(f"[{ranges}]")


def is_emoji(char: str) -> bool:
    """Whether ``char`` falls in one of the emoji ranges of ``neutral.toml``."""
    code = ord(char)
    return any(lo <= code <= hi for lo, hi in _emoji_ranges())
