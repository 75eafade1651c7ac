"""``check_message``: before a campaign goes out, does it convey the brand's values?

The verdict is ``"rethink"`` when

1. any flag is high-severity (incentive only, no useful content, heavy false urgency,
   guilt, over-contact or shouting, an empty draft, an unsupported language), or
2. more than ``max_medium_flags`` flags are medium-severity (several smaller pressures add
   up), or
3. values were declared and none scores at least ``min_alignment``;

otherwise it is ``"send"``. Each cause becomes a plain sentence in ``reasons`` with what to
do about it: a :class:`~legame.engage.message.flags.Reason`, an English ``str`` that also
carries its ``code`` and ``values`` (a flag's reason has the flag's code), so that the
dashboard can say it in the reader's language.

Defaults, and why:

* ``min_alignment=0.3`` — about one idea in three of a value shows in the draft: one
  concept of a two- or three-idea value ("rispetto per l'ambiente": respect, environment).
* ``min_usefulness=0.5`` — e.g. two useful phrases and one concrete detail (see
  :mod:`~legame.engage.message.usefulness`).
* ``heavy_cues=2`` — two distinct urgency (or guilt, or over-contact) phrases make the
  pressure heavy: one deadline may be real, two are a tactic.
* ``max_caps_words=2``, ``max_exclamations=3``, ``max_emoji=2`` — beyond these a draft
  shouts; a brand name in capitals, one "!" or one emoji does not.
* ``max_medium_flags=1`` — one medium flag is a warning; two are a pattern.

Limits, so that one check is bounded work (the check is linear in the draft):

* :data:`MAX_DRAFT_CHARS` — a draft is at most 200,000 characters (about 30,000 words: far
  beyond any e-mail; a check this long takes well under a second);
* :data:`~legame.policy.MAX_VALUES` values of at most
  :data:`~legame.policy.MAX_VALUE_CHARS` characters each, as in the policy file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from legame.engage.message.flags import (
    ADVICE,
    Flag,
    Reason,
    by_severity,
    content_flags,
    empty_message_flag,
    pressure_flags,
    quote,
    shouting_flag,
    subject_only_flag,
    unsupported_language_flag,
)
from legame.engage.message.language import detect_language
from legame.engage.message.lexicon import SUPPORTED_LANGUAGES, language_lexicon
from legame.engage.message.text import key_positions, split_draft, tokenize
from legame.engage.message.usefulness import measure_usefulness
from legame.engage.message.values import ValueAlignment, align_value, draft_concepts
from legame.errors import InputError
from legame.policy import MAX_VALUE_CHARS, MAX_VALUES
from legame.words import counted

Verdict = Literal["send", "rethink"]

MAX_DRAFT_CHARS = 200_000
"""The longest draft :func:`check_message` accepts, in characters (the CLI and API too)."""


@dataclass(frozen=True)
class MessageCheck:
    """The result of :func:`check_message`."""

    verdict: Verdict
    language: str
    values: list[ValueAlignment]
    flags: list[Flag]
    reasons: list[Reason]

    def to_dict(self) -> dict[str, Any]:
        """``{"verdict", "language", "values": [{"value", "score"}], "flags", "reasons"}``."""
        return {
            "verdict": self.verdict,
            "language": self.language,
            "values": [v.to_dict() for v in self.values],
            "flags": [f.to_dict() for f in self.flags],
            "reasons": list(self.reasons),
        }


def _bad_parameter(name: str, expected: str, got: object) -> InputError:
    return InputError(
        f"The '{name}' parameter of check_message must be {expected}. Got {got!r} instead."
    )


def _check_fraction(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise _bad_parameter(name, "a float in the range [0, 1]", value)
    return float(value)


def _check_count(name: str, value: object, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise _bad_parameter(name, f"an int >= {low}", value)
    return value


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise _bad_parameter("text", "a string", type(text).__name__)
    if len(text) > MAX_DRAFT_CHARS:
        raise InputError(
            f"The 'text' parameter of check_message must be at most {MAX_DRAFT_CHARS:,} "
            f"characters (MAX_DRAFT_CHARS). Got {len(text):,} characters instead; "
            "shorten the draft."
        )
    return text


def _check_values(values: object) -> list[str]:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise _bad_parameter("values", "a list of strings (pass [] for none)", values)
    if len(values) > MAX_VALUES:
        raise InputError(
            f"The 'values' parameter of check_message must be a list of at most {MAX_VALUES} "
            f"values. Got {len(values)} values instead."
        )
    for i, value in enumerate(values):
        if not isinstance(value, str) or not value.strip():
            raise _bad_parameter(f"values[{i}]", "a non-empty string", value)
        if len(value.strip()) > MAX_VALUE_CHARS:
            raise InputError(
                f"The 'values[{i}]' parameter of check_message must be at most "
                f"{MAX_VALUE_CHARS} characters. Got {len(value.strip()):,} characters instead."
            )
    return [value.strip() for value in values]


def _check_language(language: object) -> str | None:
    if language is None:
        return None
    if not isinstance(language, str) or language.lower() not in SUPPORTED_LANGUAGES:
        raise _bad_parameter("language", f"None or one of {list(SUPPORTED_LANGUAGES)}", language)
    return language.lower()


def _value_reasons(
    alignments: Sequence[ValueAlignment], min_alignment: float
) -> tuple[bool, list[Reason]]:
    """Whether some value aligns, and the sentences that say so."""
    if not alignments:
        return True, [
            Reason("No brand values were given, so alignment was not checked.", "no_values")
        ]
    aligned = [a for a in alignments if a.score >= min_alignment]
    if aligned:
        said = "; ".join(
            f"'{a.value}' ({quote(a.matched, limit=4)})" if a.matched else f"'{a.value}'"
            for a in aligned
        )
        conveyed = [{"value": a.value, "evidence": list(a.matched)} for a in aligned]
        return True, [Reason(f"It conveys your values: {said}.", "aligned", {"values": conveyed})]
    best = max(alignments, key=lambda a: a.score)
    listed = ", ".join(f"'{a.value}'" for a in alignments)
    return False, [
        Reason(
            f"None of your values comes through (closest: '{best.value}' at {best.score:.2f}, "
            f"needs {min_alignment:.2f}). Tie the message to one of your values: {listed}.",
            "not_aligned",
            {
                "best": best.value,
                "score": best.score,
                "needs": min_alignment,
                "values": [a.value for a in alignments],
            },
        )
    ]


def _values_of(message: str) -> Mapping[str, Any]:
    return message.values if isinstance(message, Reason) else {}


def check_message(
    text: str,
    values: Sequence[str],
    *,
    language: str | None = None,
    min_alignment: float = 0.3,
    min_usefulness: float = 0.5,
    heavy_cues: int = 2,
    max_caps_words: int = 2,
    max_exclamations: int = 3,
    max_emoji: int = 2,
    max_medium_flags: int = 1,
) -> MessageCheck:
    """Check a draft (first line the subject, the rest the body) against brand values.

    ``language`` (``"it"``, ``"es"`` or ``"en"``) overrides detection. The thresholds are
    explained in this module's docstring. Raises :class:`~legame.errors.InputError` for a
    ``text`` that is not a string, ``values`` that are not a list of non-empty strings, or
    a threshold out of range, and for a draft longer than :data:`MAX_DRAFT_CHARS` or more
    values (or longer ones) than the policy file allows.
    """
    text = _check_text(text)
    declared = _check_values(values)
    forced = _check_language(language)
    min_alignment = _check_fraction("min_alignment", min_alignment)
    min_usefulness = _check_fraction("min_usefulness", min_usefulness)
    heavy_cues = _check_count("heavy_cues", heavy_cues, low=1)
    max_caps_words = _check_count("max_caps_words", max_caps_words)
    max_exclamations = _check_count("max_exclamations", max_exclamations)
    max_emoji = _check_count("max_emoji", max_emoji)
    max_medium_flags = _check_count("max_medium_flags", max_medium_flags)

    draft = split_draft(text)
    lang = forced or detect_language(draft.text)
    tokens = tokenize(draft.text, lang)
    positions = key_positions(tokens)
    concepts = draft_concepts(draft.text, tokens, lang, positions)
    alignments = [align_value(v, tokens, concepts, lang, positions) for v in declared]

    flags: list[Flag] = []
    if not draft.text:
        flags.append(empty_message_flag())
    else:
        if lang not in SUPPORTED_LANGUAGES:
            flags.append(unsupported_language_flag(lang, draft.subject))
        if not draft.body:
            flags.append(subject_only_flag(draft.subject))
        lexicon = language_lexicon(lang)
        matches = {
            name: cues.find(draft.text, tokens, positions) for name, cues in lexicon.cues.items()
        }
        flags.extend(pressure_flags(matches, heavy_cues=heavy_cues))
        shouting = shouting_flag(
            draft.text,
            tokens,
            max_caps_words=max_caps_words,
            max_exclamations=max_exclamations,
            max_emoji=max_emoji,
        )
        if shouting is not None:
            flags.append(shouting)
        usefulness = measure_usefulness(tokens, matches, lexicon)
        flags.extend(content_flags(matches["incentive"], usefulness, min_usefulness=min_usefulness))
    flags = by_severity(flags)

    reasons = [
        Reason(f"{flag.message} {ADVICE[flag.code]}", flag.code, _values_of(flag.message))
        for flag in flags
    ]
    high = [f for f in flags if f.severity == "high"]
    medium = [f for f in flags if f.severity == "medium"]
    if not high and len(medium) > max_medium_flags:
        reasons.append(
            Reason(
                f"Smaller problems add up: {counted(len(medium), 'warning')} "
                f"({', '.join(f.code for f in medium)}), more than {max_medium_flags} allowed.",
                "too_many_warnings",
                {"n": len(medium), "codes": [f.code for f in medium], "max": max_medium_flags},
            )
        )
    aligned, value_reasons = _value_reasons(alignments, min_alignment)
    reasons.extend(value_reasons)
    rethink = bool(high) or len(medium) > max_medium_flags or not aligned
    if not flags:
        reasons.insert(
            0,
            Reason(
                "Nothing pushy, and the draft gives the customer something useful.", "all_clear"
            ),
        )
    return MessageCheck(
        verdict="rethink" if rethink else "send",
        language=lang,
        values=alignments,
        flags=flags,
        reasons=reasons,
    )
