"""Which language a draft (or a brand value) is written in.

lingua decides for text of at least ``MIN_LETTERS`` letters when it is at least
``MIN_CONFIDENCE`` sure; it is restricted to eight European languages and built once, on
first use. Shorter or uncertain text (a subject line, a value such as "calidad") is decided
among Italian, Spanish and English by counting words the lexicon knows in each language,
plus spelling marks (``¡ ¿ ñ`` for Spanish, a final grave accent for Italian); lingua's
confidence only breaks ties. Text with no letters gets ``FALLBACK_LANGUAGE``.

Only the first ``DETECTION_CHARS`` characters are read: that is plenty to tell a language,
and it bounds lingua's work, which grows with the square of a word's length.
"""

from __future__ import annotations

import re
from functools import cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from legame.engage.message.lexicon import SUPPORTED_LANGUAGES, vocabulary
from legame.engage.message.text import fold

FALLBACK_LANGUAGE = "en"
"""Language reported for text with no letters at all."""

MIN_LETTERS = 40
"""Below this many letters lingua is not trusted on its own."""

MIN_CONFIDENCE = 0.5
"""lingua's answer is taken as is only when its confidence reaches this."""

DETECTION_CHARS = 10_000
"""Language is detected on at most this many characters from the start of the text."""

DETECTABLE = (
    Language.ITALIAN,
    Language.SPANISH,
    Language.ENGLISH,
    Language.FRENCH,
    Language.GERMAN,
    Language.PORTUGUESE,
    Language.CATALAN,
    Language.DUTCH,
)

_WORD = re.compile(r"[^\W\d_]+")
_MARKS = {"es": re.compile(r"[¡¿ñÑ]"), "it": re.compile(r"[àèìòù]\b", re.IGNORECASE)}


@cache
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*DETECTABLE).build()


def _lingua_confidences(text: str) -> dict[str, float]:
    values = _detector().compute_language_confidence_values(text)
    return {v.language.iso_code_639_1.name.lower(): v.value for v in values}


def _lexicon_votes(text: str) -> dict[str, int]:
    words = [fold(w) for w in _WORD.findall(text)]
    votes = {lang: sum(w in vocabulary(lang) for w in words) for lang in SUPPORTED_LANGUAGES}
    for lang, mark in _MARKS.items():
        votes[lang] += bool(mark.search(text))
    return votes


def detect_language(text: str) -> str:
    """The ISO 639-1 code of the language ``text`` is written in (e.g. ``"it"``)."""
    text = text[:DETECTION_CHARS]
    letters = sum(ch.isalpha() for ch in text)
    if not letters:
        return FALLBACK_LANGUAGE
    confidences = _lingua_confidences(text)
    best = max(confidences, key=confidences.__getitem__)
    if letters >= MIN_LETTERS and confidences[best] >= MIN_CONFIDENCE:
        return best
    votes = _lexicon_votes(text)
    score = {lang: votes[lang] + confidences.get(lang, 0.0) for lang in SUPPORTED_LANGUAGES}
    supported = max(SUPPORTED_LANGUAGES, key=score.__getitem__)
    return supported if votes[supported] else best
