"""The languages the dashboard and the report speak: message catalogues and locale formats.

Every user-facing string comes from a catalogue, ``i18n/<lang>.toml`` in this package (one
file per language, the same keys in each; a test keeps them in step). A message that
depends on a count is a table of CLDR plural categories (``{ one = "{n} answer", other =
"{n} answers" }``; Italian and Spanish also have ``many``, for a million and more), picked
by Babel's plural rule (:meth:`Catalogue.plural`). Numbers, money, dates and percentages
are formatted by Babel (numbers given to a message are too: ``{est:.1f}`` is ``1,3`` in
Italian), and :meth:`Catalogue.vega_locale` hands the same locale to Vega so chart axes
agree with the page (``1.234,56 €`` in Italian). Amounts are in the workspace's currency,
the policy file's ``currency`` (:func:`workspace_currency`).

A language is chosen per request (:func:`negotiate`): the ``lang`` query parameter, else
the ``legame_lang`` cookie the language switch sets, else the ``Accept-Language`` header,
else English.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from importlib import resources
from os import PathLike
from typing import Any, Literal, TypeGuard

from babel import Locale
from babel.core import negotiate_locale
from babel.dates import format_date, format_datetime, format_skeleton
from babel.numbers import format_currency, format_decimal, format_percent
from markupsafe import Markup, escape

from legame.errors import InputError

Language = Literal["en", "it", "es"]
LANGUAGES: tuple[Language, ...] = ("en", "it", "es")
DEFAULT: Language = "en"
#: What a missing number or date shows.
MISSING = "—"
#: The currency of a workspace whose policy file does not name one (the policy's default).
DEFAULT_CURRENCY = "EUR"
#: CLDR's plural categories: a plural message is a table of some of them, ``other`` always.
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
#: A catalogue entry: a message, or a plural message's forms by plural category.
Entry = str | dict[str, str]

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
    # The message check's flags (legame.engage.message.flags).
    "flag": (
        "false_urgency",
        "guilt",
        "over_contact",
        "shouting",
        "incentive_only",
        "no_useful_content",
        "incentive",
        "subject_only",
        "empty_message",
        "unsupported_language",
    ),
    # The customer 360's timeline: the values of its detail fields legame and the demo
    # write; a value not listed (a channel of the user's own) shows as it is stored.
    "order_status": ("completed", "refunded", "cancelled"),
    "channel": (
        "web",
        "store",
        "app",
        "phone",
        "marketplace",
        "partner",
        "email",
        "sms",
        "push",
        "post",
        "chat",
        "social",
    ),
    "ticket_status": ("resolved", "unresolved"),
    "ticket_category": ("delivery", "billing", "product", "returns", "account", "other"),
    "message_status": ("unsubscribed", "complained"),
    "gesture_kind": (
        "fee_waiver",
        "thank_you_note",
        "service_recovery",
        "call_back",
        "referral_thanks",
    ),
    "fee": ("late_fee", "delivery_fee"),
    "charge_status": ("waived",),
}


def load_messages(lang: str) -> dict[str, Entry]:
    """The flat ``{"section.key": entry}`` catalogue of one language: an entry is a message,
    or a plural message's ``{category: message}`` table."""
    text = resources.files("legame.web").joinpath("i18n", f"{lang}.toml").read_text("utf-8")
    return dict(_flatten(tomllib.loads(text)))


def _flatten(table: dict[str, Any], prefix: str = "") -> list[tuple[str, Entry]]:
    out: list[tuple[str, Entry]] = []
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and is_plural(value):
            out.append((name, {category: str(form) for category, form in value.items()}))
        elif isinstance(value, dict):
            out += _flatten(value, f"{name}.")
        else:
            out.append((name, str(value)))
    return out


def is_plural(entry: object) -> TypeGuard[dict[str, str]]:
    """Whether a catalogue table is a plural message: only plural categories, ``other`` among
    them, each a message."""
    return (
        isinstance(entry, dict)
        and "other" in entry
        and set(entry) <= set(PLURAL_CATEGORIES)
        and all(isinstance(form, str) for form in entry.values())
    )


def texts(entry: Entry) -> list[str]:
    """Every message of an entry: the one message, or each plural form."""
    return list(entry.values()) if isinstance(entry, dict) else [entry]


def plural_categories(lang: str) -> set[str]:
    """The plural categories a message of ``lang`` needs (CLDR's rule, through Babel)."""
    return {*_locale(lang).plural_form.tags, "other"}


def slug(value: str) -> str:
    """The key part of a data value: ``"potential loyalists"`` -> ``potential_loyalists``."""
    return re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_")


@dataclass(frozen=True)
class Catalogue:
    """One language's messages and number, money and date formats; ``currency`` is the
    workspace's (ISO 4217), or None when it is not known (amounts then show no symbol)."""

    lang: Language
    messages: Mapping[str, Entry]
    currency: str | None = DEFAULT_CURRENCY

    @property
    def locale(self) -> Locale:
        return _locale(self.lang)

    def with_currency(self, currency: str | None) -> Catalogue:
        """The same catalogue, with amounts in ``currency``."""
        return self if currency == self.currency else replace(self, currency=currency)

    # --- messages ------------------------------------------------------------------------

    def t(self, key: str, **values: Any) -> str:
        """The message ``key``, with ``{name}`` placeholders filled from ``values``. Numbers
        are written the locale's way; a placeholder may say how (``{x:.1f}``, ``{x:+.2f}``,
        ``{x:.0%}``)."""
        entry = self._entry(key)
        if isinstance(entry, dict):
            raise KeyError(f"The message {key!r} depends on a count: use plural().")
        return self._fill(entry, values)

    def plural(self, key: str, n: float | int, **values: Any) -> str:
        """The form of the plural message ``key`` that the count ``n`` takes in this
        language (Babel's CLDR plural rule), with ``{n}`` and the ``values`` filled in."""
        return self._fill(self._form(key, n), {"n": n, **values})

    def html(self, key: str, n: float | int | None = None, **values: Any) -> Markup:
        """The message ``key`` as HTML (its plural form for ``n``, when given): the message
        escaped, and each value too unless it is markup already (a quoted phrase)."""
        entry = self._entry(key)
        if n is not None:
            values = {"n": n, **values}
        text = self._form(key, n) if isinstance(entry, dict) and n is not None else entry
        if isinstance(text, dict):
            raise KeyError(f"The message {key!r} depends on a count: give n.")
        return Markup(escape(text)).format_map(self._numbers(values))

    def phrase(self, spec: Mapping[str, Any]) -> str:
        """A message described as data: ``{"key", "values", "n"}`` (``n`` makes it a plural
        message); a value that is itself such a dict is said first. Findings keep their
        sentences this way (``Finding.text``)."""
        values = {
            name: self.phrase(value) if is_phrase(value) else value
            for name, value in (spec.get("values") or {}).items()
        }
        if spec.get("n") is not None:
            return self.plural(spec["key"], spec["n"], **values)
        return self.t(spec["key"], **values)

    def has(self, key: str) -> bool:
        return key in self.messages

    def language_name(self, code: str) -> str:
        """A language's name in this language: the catalogue's, else Babel's (``fr`` ->
        ``francese`` in Italian), else the code."""
        entry = self.messages.get(f"language.{code}")
        if isinstance(entry, str):
            return entry
        return str(self.locale.languages.get(code, code))

    def label(self, family: str, value: object) -> str:
        """The label of a data value (a verdict, a segment...); the value itself when the
        catalogue has none (a value legame did not know when this catalogue was written)."""
        if value is None:
            return MISSING
        entry = self.messages.get(f"{family}.{slug(str(value))}")
        return entry if isinstance(entry, str) else str(value)

    def _entry(self, key: str) -> Entry:
        try:
            return self.messages[key]
        except KeyError:
            raise KeyError(f"No message {key!r} in the {self.lang} catalogue.") from None

    def _form(self, key: str, n: float | int) -> str:
        entry = self._entry(key)
        if not isinstance(entry, dict):
            raise KeyError(f"The message {key!r} does not depend on a count: use t().")
        return entry.get(self.locale.plural_form(abs(n)), entry["other"])

    def _fill(self, text: str, values: Mapping[str, Any]) -> str:
        return text.format_map(self._numbers(values)) if values else text

    def _numbers(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The values, numbers wrapped so that a message writes them the locale's way."""
        return {k: _Number(self, v) if _finite(v) else v for k, v in values.items()}

    # --- numbers -------------------------------------------------------------------------

    def num(self, value: float | int | None, digits: int = 0) -> str:
        """``1.234,56`` (it/es) or ``1,234.56`` (en), with ``digits`` decimals."""
        if not _finite(value):
            return MISSING
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(_exact(value), format=pattern, locale=self.lang)

    def signed(self, value: float | int | None, digits: int = 1) -> str:
        """A number with its sign always shown: ``+7,2``."""
        if not _finite(value):
            return MISSING
        body = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(_exact(value), format=f"+{body};-{body}", locale=self.lang)

    def pct(self, value: float | None, digits: int = 1) -> str:
        """A fraction as a percentage, the locale's way: ``0.123`` -> ``12,3%`` (it),
        ``12,3 %`` (es), ``12.3%`` (en)."""
        if not _finite(value):
            return MISSING
        pattern = _decimals(self.locale.percent_formats[None].pattern, digits)
        return format_percent(_exact(value), format=pattern, locale=self.lang)

    def money(
        self, value: float | int | None, currency: str | None = None, digits: int | None = None
    ) -> str:
        """An amount in ``currency`` (default: the workspace's), the locale's way:
        ``1.234,56 €`` (it), ``€1,234.56`` (en); ``digits`` decimals (default: the
        currency's own). A plain number when no currency is known."""
        code = currency or self.currency
        if not _finite(value):
            return MISSING
        if not code:
            return self.num(value, 2 if digits is None else digits)
        if digits is None:
            return format_currency(_exact(value), code, locale=self.lang)
        pattern = _decimals(self.locale.currency_formats["standard"].pattern, digits)
        return format_currency(
            _exact(value), code, format=pattern, locale=self.lang, currency_digits=False
        )

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
        ``formatLocale`` and ``timeFormatLocale``, taken from Babel's locale data (with the
        workspace's currency for ``$`` formats, and the locale's percent sign: ``37 %`` in
        Spanish)."""
        loc = self.locale
        symbols = loc.number_symbols.get("latn", loc.number_symbols)
        days = loc.days["format"]
        months = loc.months["format"]
        sunday_first = (6, 0, 1, 2, 3, 4, 5)
        percent = loc.percent_formats[None].pattern.rpartition("0")[2]
        return {
            "format": {
                "decimal": symbols["decimal"],
                "thousands": symbols["group"],
                "grouping": [3],
                "currency": list(self._currency_affixes()),
                "percent": percent,
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

    def _currency_affixes(self) -> tuple[str, str]:
        """What goes before and after an amount: ``("€", "")`` (en), ``("", " €")`` (it)."""
        if not self.currency:
            return "", ""
        before, _, after = self.money(1, digits=0).partition("1")
        return before, after


class _Number:
    """A number given to a message: ``format`` writes it the catalogue's locale way."""

    _SPEC = re.compile(r"^(?P<sign>\+)?(?:\.(?P<digits>[0-9]))?(?P<kind>[fd%]?)$")

    def __init__(self, c: Catalogue, value: float | int) -> None:
        self.c, self.value = c, value

    def __format__(self, spec: str) -> str:
        match = self._SPEC.match(spec)
        if not match:
            raise ValueError(f"A message formats numbers as +, .Nf, .N% or d; got {spec!r}.")
        digits = int(match["digits"] or 0)
        if match["kind"] == "%":
            return self.c.pct(self.value, digits)
        if not spec and isinstance(self.value, float) and not self.value.is_integer():
            return format_decimal(self.value, locale=self.c.lang)
        return (self.c.signed if match["sign"] else self.c.num)(self.value, digits)


def is_phrase(value: object) -> TypeGuard[Mapping[str, Any]]:
    """Whether a value is a message described as data (:meth:`Catalogue.phrase`)."""
    return isinstance(value, Mapping) and isinstance(value.get("key"), str)


def _decimals(pattern: str, digits: int) -> str:
    """A CLDR number pattern with ``digits`` decimals: ``#,##0%`` -> ``#,##0.0%``."""
    return re.sub(
        r"0(?:\.0+)?(?=[^0-9.#,]|$)", "0" + ("." + "0" * digits if digits else ""), pattern
    )


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


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


def _exact(value: float | int) -> Decimal | int:
    """A float as the exact decimal it stores: Babel then rounds it as Python's own
    formatting does (``f"{0.005:.2f}"`` is ``0.01``: the float is a hair above 0.005), so
    the catalogue's English and the library's English agree to the last digit."""
    return Decimal(value) if isinstance(value, float) else value


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


def workspace_currency(db_path: str | PathLike[str]) -> str | None:
    """The currency of the workspace whose DuckDB file is ``db_path``: its policy file's
    ``currency`` (EUR by default); None when the policy file does not validate (the pages
    then show amounts without a symbol rather than a wrong one; ``legame policy`` and the
    message check name the error)."""
    from legame.policy import load_policy, policy_path_for

    try:
        return load_policy(policy_path_for(db_path)).currency
    except InputError:
        return None


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
