"""Languages: complete catalogues, no bare text in templates, locale formats, and the
language chosen by query, cookie or Accept-Language."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pytest
from babel.numbers import format_decimal
from fastapi import FastAPI

from legame.web.i18n import FAMILIES, LANGUAGES, catalogue, load_messages, negotiate, slug
from tests.web.conftest import csrf_field

WEB = Path(str(resources.files("legame.web")))
TEMPLATES = sorted((WEB / "templates").glob("*.html"))
PYTHON = [*sorted(WEB.glob("*.py")), WEB.parent / "report.py"]
KEY_CALL = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
#: Attributes a person reads (and ``value`` on buttons).
VISIBLE_ATTRIBUTES = {"placeholder", "title", "alt", "aria-label", "label"}
BUTTON_TYPES = {"submit", "button", "reset"}


def _used_keys() -> set[str]:
    keys = set()
    for path in [*TEMPLATES, *PYTHON]:
        keys |= set(KEY_CALL.findall(path.read_text("utf-8")))
    return keys


def test_every_catalogue_has_exactly_the_english_keys() -> None:
    english = set(load_messages("en"))
    for lang in LANGUAGES:
        keys = set(load_messages(lang))
        assert keys == english, (lang, sorted(keys ^ english))


def test_every_key_used_in_templates_and_code_exists_in_every_catalogue() -> None:
    used = _used_keys()
    assert len(used) > 100  # the pattern does find the calls
    for lang in LANGUAGES:
        missing = used - set(load_messages(lang))
        assert not missing, (lang, sorted(missing))


def test_every_label_of_data_values_exists_in_every_catalogue() -> None:
    for lang in LANGUAGES:
        messages = load_messages(lang)
        for family, values in FAMILIES.items():
            for value in values:
                assert f"{family}.{slug(value)}" in messages, (lang, family, value)
        for status in (403, 404):
            assert f"error.{status}" in messages


def test_placeholders_are_the_same_in_every_language() -> None:
    english = load_messages("en")
    for lang in LANGUAGES:
        for key, text in load_messages(lang).items():
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(english[key])), (
                lang,
                key,
            )


def test_italian_and_spanish_are_translated_not_copied() -> None:
    english = load_messages("en")
    for lang in ("it", "es"):
        messages = load_messages(lang)
        same = [
            k
            for k, v in messages.items()
            if v == english[k] and re.search("[a-z]{4}", PLACEHOLDER.sub("", v))
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
    own = "\n".join(other.values())  # "Net Promoter Score" is Italian too
    phrases = set()
    for key, text in english.items():
        if text == other[key]:
            continue
        for piece in PLACEHOLDER.split(text)[::2]:
            piece = piece.strip(" .:,·()")
            if len(piece) >= 6 and not re.search(rf"(?<!\w){re.escape(piece)}(?!\w)", own):
                phrases.add(piece)
    return sorted(phrases)


PAGES = ("/", "/customers", "/findings", "/engagement", "/validation", "/messages/check")


@pytest.mark.parametrize("lang", ["it", "es"])
def test_pages_in_italian_and_spanish_show_no_english_catalogue_text(signed_in, lang: str) -> None:
    client = signed_in("admin")
    first = client.get("/customers").text.split('href="/customers/', 1)[1].split('"')[0]
    pages = {
        path: client.get(f"{path}?lang={lang}").text for path in (*PAGES, f"/customers/{first}")
    }
    form = pages["/messages/check"]
    pages["POST /messages/check"] = client.post(
        "/messages/check",
        data={
            "csrf_token": csrf_field(form),
            "text": "Sconto 50%\nSolo oggi!!!",
            "values": "qualità",
        },
    ).text
    phrases = _english_phrases(lang)
    assert len(phrases) > 150
    for path, page in pages.items():
        assert f'<html lang="{lang}">' in page, path
        text = _rendered_text(page)
        leaked = [p for p in phrases if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", text)]
        assert leaked == [], f"{path} in {lang} shows English: {leaked}"


@pytest.mark.parametrize("lang", ["it", "es"])
def test_the_signin_and_error_pages_speak_the_language_too(client, signed_in, lang: str) -> None:
    phrases = _english_phrases(lang)
    signin = client.get(f"/signin?lang={lang}").text
    forbidden = signed_in("viewer").get("/customers")
    assert forbidden.status_code == 403
    for page in (signin, forbidden.text):
        text = _rendered_text(page)
        assert [p for p in phrases if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", text)] == []


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


def test_the_vega_locale_matches_babel_for_each_language() -> None:
    it = catalogue("it").vega_locale()
    assert it["format"]["decimal"] == "," and it["format"]["thousands"] == "."
    assert it["time"]["shortMonths"][0] == "gen" and it["time"]["days"][0] == "domenica"
    assert it["time"]["date"] == "%d/%m/%y"
    en = catalogue("en").vega_locale()
    assert en["format"]["decimal"] == "." and en["time"]["months"][11] == "December"


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
