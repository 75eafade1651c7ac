"""How much a draft gives the customer, as a transparent score in [0, 1].

Three things are counted, none of them inside a pushy or incentive phrase:

* **cues** — distinct phrases of the ``useful.*`` lexicon sections: thanks, how-to, an
  answer to a need, news, the brand's story, product or service facts (origin, hours,
  prices, an order on its way);
* **details** — distinct concrete details: dates, weekdays, clock times, years,
  quantities with a unit, phone numbers, and names (a capitalised word that does not
  start a sentence);
* **content words** — words that are not function words.

::

    usefulness = min(1, CUE_WEIGHT    * min(cues, CUE_CAP)
                      + DETAIL_WEIGHT * min(details, DETAIL_CAP)
                      + LENGTH_WEIGHT * min(1, content_words / LENGTH_NORM))

With the defaults, two useful phrases and one concrete detail reach 0.5; a draft with no
cue and no detail can reach at most ``LENGTH_WEIGHT`` however long it is, so length alone
never makes a draft useful.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate

from legame.engage.message.lexicon import PRESSURE_KINDS, USEFUL_KINDS, LanguageLexicon
from legame.engage.message.matching import Match, distinct_evidence, without_overlaps
from legame.engage.message.text import Token

CUE_WEIGHT = 0.2
CUE_CAP = 4
DETAIL_WEIGHT = 0.1
DETAIL_CAP = 4
LENGTH_WEIGHT = 0.3
LENGTH_NORM = 60


@dataclass(frozen=True, slots=True)
class Usefulness:
    """The usefulness score and what it was made of."""

    score: float
    cues: tuple[str, ...]
    details: tuple[str, ...]
    content_words: int

    @property
    def found(self) -> tuple[str, ...]:
        """Cues then details: the evidence of what useful content there is."""
        return self.cues + self.details


class _Spans:
    """Spans to test overlap against in O(log n): starts sorted, with the running max end."""

    def __init__(self, spans: Sequence[Match]) -> None:
        ordered = sorted(spans, key=lambda s: s.start)
        self._starts = [s.start for s in ordered]
        self._max_end = list(accumulate((s.end for s in ordered), max))

    def overlap(self, span: Match | Token) -> bool:
        """Whether ``span`` overlaps one of the spans (``s.start < end and start < s.end``)."""
        before = bisect_left(self._starts, span.end)  # spans starting before span.end
        return before > 0 and self._max_end[before - 1] > span.start


def _names(tokens: Sequence[Token], lexicon: LanguageLexicon) -> list[Match]:
    return [
        Match("name", t.text, t.start, t.end)
        for t in tokens
        if not t.starts_sentence
        and len(t.text) >= 3
        and t.text[0].isupper()
        and not t.text.isupper()
        and not lexicon.is_stopword(t)
    ]


def measure_usefulness(
    tokens: Sequence[Token],
    matches: Mapping[str, Sequence[Match]],
    lexicon: LanguageLexicon,
) -> Usefulness:
    """Score what the draft gives the customer, from its tokens and lexicon matches.

    ``matches`` maps each lexicon section (``"urgency"``, ``"useful.howto"``…) to its
    matches in the draft.
    """
    pushy = _Spans([m for kind in (*PRESSURE_KINDS, "incentive") for m in matches.get(kind, ())])
    cue_matches = [
        m
        for kind in USEFUL_KINDS
        for m in matches.get(f"useful.{kind}", ())
        if not pushy.overlap(m)
    ]
    detail_matches = [
        m
        for m in without_overlaps([*matches.get("detail", ()), *_names(tokens, lexicon)])
        if not pushy.overlap(m)
    ]
    cues = distinct_evidence(without_overlaps(cue_matches))
    details = distinct_evidence(detail_matches)
    content_words = sum(
        1
        for t in tokens
        if t.text.isalpha()
        and len(t.text) >= 2
        and not lexicon.is_stopword(t)
        and not pushy.overlap(t)
    )
    score = (
        CUE_WEIGHT * min(len(cues), CUE_CAP)
        + DETAIL_WEIGHT * min(len(details), DETAIL_CAP)
        + LENGTH_WEIGHT * min(1.0, content_words / LENGTH_NORM)
    )
    return Usefulness(
        score=min(1.0, score),
        cues=tuple(cues),
        details=tuple(details),
        content_words=content_words,
    )
