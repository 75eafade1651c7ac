"""``number``: amounts as a tool writes them for people, as validation reads them.

A back office exports its totals formatted for the employee's language: ``€1,234.50`` in
English, ``1.234,50 €`` in Italian, ``1234,50 €`` in Spanish. The step reads each of
``columns`` with the header language's ``decimal`` mark (the other mark, a space or an
apostrophe may group thousands), drops the currency it finds before or after the number
and writes the number with ``.`` decimals and no grouping (``1234.50``). With ``currency``
the currency goes to that key where it is empty: a three-letter code as written, ``€``
as EUR and ``£`` as GBP (a ``$`` names several currencies, so it is not guessed). A plain
``1234.50`` is kept whatever the mark; anything else passes on as written, for validation
to reject with the value and the reason.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from legame.ingest.presets.frame import Run, cleaned, put, text
from legame.ingest.presets.reader import ANY, Keys
from legame.ingest.presets.steps import Step

#: Symbols that name one currency only.
SYMBOLS = {"€": "EUR", "£": "GBP", "US$": "USD", "CHF": "CHF", "Fr.": "CHF"}
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_CODE = re.compile(r"^[A-Z]{3}$")
_PLAIN = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?$")


class Number(Step):
    kind = "number"
    keys = ("columns", "decimal", "currency")

    def __init__(self, keys: Keys) -> None:
        super().__init__(keys)
        self.columns = keys.texts("columns")
        self.decimal = keys.by_language("decimal")
        for lang, marks in self.decimal.items():
            if len(marks) != 1 or marks[0] not in (".", ","):
                where = f"decimal.{lang}" if lang != ANY else "decimal"
                keys.fail(where, 'must be "." or ","')
        self.currency = keys.optional_text("currency")

    def reads(self) -> tuple[str, ...]:
        return self.columns

    def writes(self) -> tuple[str, ...]:
        return (*self.columns, *((self.currency,) if self.currency else ()))

    def apply(self, frame: pa.Table, run: Run) -> pa.Table:
        marks = self.decimal.get(run.language) or self.decimal.get(ANY) or (".",)
        mark = marks[0]
        found: list[str | None] = [None] * frame.num_rows
        for column in self.columns:
            values = cleaned(text(frame, column)).to_pylist()
            out: list[str | None] = []
            for i, value in enumerate(values):
                number, currency = read_amount(value, mark)
                out.append(number)
                found[i] = found[i] or currency
            frame = put(frame, column, pa.array(out, pa.string()))
        if self.currency:
            written = cleaned(text(frame, self.currency))
            frame = put(frame, self.currency, pc.coalesce(written, pa.array(found, pa.string())))
        return frame

    def describe(self) -> str:
        marks = "; ".join(
            f"{lang}: {m[0]}" if lang != ANY else m[0] for lang, m in self.decimal.items()
        )
        into = f"; currency → {self.currency}" if self.currency else ""
        return f"number: {', '.join(self.columns)} read with decimal mark {marks}{into}"


def read_amount(value: str | None, decimal: str) -> tuple[str | None, str | None]:
    """(the number with ``.`` decimals, or ``value`` as written if it is not one; the
    currency code its symbol or code names, or None)."""
    if value is None:
        return None, None
    sign = ""
    rest = value.strip()
    if rest[:1] in "+-":
        sign, rest = rest[:1], rest[1:].strip()
    head = re.match(r"^[^0-9+-]*", rest)
    tail = re.search(r"[^0-9]*$", rest)
    before = head.group(0) if head else ""
    after = tail.group(0) if tail else ""
    if len(before) + len(after) >= len(rest):
        return value, None
    core = rest[len(before) : len(rest) - len(after)]
    if core[:1] in "+-" and not sign:
        sign, core = core[:1], core[1:]
    currency = _currency(before.strip()) or _currency(after.strip())
    # The core runs from the first digit to the last: the head and tail are the currency.
    number = _SPACES.sub("", core)
    group = "." if decimal == "," else ","
    d, g = re.escape(decimal), re.escape(group)
    if re.fullmatch(rf"[0-9]{{1,3}}({g}[0-9]{{3}})+({d}[0-9]+)?", number):
        return sign + number.replace(group, "").replace(decimal, "."), currency
    if re.fullmatch(rf"[0-9]+({d}[0-9]+)?", number):
        return sign + number.replace(decimal, "."), currency
    if _PLAIN.fullmatch(number):
        return sign + number, currency
    return value, currency


def _currency(text: str) -> str | None:
    if not text:
        return None
    if _CODE.match(text):
        return text
    return SYMBOLS.get(text)
