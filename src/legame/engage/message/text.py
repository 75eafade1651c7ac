"""A draft and its words: subject/body split, tokens with offsets and lemma keys.

A token is matched against the lexicon through its *keys*: the lower-cased word, its lemma in
the draft's language (simplemma), and both again without accents. Two tokens match when
their keys intersect, so "ultimi" matches "ultimo" (both lemma ``ultimo``), "stava" matches
"stanno" (``stare``) and "sostenibilita" matches "sostenibilità".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import simplemma

_WORD = re.compile(r"[^\W_]+")
_SENTENCE_END = frozenset(".!?¡¿:;\n")
_OPENERS = " \t\"'«“("


@dataclass(frozen=True, slots=True)
class Draft:
    """A draft message: the first line is the subject, the rest is the body."""

    subject: str
    body: str

    @property
    def text(self) -> str:
        """Subject and body joined by one newline: the string every offset refers to."""
        return f"{self.subject}\n{self.body}" if self.body else self.subject


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a text, with where it is and the keys it matches on."""

    text: str
    start: int
    end: int
    keys: frozenset[str]
    starts_sentence: bool


def split_draft(text: str) -> Draft:
    """Split plain text into subject (first non-blank line) and body (the rest, trimmed)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").strip().split("\n", 1)
    subject = lines[0].strip()
    body = lines[1].strip() if len(lines) > 1 else ""
    return Draft(subject=subject, body=body)


def fold(word: str) -> str:
    """Lower-case ``word`` and strip its accents: "Perché" -> "perche"."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=65536)
def lemma(word: str, language: str) -> str:
    """The simplemma lemma of a lower-case ``word``; the word itself if there is none."""
    try:
        return simplemma.lemmatize(word, lang=language).lower()
    except ValueError:  # a language simplemma does not know
        return word


@lru_cache(maxsize=65536)
def word_keys(word: str, language: str) -> frozenset[str]:
    """Every form a word matches on: itself, its lemma, and both without accents."""
    lower = word.lower()
    base = lemma(lower, language)
    return frozenset({lower, base, fold(lower), fold(base)})


def tokenize(text: str, language: str) -> list[Token]:
    """Split ``text`` into words (letters and digits) with offsets and lemma keys.

    Linear in ``text``: whether a word starts a sentence is read from the gap since the
    previous word only (the previous word itself never ends a sentence).
    """
    tokens: list[Token] = []
    previous_end = 0
    for match in _WORD.finditer(text):
        gap = text[previous_end : match.start()].rstrip(_OPENERS)
        # With no gap, what comes before is only openers (the first word) or a word.
        starts_sentence = gap[-1] in _SENTENCE_END if gap else not tokens
        tokens.append(
            Token(
                text=match.group(),
                start=match.start(),
                end=match.end(),
                keys=word_keys(match.group(), language),
                starts_sentence=starts_sentence,
            )
        )
        previous_end = match.end()
    return tokens


def key_positions(tokens: Sequence[Token]) -> dict[str, list[int]]:
    """Each key of ``tokens`` and the indices of the tokens that have it, in order."""
    positions: dict[str, list[int]] = {}
    for i, token in enumerate(tokens):
        for key in token.keys:
            positions.setdefault(key, []).append(i)
    return positions
