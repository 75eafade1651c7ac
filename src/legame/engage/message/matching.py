"""Find lexicon phrases and patterns in a tokenized text, keeping the words as written.

Matches never span a line break: the subject and each line of the body stand alone.

A :class:`CueSet` holds the phrases and regular expressions of one lexicon section (say,
Italian false urgency). :meth:`CueSet.find` returns one :class:`Match` per place it matched,
with the evidence copied from the draft, longest match first where two overlap.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from legame.engage.message.text import Token, fold, key_positions, tokenize

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
        for k, keys in enumerate(self.words):
            if keys and keys.isdisjoint(tokens[i + k].keys):
                return False
        return True


class CueSet:
    """Phrases and regular expressions of one lexicon section, compiled for matching."""

    def __init__(self, phrases: Iterable[Phrase] = (), patterns: Iterable[str] = ()) -> None:
        self.phrases = tuple(phrases)
        self.patterns = tuple(re.compile(p, re.IGNORECASE) for p in patterns)
        self._by_first: dict[str, list[int]] = {}  # first-word key -> phrase indices
        for order, phrase in enumerate(self.phrases):
            for key in phrase.words[0]:
                self._by_first.setdefault(key, []).append(order)

    def __len__(self) -> int:
        return len(self.phrases) + len(self.patterns)

    def __or__(self, other: CueSet) -> CueSet:
        patterns = [p.pattern for p in (*self.patterns, *other.patterns)]
        return CueSet(self.phrases + other.phrases, patterns)

    def find(
        self,
        text: str,
        tokens: Sequence[Token],
        positions: Mapping[str, Sequence[int]] | None = None,
    ) -> list[Match]:
        """Every non-overlapping match in ``text``, longest first where two overlap.

        ``positions`` is :func:`~legame.engage.message.text.key_positions` of ``tokens``;
        pass it when several cue sets search the same text, so each looks up only the words
        its phrases start with instead of walking every token.
        """
        if positions is None:
            positions = key_positions(tokens)
        starts: set[tuple[int, int]] = set()
        by_first = self._by_first
        keys = by_first.keys() if len(by_first) <= len(positions) else positions.keys()
        for key in keys:
            if key in by_first and key in positions:
                for order in by_first[key]:
                    starts.update((i, order) for i in positions[key])
        found: list[Match] = []
        for i, order in sorted(starts):
            phrase = self.phrases[order]
            if phrase.matches_at(tokens, i):
                start, end = tokens[i].start, tokens[i + len(phrase.words) - 1].end
                found.append(Match(phrase.text, text[start:end], start, end))
        for pattern in self.patterns:
            for m in pattern.finditer(text):
                found.append(Match(pattern.pattern, m.group(), m.start(), m.end()))
        found = [m for m in found if m.evidence.strip() and "\n" not in m.evidence]
        return without_overlaps(found)


def without_overlaps(matches: Iterable[Match]) -> list[Match]:
    """Keep the longest of overlapping matches (earliest first on ties), in text order.

    Kept spans are marked in a bytearray, so the work is the total length of the matches,
    not their number squared.
    """
    ordered = sorted(matches, key=lambda m: (m.start - m.end, m.start))
    if not ordered:
        return []
    origin = min(m.start for m in ordered)
    taken = bytearray(max(m.end for m in ordered) - origin)
    kept: list[Match] = []
    for match in ordered:
        start, end = match.start - origin, match.end - origin
        if start == end:  # never from find(); checked the slow way to keep the rule exact
            if all(match.end <= k.start or match.start >= k.end for k in kept):
                kept.append(match)
        elif taken.find(1, start, end) < 0:
            taken[start:end] = b"\x01" * (end - start)
            kept.append(match)
    return sorted(kept, key=lambda m: m.start)


def distinct_evidence(matches: Iterable[Match]) -> list[str]:
    """The matched words, once each (case-insensitive), in text order."""
    seen: dict[str, str] = {}
    for match in matches:
        seen.setdefault(" ".join(match.evidence.lower().split()), match.evidence)
    return list(seen.values())
