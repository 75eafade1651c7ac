"""Flags: what in a draft interrupts, pressures or gives the customer nothing.

Every flag names the words of the draft that raised it (``evidence``) and says in one
sentence what is wrong (``message``); :data:`ADVICE` says what to do instead. A message is a
:class:`Reason`: the English sentence (what the CLI and the API show) that also carries a
``code`` and the ``values`` it was made from, so that the dashboard can say it in the
reader's language (its catalogues have ``reason.<code>`` and ``advice.<code>``).

Codes (severity in brackets):

* ``false_urgency`` — deadlines, countdowns, "only today", "buy now" [medium; high from
  ``heavy_cues`` distinct phrases];
* ``guilt`` — guilt, fear of missing out, "we miss you", "or lose them" [same];
* ``over_contact`` — "another email", "as we told you yesterday" [same];
* ``shouting`` — words in capitals, "!!", many "!", many emoji, one signal each [medium;
  high from two signals];
* ``incentive_only`` — discount, points or prize terms and too little useful content [high];
* ``no_useful_content`` — too little useful content and no incentive [high];
* ``incentive`` — an incentive next to enough useful content [low];
* ``subject_only`` — a subject line and no body [medium];
* ``empty_message`` — no text at all [high];
* ``unsupported_language`` — not Italian, Spanish or English, so the wording checks could not
  run [high].
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from legame.engage.message.lexicon import PRESSURE_KINDS, emoji_pattern, shouting_exempt
from legame.engage.message.matching import Match, distinct_evidence
from legame.engage.message.text import Token
from legame.engage.message.usefulness import Usefulness
from legame.words import counted

Severity = Literal["low", "medium", "high"]
SEVERITY_ORDER: Mapping[str, int] = {"high": 0, "medium": 1, "low": 2}

_EXCLAIMED = re.compile(r"(?<!\S)\S*!+")  # a word up to its last "!"; tried once per word
_RUN = re.compile(r"!{2,}|[!?]{3,}")

ADVICE: Mapping[str, str] = {
    "false_urgency": "Drop the countdown and the pressure; if a date is real, say why it "
    "matters to the customer.",
    "guilt": "Leave guilt and fear of missing out aside: give a reason to come back, "
    "not a reproach.",
    "over_contact": "Customers don't want a continuous relationship: write when you have "
    "something useful, and don't announce more emails.",
    "shouting": "Write in sentence case, with one exclamation mark at most and few emoji.",
    "incentive_only": "Say what the customer gains besides the discount: what is new, how "
    "it helps, why it matters to your values.",
    "incentive": "Keep the incentive a small gesture next to the useful content.",
    "no_useful_content": "Give the customer something useful: news, a how-to, an answer to "
    "a need, or a thank-you.",
    "subject_only": "Write the body: a subject alone tells the customer nothing.",
    "empty_message": "Write the draft first: the subject on the first line, the body below.",
    "unsupported_language": "Checks cover Italian, Spanish and English; if the draft is in "
    "one of them, pass language='it', 'es' or 'en'.",
}

_PRESSURE_MESSAGES: Mapping[str, str] = {
    "urgency": "It pushes for an immediate decision: {evidence}.",
    "guilt": "It leans on guilt or fear of missing out: {evidence}.",
    "over_contact": "It reminds the customer how often you write: {evidence}.",
}
_PRESSURE_CODES: Mapping[str, str] = {
    "urgency": "false_urgency",
    "guilt": "guilt",
    "over_contact": "over_contact",
}


class Reason(str):
    """A sentence of the message check, in English, that also says what it is made of:
    ``code`` names it (a flag's code, or one of the check's own: ``all_clear``,
    ``too_many_warnings``, ``aligned``, ``not_aligned``, ``no_values``) and ``values`` holds
    what fills it (the draft's words, counts, scores). It is a ``str``: JSON, the CLI and the
    API see the sentence."""

    code: str
    values: Mapping[str, Any]

    def __new__(cls, text: str, code: str = "", values: Mapping[str, Any] | None = None) -> Reason:
        reason = super().__new__(cls, text)
        reason.code = code
        reason.values = dict(values or {})
        return reason

    def __getnewargs__(self) -> tuple[str, str, Mapping[str, Any]]:  # type: ignore[override]
        return str(self), self.code, self.values


@dataclass(frozen=True, slots=True)
class Flag:
    """A problem found in a draft, with the draft's own words as evidence."""

    code: str
    severity: Severity
    evidence: tuple[str, ...]
    message: str

    def to_dict(self) -> dict[str, Any]:
        """``{"code", "severity", "evidence": [...], "message"}``, ready for JSON."""
        return {
            "code": self.code,
            "severity": self.severity,
            "evidence": list(self.evidence),
            "message": self.message,
        }


def quote(evidence: Sequence[str], limit: int = 5, width: int = 60) -> str:
    """``'a', 'b', 'c'`` (and how many more), for messages; each cut at ``width``
    characters, so that a reason stays readable whatever the draft holds."""
    shown = ", ".join(f"'{_cut(' '.join(e.split()), width)}'" for e in evidence[:limit])
    more = len(evidence) - limit
    return f"{shown} and {more} more" if more > 0 else shown


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def pressure_flags(matches: Mapping[str, Sequence[Match]], *, heavy_cues: int) -> list[Flag]:
    """One flag per pressure kind found; high from ``heavy_cues`` distinct phrases."""
    flags = []
    for kind in PRESSURE_KINDS:
        evidence = distinct_evidence(matches.get(kind, ()))
        if evidence:
            flags.append(
                Flag(
                    code=_PRESSURE_CODES[kind],
                    severity="high" if len(evidence) >= heavy_cues else "medium",
                    evidence=tuple(evidence),
                    message=Reason(
                        _PRESSURE_MESSAGES[kind].format(evidence=quote(evidence)),
                        _PRESSURE_CODES[kind],
                        {"evidence": list(evidence)},
                    ),
                )
            )
    return flags


def shouting_flag(
    text: str,
    tokens: Sequence[Token],
    *,
    max_caps_words: int,
    max_exclamations: int,
    max_emoji: int,
) -> Flag | None:
    """Caps words, "!!" runs, too many "!" and too many emoji: one signal each."""
    exempt = shouting_exempt()
    caps = distinct_evidence(
        Match("caps", t.text, t.start, t.end)
        for t in tokens
        if len(t.text) >= 2 and t.text.isalpha() and t.text.isupper() and t.text not in exempt
    )
    exclaimed = distinct_evidence(
        Match("!", m.group(), m.start(), m.end()) for m in _EXCLAIMED.finditer(text)
    )
    runs = [e for e in exclaimed if _RUN.search(e)]
    exclamations = text.count("!")
    emoji = "".join(emoji_pattern().findall(text))
    # (kind, how many, what the English sentence calls it, the evidence)
    signals: list[tuple[str, int, str, list[str]]] = []
    if len(caps) > max_caps_words:
        signals.append(("caps", len(caps), f"{counted(len(caps), 'word')} in capitals", caps))
    if runs:
        signals.append(("runs", len(runs), "repeated exclamation marks", runs))
    if exclamations > max_exclamations:
        signals.append(
            ("exclamations", exclamations, counted(exclamations, "exclamation mark"), exclaimed)
        )
    if len(emoji) > max_emoji:
        signals.append(("emoji", len(emoji), f"{len(emoji)} emoji", [emoji]))
    if not signals:
        return None
    evidence = dict.fromkeys(e for *_, found in signals for e in found)
    described = "; ".join(f"{what} ({quote(found, limit=3)})" for _, _, what, found in signals)
    return Flag(
        code="shouting",
        severity="high" if len(signals) >= 2 else "medium",
        evidence=tuple(evidence),
        message=Reason(
            f"It shouts: {described}.",
            "shouting",
            {
                "signals": [
                    {"kind": kind, "n": n, "evidence": found} for kind, n, _, found in signals
                ]
            },
        ),
    )


def content_flags(
    incentive: Sequence[Match], usefulness: Usefulness, *, min_usefulness: float
) -> list[Flag]:
    """``incentive_only`` / ``no_useful_content`` when usefulness is too low, else
    ``incentive`` (low) when an incentive sits next to useful content."""
    offered = tuple(distinct_evidence(incentive))
    enough = usefulness.score >= min_usefulness
    measured = f"usefulness {usefulness.score:.2f}, needs {min_usefulness:.2f}"
    scores = {"score": usefulness.score, "needs": min_usefulness}
    if offered and not enough:
        return [
            Flag(
                code="incentive_only",
                severity="high",
                evidence=offered,
                message=Reason(
                    f"The incentive is the whole message ({quote(offered)}); there is "
                    f"little else for the customer ({measured}).",
                    "incentive_only",
                    {"evidence": list(offered), **scores},
                ),
            )
        ]
    if not enough:
        found = usefulness.found
        return [
            Flag(
                code="no_useful_content",
                severity="high",
                evidence=found,
                message=Reason(
                    "There is little useful for the customer: "
                    + (f"only {quote(found)}" if found else "no news, how-to, answer or thanks")
                    + f" ({measured}).",
                    "no_useful_content",
                    {"evidence": list(found), **scores},
                ),
            )
        ]
    if offered:
        return [
            Flag(
                code="incentive",
                severity="low",
                evidence=offered,
                message=Reason(
                    f"It offers an incentive ({quote(offered)}) next to useful content.",
                    "incentive",
                    {"evidence": list(offered)},
                ),
            )
        ]
    return []


def subject_only_flag(subject: str) -> Flag:
    """The draft has a subject line and nothing else."""
    return Flag(
        code="subject_only",
        severity="medium",
        evidence=(subject,),
        message=Reason("The draft is only a subject line.", "subject_only"),
    )


def empty_message_flag() -> Flag:
    """The draft has no text."""
    return Flag(
        code="empty_message",
        severity="high",
        evidence=(),
        message=Reason("The draft is empty.", "empty_message"),
    )


def unsupported_language_flag(language: str, sample: str) -> Flag:
    """The draft is in a language without a lexicon, so wording checks could not run."""
    return Flag(
        code="unsupported_language",
        severity="high",
        evidence=(sample,),
        message=Reason(
            f"The draft looks written in '{language}', so the wording checks could not run.",
            "unsupported_language",
            {"language": language},
        ),
    )


def by_severity(flags: Sequence[Flag]) -> list[Flag]:
    """High first, then medium, then low; detection order within a severity."""
    return sorted(flags, key=lambda f: SEVERITY_ORDER[f.severity])
