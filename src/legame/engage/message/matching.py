"""Find lexicon phrases and patterns in a tokenized text, keeping the words as written.

Matches never span a line break: the subject and each line of the body stand alone.

A :class:`CueSet` holds the phrases and regular expressions of one lexicon section (say,
Italian false urgency). :meth:`CueSet.find` returns one :class:`Match` per place it matched,
with the evidence copied from the draft, longest match first where two overlap.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from legame.engage.message.text import Token, fold, tokenize

_WILDCARD: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Match:
    """One place where a lexicon entry matched: the entry and the draft's own words."""

    cue: str
    evidence: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Phrase:
    """A lexicon phrase: one key set per word (an empty set is the ``*`` wildcard).

    A word written ``=word`` matches only that word as written (case and accents aside),
    not its other forms: ``"=corri"`` is the imperative, not any form of "correre".
    """

    text: str
    words: tuple[frozenset[str], ...]

    @classmethod
    def parse(cls, text: str, language: str) -> Phrase:
        """Tokenize and lemmatize ``text`` in ``language``; ``*`` stays a wildcard."""
        words: list[frozenset[str]] = []
        for part in text.split():
            if part == "*":
                words.append(_WILDCARD)
            elif part.startswith("="):
                as_written = tokenize(part, language)
                words.extend(frozenset({t.text.lower(), fold(t.text)}) for t in as_written)
            else:
                words.extend(token.keys for token in tokenize(part, language))
        if not words or not words[0]:
            raise ValueError(f"lexicon phrase {text!r} must start with a word")
        return cls(text=text, words=tuple(words))

    def matches_at(self, tokens: Sequence[Token], i: int) -> bool:
        """Whether the phrase matches ``tokens`` starting at index ``i``."""
        if i + len(self.words) > len(tokens):
            return False
        return all(
            not keys or not keys.isdisjoint(tokens[i + k].keys) for k, keys in enumerate(self.words)
        )


class CueSet:
    """Phrases and regular expressions of one lexicon section, compiled for matching."""

    def __init__(self, phrases: Iterable[Phrase] = (), patterns: Iterable[str] = ()) -> None:
        self.phrases = tuple(phrases)
        self.patterns = tuple(re.compile(p, re.IGNORECASE) for p in patterns)
        self._by_first: dict[str, list[Phrase]] = {}
        for phrase in self.phrases:
            for key in phrase.words[0]:
                self._by_first.setdefault(key, []).append(phrase)

    def __len__(self) -> int:
        return len(self.phrases) + len(self.patterns)

    def __or__(self, other: CueSet) -> CueSet:
        patterns = [p.pattern for p in (*self.patterns, *other.patterns)]
        return CueSet(self.phrases + other.phrases, patterns)

    def find(self, text: str, tokens: Sequence[Token]) -> list[Match]:
        """Every non-overlapping match in ``text``, longest first where two overlap."""
        found: list[Match] = []
        for i, token in enumerate(tokens):
            candidates = {id(p): p for key in token.keys for p in self._by_first.get(key, ())}
            for phrase in candidates.values():
                if phrase.matches_at(tokens, i):
                    end = tokens[i + len(phrase.words) - 1].end
                    found.append(Match(phrase.text, text[token.start : end], token.start, end))
        for pattern in self.patterns:
            for m in pattern.finditer(text):
                found.append(Match(pattern.pattern, m.group(), m.start(), m.end()))
        found = [m for m in found if m.evidence.strip() and "\n" not in m.evidence]
        return without_overlaps(found)


def without_overlaps(matches: Iterable[Match]) -> list[Match]:
    """Keep the longest of overlapping matches (earliest first on ties), in text order."""
    kept: list[Match] = []
    for match in sorted(matches, key=lambda m: (m.start - m.end, m.start)):
        if all(match.end <= k.start or match.start >= k.end for k in kept):
            kept.append(match)
    return sorted(kept, key=lambda m: m.start)


def distinct_evidence(matches: Iterable[Match]) -> list[str]:
    """The matched words, once each (case-insensitive), in text order."""
    seen: dict[str, str] = {}
    for match in matches:
        seen.setdefault(" ".join(match.evidence.lower().split()), match.evidence)
    return list(seen.values())
