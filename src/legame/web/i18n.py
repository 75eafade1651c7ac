"""The languages the dashboard and the report speak: message catalogues and locale formats.

Every user-facing string comes from a catalogue, ``i18n/<lang>.toml`` in this package (one
file per language, the same keys in each; a test keeps them in step). Numbers, dates and
percentages are formatted by Babel, and :meth:`Catalogue.vega_locale` hands the same
locale to Vega so chart axes agree with the page (``1.234,56`` in Italian).

A language is chosen per request (:func:`negotiate`): the ``lang`` query parameter, else
the ``legame_lang`` cookie the language switch sets, else the ``Accept-Language`` header,
else English.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal, TypeGuard

from babel import Locale
from babel.core import negotiate_locale
from babel.dates import format_date, format_datetime, format_skeleton
from babel.numbers import format_decimal, format_percent

from legame.errors import InputError

Language = Literal["en", "it", "es"]
LANGUAGES: tuple[Language, ...] = ("en", "it", "es")
DEFAULT: Language = "en"
#: What a missing number or date shows.
MISSING = "—"

#: Families of keys built from data (``label("verdict", value)``): the values each family
#: can take. A test checks that every one has a label in every catalogue.
FAMILIES: dict[str, tuple[str, ...]] = {
    "verdict": ("supported", "not_supported", "contradicted", "insufficient_data"),
    "risk": ("low", "medium", "high"),
    "nps_category": ("promoter", "passive", "detractor"),
    "band": ("low", "mid", "high"),
    "kind": ("order", "ticket", "survey", "message", "gesture", "charge", "referral"),
    "arm": ("treatment", "holdout"),
    "trigger": (
        "fee_forgiveness",
        "service_recovery",
        "milestone_thanks",
        "referral_thanks",
        "detractor_callback",
        "manual",
    ),
    "segment": (
        "champions",
        "loyal",
        "potential loyalists",
        "new",
        "at risk",
        "hibernating",
        "need attention",
        "no purchases",
    ),
    "message_verdict": ("send", "rethink"),
    "severity": ("high", "medium", "low"),
    "role": ("viewer", "analyst", "admin"),
    "language": ("en", "it", "es"),
    "sort": ("clv", "revenue", "p_alive", "last_order_at", "customer_id"),
    "model": ("bgnbd", "mbgnbd", "paretonbd"),
}


def load_messages(lang: str) -> dict[str, str]:
    """The flat ``{"section.key": text}`` catalogue of one language."""
    text = resources.files("legame.web").joinpath("i18n", f"{lang}.toml").read_text("utf-8")
    return dict(_flatten(tomllib.loads(text)))


def _flatten(table: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out += _flatten(value, f"{name}.")
        else:
            out.append((name, str(value)))
    return out


def slug(value: str) -> str:
    """The key part of a data value: ``"potential loyalists"`` -> ``potential_loyalists``."""
    return re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_")


@dataclass(frozen=True)
class Catalogue:
    """One language's messages and number and date formats."""

    lang: Language
    messages: dict[str, str]

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.lang)

    def t(self, key: str, **values: Any) -> str:
        """The message ``key``, with ``{name}`` placeholders filled from ``values``."""
        try:
            text = self.messages[key]
        except KeyError:
            raise KeyError(f"No message {key!r} in the {self.lang} catalogue.") from None
        return text.format(**values) if values else text

    def label(self, family: str, value: object) -> str:
        """The label of a data value (a verdict, a segment...); the value itself when the
        catalogue has none (a value legame did not know when this catalogue was written)."""
        if value is None:
            return MISSING
        return self.messages.get(f"{family}.{slug(str(value))}", str(value))

    # --- numbers -------------------------------------------------------------------------

    def num(self, value: float | int | None, digits: int = 0) -> str:
        """``1.234,56`` (it/es) or ``1,234.56`` (en), with ``digits`` decimals."""
        if not _finite(value):
            return MISSING
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.lang)

    def signed(self, value: float | int | None, digits: int = 1) -> str:
        """A number with its sign always shown: ``+7,2``."""
        if not _finite(value):
            return MISSING
        body = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=f"+{body};-{body}", locale=self.lang)

    def pct(self, value: float | None, digits: int = 1) -> str:
        """A fraction as a percentage: ``0.123`` -> ``12,3%``."""
        if not _finite(value):
            return MISSING
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return format_percent(value, format=pattern, locale=self.lang)

    # --- dates ---------------------------------------------------------------------------

    def date(self, value: dt.date | dt.datetime | str | None) -> str:
        day = _as_date(value)
        return MISSING if day is None else format_date(day, "medium", locale=self.lang)

    def datetime(self, value: dt.datetime | str | None) -> str:
        moment = _as_datetime(value)
        if moment is None:
            return MISSING
        return format_datetime(moment, "medium", tzinfo=None, locale=self.lang)

    def month(self, value: dt.date | dt.datetime | str | None) -> str:
        """``Jan 2024``, ``gen 2024``."""
        day = _as_date(value)
        return MISSING if day is None else format_skeleton("yMMM", day, locale=self.lang)

    # --- the same locale for Vega --------------------------------------------------------

    def vega_locale(self) -> dict[str, Any]:
        """``{"format", "time"}``: d3 number and time locale definitions for vega-embed's
        ``formatLocale`` and ``timeFormatLocale``, taken from Babel's locale data."""
        loc = self.locale
        symbols = loc.number_symbols.get("latn", loc.number_symbols)
        days = loc.days["format"]
        months = loc.months["format"]
        sunday_first = (6, 0, 1, 2, 3, 4, 5)
        return {
            "format": {
                "decimal": symbols["decimal"],
                "thousands": symbols["group"],
                "grouping": [3],
                "currency": ["", ""],
                "percent": "%",
                "minus": "-",
            },
            "time": {
                "dateTime": f"{_d3(loc.date_formats['short'].pattern)}, "
                f"{_d3(loc.time_formats['medium'].pattern)}",
                "date": _d3(loc.date_formats["short"].pattern),
                "time": _d3(loc.time_formats["medium"].pattern),
                "periods": [loc.periods.get("am", "AM"), loc.periods.get("pm", "PM")],
                "days": [days["wide"][i] for i in sunday_first],
                "shortDays": [days["abbreviated"][i] for i in sunday_first],
                "months": [months["wide"][i] for i in range(1, 13)],
                "shortMonths": [months["abbreviated"][i] for i in range(1, 13)],
            },
        }


_D3_TOKENS = {
    "yyyy": "%Y",
    "yy": "%y",
    "y": "%Y",
    "MMMM": "%B",
    "MMM": "%b",
    "MM": "%m",
    "M": "%-m",
    "dd": "%d",
    "d": "%-d",
    "HH": "%H",
    "H": "%-H",
    "hh": "%I",
    "h": "%-I",
    "mm": "%M",
    "ss": "%S",
    "a": "%p",
}


def _d3(pattern: str) -> str:
    """A CLDR date pattern (``dd/MM/yy``) as a d3 time format (``%d/%m/%y``)."""
    return re.sub(
        r"y+|M+|d+|H+|h+|m+|s+|a",
        lambda m: _D3_TOKENS.get(m.group(0), m.group(0)),
        pattern.replace("'", ""),
    )


def _finite(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _as_datetime(value: object) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str) and value:
        return dt.datetime.fromisoformat(value if len(value) > 7 else f"{value}-01")
    return None


def _as_date(value: object) -> dt.date | None:
    moment = _as_datetime(value)
    return None if moment is None else moment.date()


@cache
def catalogue(lang: str) -> Catalogue:
    """The catalogue of ``lang`` (one of :data:`LANGUAGES`), loaded once."""
    if lang not in LANGUAGES:
        raise InputError(
            f"The 'lang' argument of catalogue must be one of "
            f"{', '.join(LANGUAGES)}. Got {lang!r} instead."
        )
    return Catalogue(lang, load_messages(lang))  # type: ignore[arg-type]


def negotiate(query: str | None, cookie: str | None, accept_language: str | None) -> Language:
    """The request's language: the query parameter, the cookie, the header, else English."""
    for choice in (query, cookie):
        if choice in LANGUAGES:
            return choice  # type: ignore[return-value]
    if accept_language:
        found = negotiate_locale(_preferred(accept_language), list(LANGUAGES), sep="-")
        if found:
            return found  # type: ignore[return-value]
    return DEFAULT


def _preferred(header: str) -> list[str]:
    """Languages of an ``Accept-Language`` header, most wanted first (``q=0`` dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        match = re.search(r"q=([0-9.]+)", params)
        if match:
            try:
                quality = float(match.group(1))
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, i, tag.strip()))
    tags = [tag for _, _, tag in sorted(ranked)]
    # "it-IT" also matches "it": try each tag, then its language alone.
    return [t for tag in tags for t in (tag, tag.split("-")[0].lower())]
