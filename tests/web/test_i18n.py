"""Languages: complete catalogues (the same keys, and the plural forms each language's
CLDR rule needs), no bare text in templates, locale formats, and the language chosen by
query, cookie or Accept-Language."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pytest
from babel import Locale
from babel.numbers import format_decimal
from fastapi import FastAPI

from legame.web.i18n import (
    FAMILIES,
    LANGUAGES,
    catalogue,
    is_plural,
    load_messages,
    negotiate,
    plural_categories,
    slug,
    texts,
)
from tests.web.conftest import csrf_field

WEB = Path(str(resources.files("legame.web")))
TEMPLATES = sorted((WEB / "templates").glob("*.html"))
PYTHON = [*sorted(WEB.glob("*.py")), WEB.parent / "report.py"]
KEY_CALL = re.compile(r"""\b(t|plural|html)\(\s*["']([a-z0-9_.]+)["']""")
#: A placeholder and how it formats its number: ``{n}``, ``{est:.1f}``.
PLACEHOLDER = re.compile(r"\{(\w+(?::[^{}]*)?)\}")
#: Attributes a person reads (and ``value`` on buttons).
VISIBLE_ATTRIBUTES = {"placeholder", "title", "alt", "aria-label", "label"}
BUTTON_TYPES = {"submit", "button", "reset"}


def _used_keys() -> dict[str, set[str]]:
    """Keys the templates and the code ask for, by how: ``t``, ``plural`` or ``html``."""
    keys: dict[str, set[str]] = {"t": set(), "plural": set(), "html": set()}
    for path in [*TEMPLATES, *PYTHON]:
        for how, key in KEY_CALL.findall(path.read_text("utf-8")):
            keys[how].add(key)
    return keys


def test_every_catalogue_has_exactly_the_english_keys() -> None:
    english = set(load_messages("en"))
    for lang in LANGUAGES:
        keys = set(load_messages(lang))
        assert keys == english, (lang, sorted(keys ^ english))


def test_a_message_that_depends_on_a_count_does_so_in_every_language() -> None:
    english = {k for k, v in load_messages("en").items() if is_plural(v)}
    assert {"overview.responses", "customers.found", "count.customers"} <= english
    for lang in LANGUAGES:
        plural = {k for k, v in load_messages(lang).items() if is_plural(v)}
        assert plural == english, (lang, sorted(plural ^ english))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_plural_message_has_the_forms_its_languages_plural_rule_needs(lang: str) -> None:
    """Babel's CLDR rule names the categories (en: one, other; it and es: one, many,
    other): each plural message has exactly those."""
    needed = {*Locale(lang).plural_form.tags, "other"}
    assert needed == plural_categories(lang)
    for key, entry in load_messages(lang).items():
        if is_plural(entry):
            assert set(entry) == needed, (lang, key, sorted(entry))


def test_every_key_used_in_templates_and_code_exists_in_every_catalogue() -> None:
    used = _used_keys()
    assert len(used["t"]) > 100 and used["plural"]  # the pattern does find the calls
    for lang in LANGUAGES:
        messages = load_messages(lang)
        missing = set().union(*used.values()) - set(messages)
        assert not missing, (lang, sorted(missing))
        counted = [k for k in used["plural"] if not is_plural(messages[k])]
        plain = [k for k in used["t"] if is_plural(messages[k])]
        assert counted == [] and plain == [], (lang, counted, plain)


def _finding_keys() -> set[str]:
    """Every message key a finding can put in its ``text``, read from the modules."""
    from legame.insights import FINDINGS
    from legame.insights.finding import VERDICTS

    keys = {"finding.insufficient", "finding.no_orders", "finding.could_not_compute"}
    for module in FINDINGS:
        source = Path(str(module.__file__)).read_text("utf-8")
        own = set(re.findall(r'phrase\(\s*f"finding\.\{ID\}\.(\w+)"', source))
        keys |= {f"finding.{module.ID}.{name}" for name in own}
        keys |= {f"finding.{module.ID}.{part}" for part in ("claim", "method")}
        keys |= {f"finding.{module.ID}.{v}" for v in VERDICTS if v != "insufficient_data"}
        if "result_sentences(" in source:
            keys.add(f"finding.{module.ID}.result")
        keys |= set(re.findall(r'phrase\(\s*"(count\.\w+)"', source))
    return keys


def test_every_sentence_a_finding_can_say_is_in_every_catalogue() -> None:
    keys = _finding_keys()
    assert len(keys) > 60
    for lang in LANGUAGES:
        missing = keys - set(load_messages(lang))
        assert not missing, (lang, sorted(missing))


def test_every_reason_and_advice_of_the_message_check_is_in_every_catalogue() -> None:
    from legame.engage.message.flags import ADVICE

    assert set(ADVICE) == set(FAMILIES["flag"])
    own = {"all_clear", "too_many_warnings", "aligned", "not_aligned", "no_values"}
    for lang in LANGUAGES:
        messages = load_messages(lang)
        for code in [*ADVICE, *own]:
            assert f"reason.{code}" in messages, (lang, code)
        for code in ADVICE:
            assert f"advice.{code}" in messages, (lang, code)


def test_every_label_of_data_values_exists_in_every_catalogue() -> None:
    for lang in LANGUAGES:
        messages = load_messages(lang)
        for family, values in FAMILIES.items():
            for value in values:
                assert f"{family}.{slug(value)}" in messages, (lang, family, value)
        for status in (403, 404):
            assert f"error.{status}" in messages


def _placeholders(entry: str | dict[str, str]) -> set[str]:
    """The placeholders of a message (of all its forms; ``{n}``, which a form for one may
    leave out, aside)."""
    found = {p for text in texts(entry) for p in PLACEHOLDER.findall(text)}
    return found - {"n"}


def test_placeholders_are_the_same_in_every_language() -> None:
    english = load_messages("en")
    for lang in LANGUAGES:
        for key, entry in load_messages(lang).items():
            assert _placeholders(entry) == _placeholders(english[key]), (lang, key)
            for text in texts(entry):
                text.format_map(_Anything())  # every brace is a placeholder


class _Anything(dict[str, object]):
    def __missing__(self, key: str) -> object:
        return 1.5


def test_italian_and_spanish_are_translated_not_copied() -> None:
    english = load_messages("en")
    for lang in ("it", "es"):
        messages = load_messages(lang)
        same = [
            k
            for k, v in messages.items()
            for text in texts(v)
            if text in texts(english[k]) and re.search("[a-z]{4}", PLACEHOLDER.sub("", text))
        ]
        # Names that do not translate (the product, the languages, NPS) and words that are
        # the same in both languages.
        allowed = {
            "app.name",
            "language.en",
            "language.it",
            "language.es",
            "overview.nps",
            "trigger.manual",
            "col.email",
            "kind.ticket",
            "error.title",
            "nps_category.detractor",
            "signin.command",
            "model.paretonbd",
            # Words Italian and Spanish take from English, and "emoji", the same in all.
            "channel.email",
            "channel.marketplace",
            "channel.partner",
            "channel.chat",
            "ticket_category.account",
            "reason.shouting_emoji",
        }
        assert set(same) <= allowed, (lang, sorted(set(same) - allowed))


class _TextCollector(HTMLParser):
    """Text and visible attribute values of HTML, skipping scripts and styles."""

    def __init__(self, *, skip_lang: str | None = None) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip_lang = skip_lang
        self._skipping: list[str] = []  # stack of tags whose content is skipped
        self._depth: dict[str, int] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if self._skipping:
            if tag == self._skipping[-1]:
                self._depth[tag] = self._depth.get(tag, 0) + 1
            return
        if tag in ("script", "style") or (
            self.skip_lang and attributes.get("lang") == self.skip_lang and tag != "html"
        ):
            self._skipping.append(tag)
            self._depth[tag] = 1
            return
        for name, value in attrs:
            button = name == "value" and attributes.get("type") in BUTTON_TYPES
            if value and (name in VISIBLE_ATTRIBUTES or button):
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and tag == self._skipping[-1]:
            self._depth[tag] -= 1
            if self._depth[tag] == 0:
                self._skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _strip_jinja(source: str) -> str:
    source = re.sub(r"\{#.*?#\}", " ", source, flags=re.S)
    source = re.sub(r"\{%.*?%\}", " ", source, flags=re.S)
    return re.sub(r"\{\{.*?\}\}", " ", source, flags=re.S)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_templates_hold_no_bare_words_only_catalogue_lookups(template: Path) -> None:
    collector = _TextCollector()
    collector.feed(_strip_jinja(template.read_text("utf-8")))
    words = [p for p in collector.parts if re.search(r"[^\W\d_]", p)]
    assert words == [], f"{template.name} has text outside the catalogues: {words}"


def _rendered_text(page: str) -> str:
    collector = _TextCollector(skip_lang="en")  # English data (claims, reasons) is marked
    collector.feed(page)
    return html.unescape(" ".join(collector.parts))


def _english_phrases(lang: str) -> list[str]:
    """English messages that differ in ``lang``, as the fixed text around placeholders."""
    english, other = load_messages("en"), load_messages(lang)
    own = "\n".join(t for entry in other.values() for t in texts(entry))  # "Net Promoter Score"
    phrases = set()
    for key, entry in english.items():
        for text in texts(entry):
            if text in texts(other[key]):
                continue
            phrases |= _pieces(text, own)
    return sorted(phrases)


def _pieces(text: str, own: str) -> set[str]:
    """The fixed text of an English message, between its placeholders, that the other
    language's catalogue does not hold too."""
    phrases = set()
    for piece in PLACEHOLDER.split(text)[::2]:
        piece = piece.strip(" .:,·()")
        if len(piece) >= 6 and not re.search(rf"(?<!\w){re.escape(piece)}(?!\w)", own):
            phrases.add(piece)
    return phrases


PAGES = ("/", "/customers", "/findings", "/engagement", "/validation", "/messages/check")


def busiest_customer(app: FastAPI) -> tuple[str, int]:
    """The demo customer with the most events on the timeline, and how many."""
    from legame.views import customer_360

    with app.state.store.session() as ws:
        (cid,) = ws.con.execute(
            "SELECT customer_id FROM messages GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchone()
        return cid, len(customer_360(ws, cid)["timeline"])


def _english_findings(app: FastAPI) -> list[str]:
    """The claims and summaries of the stored findings, as the library says them."""
    from legame.web.findings import load_findings

    with app.state.store.session() as ws:
        found = load_findings(ws)
    assert found and all(f.get("text") for f in found)
    return [html.escape(f[part], quote=False) for f in found for part in ("claim", "summary")]


def _leaks(page: str, phrases: list[str]) -> list[str]:
    text = _rendered_text(page)
    return [p for p in phrases if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", text)]


@pytest.mark.parametrize("lang", ["it", "es"])
def test_pages_in_italian_and_spanish_show_no_english_catalogue_text(
    signed_in, http_app: FastAPI, lang: str
) -> None:
    """Every page, the customer 360 (first and last page of a long timeline), the message
    check with a result, an error page and the report: no English sentence of the
    catalogue, and none of the findings' English claims and summaries."""
    from legame.report import render_report

    client = signed_in("admin")
    first = client.get("/customers").text.split('href="/customers/', 1)[1].split('"')[0]
    busiest, events = busiest_customer(http_app)
    assert events > 100
    pages = {
        path: client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}").text
        for path in (
            *PAGES,
            f"/customers/{first}",
            f"/customers/{busiest}",
            f"/customers/{busiest}?events={-(-events // 50)}",
        )
    }
    form = pages["/messages/check"]
    pages["POST /messages/check"] = client.post(
        "/messages/check",
        data={
            "csrf_token": csrf_field(form),
            "text": "SOLO OGGI!!! Sconto 50%\nCorri, scade a mezzanotte!!! Ultima occasione",
            "values": "qualità\nrispetto per l'ambiente",
        },
    ).text
    missing = client.get(f"/customers/no-such-customer?lang={lang}")
    assert missing.status_code == 404
    pages["404"] = missing.text
    with http_app.state.store.session() as ws:
        pages["report"] = render_report(ws, lang)
    phrases = _english_phrases(lang)
    assert len(phrases) > 300
    findings = _english_findings(http_app)
    for path, page in pages.items():
        assert f'<html lang="{lang}">' in page, path
        leaked = _leaks(page, phrases)
        assert leaked == [], f"{path} in {lang} shows English: {leaked}"
        said = [f for f in findings if f in page]
        assert said == [], f"{path} in {lang} shows a finding in English: {said}"
    main = pages["/findings"].split("<main>")[1]
    assert 'lang="en"' not in main  # translated, not marked English


@pytest.mark.parametrize("lang", ["it", "es"])
def test_the_signin_and_error_pages_speak_the_language_too(client, signed_in, lang: str) -> None:
    phrases = _english_phrases(lang)
    signin = client.get(f"/signin?lang={lang}").text
    forbidden = signed_in("viewer").get("/customers")
    assert forbidden.status_code == 403
    for page in (signin, forbidden.text):
        assert _leaks(page, phrases) == []


def test_numbers_follow_the_page_locale(signed_in, http_app: FastAPI) -> None:
    from legame.views import overview

    with http_app.state.store.session() as ws:
        data = overview(ws)
    assert data["customers"] >= 1000 and data["nps"]["nps"] % 1 != 0  # both show a separator
    client = signed_in("viewer")
    for lang, thousands, decimal in (("en", ",", "."), ("it", ".", ","), ("es", ".", ",")):
        page = client.get(f"/?lang={lang}").text
        customers = f"{data['customers']:,}".replace(",", thousands)
        assert f'<p class="big">{customers}</p>' in page, lang
        nps = format_decimal(data["nps"]["nps"], format="+#,##0.0;-#,##0.0", locale=lang)
        assert decimal in nps and f'<p class="big">{nps}</p>' in page, lang


def test_babel_formats_numbers_dates_and_percentages_per_locale() -> None:
    it, es, en = catalogue("it"), catalogue("es"), catalogue("en")
    assert it.num(1234.56, 2) == "1.234,56"
    assert es.num(1234.56, 2) == "1.234,56"
    assert en.num(1234.56, 2) == "1,234.56"
    assert it.signed(7.15) == "+7,2" and en.signed(-3.0) == "-3.0"
    assert it.pct(0.1234) == "12,3%" and en.pct(0.5, 0) == "50%"
    assert it.month("2024-01") == "gen 2024" and es.month("2024-01") == "ene 2024"
    assert it.date("2025-12-30 15:19:27") == "30 dic 2025"
    assert en.num(None) == "—" and it.pct(float("nan")) == "—"


NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("lang", "one", "two", "million"),
    [
        ("en", "1 survey answer", "2 survey answers", "1,000,000 survey answers"),
        (
            "it",
            "1 risposta ai questionari",
            "2 risposte ai questionari",
            "1.000.000 di risposte ai questionari",
        ),
        (
            "es",
            "1 respuesta a encuestas",
            "2 respuestas a encuestas",
            "1.000.000 de respuestas a encuestas",
        ),
    ],
)
def test_plurals_follow_each_languages_cldr_rule(
    lang: str, one: str, two: str, million: str
) -> None:
    """One, two and a million (CLDR's ``many`` in Italian and Spanish: "di", "de")."""
    c = catalogue(lang)
    assert c.plural("overview.responses", 1) == one
    assert c.plural("overview.responses", 2) == two
    assert c.plural("overview.responses", 1_000_000) == million
    assert c.plural("count.customers", 1) != c.plural("count.customers", 2).replace("2", "1")
    with pytest.raises(KeyError):
        c.t("overview.responses", n=1)  # a count message needs its count


def test_the_customer_count_is_never_one_customers(signed_in) -> None:
    client = signed_in("analyst")
    page = client.get("/customers?q=C000001&lang=it").text
    assert "1 cliente · pagina 1 di 1" in page and "1 clienti" not in page
    page = client.get("/customers?q=C000001&lang=en").text
    assert "1 customer · page 1 of 1" in page


@pytest.mark.parametrize(
    ("lang", "amount", "rounded", "share", "usd"),
    [
        ("en", "€1,234.56", "€1,235", "37%", "$1,234.56"),
        ("it", f"1.234,56{NBSP}€", f"1.235{NBSP}€", "37%", f"1.234,56{NBSP}USD"),
        ("es", f"1.234,56{NBSP}€", f"1.235{NBSP}€", f"37{NBSP}%", f"1.234,56{NBSP}US$"),
    ],
)
def test_money_and_percentages_are_written_the_locales_way(
    lang: str, amount: str, rounded: str, share: str, usd: str
) -> None:
    """Babel's CLDR data: the euro after the amount in Italian and Spanish, before it in
    English; Spanish puts a space before the percent sign."""
    c = catalogue(lang)
    assert c.money(1234.56) == amount and c.money(1234.56, "EUR") == amount
    assert c.money(1234.56, digits=0) == rounded
    assert c.money(1234.56, "USD") == usd == c.with_currency("USD").money(1234.56)
    assert c.with_currency(None).money(1234.56) == c.num(1234.56, 2)  # no currency known
    assert c.pct(0.37, 0) == share
    assert (
        c.t("finding.gratitude_uplift.result", est=0.7, lo=-3.74, hi=5.3).count(c.signed(-3.74))
        == 1
    )


def test_the_vega_locale_matches_babel_for_each_language() -> None:
    it = catalogue("it").vega_locale()
    assert it["format"]["decimal"] == "," and it["format"]["thousands"] == "."
    assert it["format"]["currency"] == ["", f"{NBSP}€"] and it["format"]["percent"] == "%"
    assert it["time"]["shortMonths"][0] == "gen" and it["time"]["days"][0] == "domenica"
    assert it["time"]["date"] == "%d/%m/%y"
    en = catalogue("en").vega_locale()
    assert en["format"]["decimal"] == "." and en["time"]["months"][11] == "December"
    assert en["format"]["currency"] == ["€", ""]
    es = catalogue("es").vega_locale()
    assert es["format"]["percent"] == f"{NBSP}%"  # "37 %", as the tables write it
    assert catalogue("en").with_currency("USD").vega_locale()["format"]["currency"] == ["$", ""]


@pytest.mark.parametrize("lang", ["it", "es"])
def test_pages_show_percentages_and_amounts_as_the_locale_does(signed_in, lang: str) -> None:
    page = signed_in("viewer").get(f"/?lang={lang}").text
    percent = f"{NBSP}%" if lang == "es" else "%"
    shares = re.findall(r"(\d+)(\u00a0?%)", _rendered_text(page))
    assert shares and {sign for _, sign in shares} == {percent}
    assert re.search(rf'<p class="big">[\d.]+{NBSP}€</p>', page)  # the expected value
    assert '"$,.0f"' in page  # amount axes take the locale's currency


def test_the_page_embeds_its_vega_locale(signed_in) -> None:
    page = signed_in("viewer").get("/?lang=it").text
    locale = re.search(
        r'<script type="application/json" id="legame-locale">(.*?)</script>', page
    ).group(1)
    assert '"decimal": ","' in locale and '"thousands": "."' in locale


@pytest.mark.parametrize(
    ("query", "cookie", "header", "expected"),
    [
        (None, None, None, "en"),
        (None, None, "it-IT,it;q=0.9,en;q=0.8", "it"),
        (None, None, "fr-FR, es;q=0.7, en;q=0.5", "es"),
        (None, None, "en;q=0.2, it;q=0.9", "it"),
        (None, None, "de, fr", "en"),
        (None, None, "es;q=0", "en"),
        (None, "es", "it", "es"),
        ("it", "es", "en", "it"),
        ("xx", "es", None, "es"),
    ],
)
def test_language_is_the_query_then_the_cookie_then_accept_language(
    query: str | None, cookie: str | None, header: str | None, expected: str
) -> None:
    assert negotiate(query, cookie, header) == expected


def test_the_language_switch_sets_a_cookie_that_later_pages_follow(signed_in) -> None:
    client = signed_in("viewer")
    switched = client.get("/findings?lang=es")
    assert '<html lang="es">' in switched.text
    assert "legame_lang=es" in switched.headers["set-cookie"]
    assert '<html lang="es">' in client.get("/engagement").text
    # The switch's cookie beats the browser's Accept-Language.
    assert '<html lang="es">' in client.get("/", headers={"Accept-Language": "it"}).text


def test_accept_language_picks_the_page_language(client) -> None:
    page = client.get("/signin", headers={"Accept-Language": "es-ES,es;q=0.9"})
    assert '<html lang="es">' in page.text and "Iniciar sesión" in page.text
