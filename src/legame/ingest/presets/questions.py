"""``find_questions``: in a survey export the header is the question's text, so the NPS,
CSAT, CES and comment columns (and the respondent's e-mail) are found by what they say and
what they hold.

Before the rows are read, the step looks at every column the preset does not name. For
each of ``email``, ``nps``, ``ces``, ``csat`` and ``comment`` (in that order; a column goes
to one):

1. a column the user named (``--nps-question``, ...: the whole header or a part of it
   that only one header holds);
2. else the column whose header holds one of the field's ``keywords`` and whose answers
   fit it: whole numbers within ``scale`` (or ``words`` of a rating) for a score, e-mail
   addresses for the e-mail, text that is not all numbers (nor all e-mail addresses) for
   the comment;
3. else, for ``nps`` only, the one column whose answers are whole numbers from 0 to 10
   with one of 0, 8, 9 or 10 among them (a 1-5 or 1-7 scale has none of them); for
   ``email``, the one column whose answers are all e-mail addresses; for ``comment``, the
   one remaining column of free text.

Two columns that fit equally are an error that names them and the option to choose with.
The e-mail is written under the key ``email`` (for an ``email_key`` step to read); a
column the preset names ``email`` (a hidden field) wins over the question where it has a
value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from legame.errors import InputError
from legame.ingest.presets.frame import Run, cleaned, put, text
from legame.ingest.presets.reader import ANY, Keys, fold
from legame.ingest.presets.steps import Step

FIELDS = ("email", "nps", "ces", "csat", "comment")
#: The option that names each field's question (``--nps-question``).
OPTION = {f: f"--{f}-question" for f in FIELDS}
#: How the user chooses among several candidates for each field.
CHOOSE = {f: f'{OPTION[f]} "QUESTION"' for f in FIELDS} | {"email": '--map customer_id="QUESTION"'}
#: Fields that are text (the others are scores).
TEXT = ("email", "comment")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class _Seen:
    """What one column holds, over the whole file."""

    answers: int = 0
    numbers: list[int] = field(default_factory=list)
    words: set[str] = field(default_factory=set)
    others: int = 0  # answers that are neither whole numbers nor known rating words
    emails: int = 0  # answers that are e-mail addresses (counted in others too)


@dataclass(frozen=True)
class Question:
    name: str
    keywords: dict[str, tuple[str, ...]]
    scale: tuple[int, int] | None
    words: dict[str, str]


class FindQuestions(Step):
    kind = "find_questions"
    keys = FIELDS
    needs_scan = True

    def __init__(self, keys: Keys) -> None:
        super().__init__(keys)
        self.questions: dict[str, Question] = {}
        for name in FIELDS:
            if keys.has(name):
                self.questions[name] = _question(name, keys.sub(name))
        if not self.questions:
            keys.fail("", f"name at least one of {', '.join(FIELDS)}")

    def writes(self) -> tuple[str, ...]:
        return tuple(self.questions)

    def consumes(self, run: Run) -> tuple[str, ...]:
        return tuple(run.questions.values())

    def prepare(self, frames: Iterator[pa.Table], undeclared: list[str], run: Run) -> None:
        seen = {h: _Seen() for h in undeclared}
        words = {w for q in self.questions.values() for w in q.words}
        for frame in frames:
            for header, stats in seen.items():
                for value in cleaned(text(frame, header)).to_pylist():
                    if value is None:
                        continue
                    stats.answers += 1
                    if _INTEGER.match(value):
                        stats.numbers.append(int(value))
                    elif fold(value) in words:
                        stats.words.add(fold(value))
                    else:
                        stats.others += 1
                        stats.emails += bool(_EMAIL.match(value))
        run.questions = {}
        for name, question in self.questions.items():
            free = {h: s for h, s in seen.items() if h not in run.questions.values()}
            found = self._choose(name, question, free, run)
            if found is not None:
                run.questions[name] = found

    def _choose(
        self, name: str, question: Question, seen: dict[str, _Seen], run: Run
    ) -> str | None:
        if name in run.chosen:
            return _named(name, run.chosen[name], list(seen), run.label)
        fits = {h for h, s in seen.items() if s.answers and _fits(question, s)}
        keywords = question.keywords.get(run.language, ()) + question.keywords.get(ANY, ())
        by_words = sorted(h for h in fits if any(fold(k) in fold(h) for k in keywords))
        if not by_words and name == "nps":
            by_words = sorted(
                h for h in fits if seen[h].others == 0 and {0, 8, 9, 10} & set(seen[h].numbers)
            )
        if not by_words and name in TEXT:
            by_words = sorted(fits)
        if len(by_words) > 1:
            what = "e-mail" if name == "email" else name.upper()
            raise InputError(
                f"{run.label}: {len(by_words)} questions could be the {what} one: "
                f"{', '.join(repr(h) for h in by_words)}; name it with {CHOOSE[name]}."
            )
        return by_words[0] if by_words else None

    def apply(self, frame: pa.Table, run: Run) -> pa.Table:
        for name in self.questions:
            header = run.questions.get(name)
            values = (
                cleaned(text(frame, header)) if header else pa.nulls(frame.num_rows, pa.string())
            )
            words = self.questions[name].words
            if words and header:
                known = pa.array(list(words), pa.string())
                scores = pa.array(list(words.values()), pa.string())
                found = pc.take(scores, pc.index_in(pc.utf8_lower(values), known))
                values = pc.coalesce(found, values)
            if name == "email":  # a column the preset names (a hidden field) goes first
                values = pc.coalesce(cleaned(text(frame, name)), values)
            frame = put(frame, name, values)
        return frame

    def describe(self) -> str:
        parts = []
        for name, q in self.questions.items():
            scale = f" {q.scale[0]}-{q.scale[1]}" if q.scale else " free text"
            scale = " e-mail address" if name == "email" else scale
            parts.append(f"{name}{scale}")
        return "find_questions: " + ", ".join(parts) + " (by keywords and answers)"


def _question(name: str, keys: Keys) -> Question:
    score = name not in TEXT
    keys.only("keywords", "scale", "words")
    scale: tuple[int, int] | None = None
    if score:
        raw = keys.raw.get("scale")
        if (
            not isinstance(raw, list)
            or len(raw) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in raw)
            or raw[0] >= raw[1]
        ):
            keys.fail("scale", "must be two whole numbers, lowest first, such as [0, 10]")
        scale = (raw[0], raw[1])
    words = keys.words("words") if score else {}
    for word, value in words.items():
        if not _INTEGER.match(value) or scale is None or not scale[0] <= int(value) <= scale[1]:
            keys.fail(f"words.{word}", f"must be a whole number within the scale, got {value!r}")
    return Question(name, keys.by_language("keywords", required=False), scale, words)


def _fits(question: Question, seen: _Seen) -> bool:
    if question.name == "email":  # every answer an e-mail address
        return seen.emails == seen.answers
    if question.scale is None:  # a comment: text, not numbers nor e-mail addresses
        return seen.others > 0 and seen.emails < seen.answers
    lo, hi = question.scale
    return seen.others == 0 and all(lo <= n <= hi for n in seen.numbers)


def _named(name: str, wanted: str, headers: list[str], label: str) -> str:
    exact = [h for h in headers if fold(h) == fold(wanted)]
    found = exact or [h for h in headers if fold(wanted) in fold(h)]
    if len(found) == 1:
        return found[0]
    what = "no question of the file" if not found else f"{len(found)} questions"
    raise InputError(
        f"{label}: {OPTION[name]} {wanted!r} matches {what}; the questions are: "
        f"{', '.join(repr(h) for h in headers)}."
    )
