"""How far a draft conveys each declared brand value, and reading values from TOML.

A value ("every dog deserves love", "rispetto per l'ambiente", "artesanía local") is split
into *aspects*:

* a **concept aspect** for each concept of ``concepts.toml`` the value mentions, in any of
  the three languages ("dog" -> ``dogs``, "love" -> ``love``), weighing the concept's
  ``weight`` (1.0; 0.5 for concepts that usually modify another, such as ``respect`` in
  "respect for the environment");
* a **word aspect** (weight ``WORD_WEIGHT``) for each remaining word that is not a
  function word ("deserves").

A concept aspect is met when the draft contains any term of that concept in the draft's
language ("cane", "cucciolo" for ``dogs`` in Italian); it is half met (``RELATED_CREDIT``)
when the draft contains a term of a ``related`` concept instead (a draft about repair
half-meets ``environment``). A word aspect is met when the draft contains the same word or
lemma. A word aspect of a value written in another language than the draft cannot be met
except by the very same word, so it only counts when met.

::

    score = sum(credit * weight of each aspect) / sum(weight of countable aspects)

    credit = 1 when met, RELATED_CREDIT when half met, else 0

where countable aspects are all concept aspects, plus word aspects of a value in the
draft's language, plus any word aspect that is met. A value with no countable aspect
scores 0.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from legame.engage.message.language import detect_language
from legame.engage.message.lexicon import (
    SUPPORTED_LANGUAGES,
    ConceptCues,
    concept_cues,
    language_lexicon,
)
from legame.engage.message.matching import Match, distinct_evidence
from legame.engage.message.text import Token, key_positions, tokenize
from legame.errors import InputError
from legame.policy import MAX_VALUE_CHARS, MAX_VALUES, check_toml_text

WORD_WEIGHT = 0.5
RELATED_CREDIT = 0.5

_EXAMPLE = 'values = ["every dog deserves love", "rispetto per l\'ambiente"]'


@dataclass(frozen=True, slots=True)
class ValueAlignment:
    """How far a draft conveys one brand value: a score in [0, 1] and the draft's words."""

    value: str
    score: float
    matched: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """``{"value", "score"}``, the score rounded to three decimals."""
        return {"value": self.value, "score": round(self.score, 3)}


@dataclass(frozen=True, slots=True)
class _Aspect:
    concept: str | None
    word: Token | None
    weight: float
    related: tuple[str, ...] = ()


def _strictly_inside(inner: Match, outer: Match) -> bool:
    return (
        outer.start <= inner.start
        and inner.end <= outer.end
        and (outer.end - outer.start) > (inner.end - inner.start)
    )


@lru_cache(maxsize=1024)
def value_aspects(value: str) -> tuple[str, tuple[_Aspect, ...]]:
    """The language of ``value`` and its aspects (see the module docstring)."""
    language = detect_language(value)
    tokens = tokenize(value, language)
    found: list[tuple[str, Match]] = []
    known: dict[str, ConceptCues] = {}
    for lang in SUPPORTED_LANGUAGES:
        lang_tokens = tokens if lang == language else tokenize(value, lang)
        for concept in concept_cues(lang):
            known[concept.name] = concept
            found.extend((concept.name, m) for m in concept.cues.find(value, lang_tokens))
    kept = [(c, m) for c, m in found if not any(_strictly_inside(m, o) for _, o in found)]
    aspects = [
        _Aspect(name, None, known[name].weight, known[name].related)
        for name in dict.fromkeys(c for c, _ in kept)
    ]
    lexicon = language_lexicon(language)
    for token in tokens:
        covered = any(m.start <= token.start < m.end for _, m in kept)
        content = token.text.isalpha() and len(token.text) >= 3 and not lexicon.is_stopword(token)
        if content and not covered:
            aspects.append(_Aspect(None, token, WORD_WEIGHT))
    return language, tuple(aspects)


def draft_concepts(
    text: str,
    tokens: Sequence[Token],
    language: str,
    positions: Mapping[str, Sequence[int]] | None = None,
) -> dict[str, list[Match]]:
    """Every concept the draft mentions, with the draft's words for it.

    ``positions`` is :func:`~legame.engage.message.text.key_positions` of ``tokens``.
    """
    positions = key_positions(tokens) if positions is None else positions
    found = {}
    for concept in concept_cues(language):
        matches = concept.cues.find(text, tokens, positions)
        if matches:
            found[concept.name] = matches
    return found


def align_value(
    value: str,
    tokens: Sequence[Token],
    concepts: Mapping[str, Sequence[Match]],
    language: str,
    positions: Mapping[str, Sequence[int]] | None = None,
) -> ValueAlignment:
    """Score one value against a draft's tokens and concept matches.

    ``positions`` is :func:`~legame.engage.message.text.key_positions` of ``tokens``.
    """
    positions = key_positions(tokens) if positions is None else positions
    value_language, aspects = value_aspects(value)
    met_weight = countable = 0.0
    evidence: list[Match] = []
    for aspect in aspects:
        credit = 1.0
        if aspect.concept is not None:
            met = list(concepts.get(aspect.concept, ()))
            if not met:
                met = [m for name in aspect.related for m in concepts.get(name, ())]
                credit = RELATED_CREDIT
        else:
            assert aspect.word is not None
            at = sorted({i for key in aspect.word.keys for i in positions.get(key, ())})
            met = [Match("word", tokens[i].text, tokens[i].start, tokens[i].end) for i in at]
        if met:
            met_weight += credit * aspect.weight
            evidence.extend(met)
        if met or aspect.concept is not None or value_language == language:
            countable += aspect.weight
    score = met_weight / countable if countable else 0.0
    evidence.sort(key=lambda m: m.start)
    return ValueAlignment(value=value, score=score, matched=tuple(distinct_evidence(evidence)))


def parse_values_toml(path: str | os.PathLike[str]) -> list[str]:
    """Read ``values = ["…", …]`` from a TOML file; :class:`InputError` naming the file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(
            f"Values file {file} does not exist. Create it with a line such as: {_EXAMPLE}"
        ) from None
    except UnicodeDecodeError:
        raise InputError(f"Values file {file} is not UTF-8 text. Save it as UTF-8.") from None
    except OSError as exc:
        raise InputError(f"Values file {file} cannot be read: {exc.strerror}.") from None
    check_toml_text(text, file=f"Values file {file}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(
            f"Values file {file} is not valid TOML ({exc}). Expected a line such as: {_EXAMPLE}"
        ) from None
    if "values" not in data:
        raise InputError(f"Values file {file} has no 'values' key. Add a line such as: {_EXAMPLE}")
    values = data["values"]
    if not isinstance(values, list):
        raise InputError(
            f"In values file {file}, 'values' must be a list of strings. "
            f"Got {values!r} instead; write it as: {_EXAMPLE}"
        )
    if not values:
        raise InputError(
            f"In values file {file}, 'values' is empty. List at least one brand value: {_EXAMPLE}"
        )
    if len(values) > MAX_VALUES:
        raise InputError(
            f"In values file {file}, 'values' has {len(values)} values; at most {MAX_VALUES} "
            "can be checked. Keep the ones that matter most."
        )
    for i, value in enumerate(values):
        if not isinstance(value, str) or not value.strip():
            raise InputError(
                f"In values file {file}, values[{i}] must be a non-empty string. "
                f"Got {value!r} instead."
            )
        if len(value.strip()) > MAX_VALUE_CHARS:
            raise InputError(
                f"In values file {file}, values[{i}] has {len(value.strip()):,} characters; "
                f"a value is at most {MAX_VALUE_CHARS}. Say it in a few words."
            )
    return [value.strip() for value in values]
