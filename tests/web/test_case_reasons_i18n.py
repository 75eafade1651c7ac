"""A case page says, in its reader's language, why the contact governor blocks a call-back
(a withdrawn consent, the quiet hours, a frequency cap) and what made a poor-service case,
with the facts (instants, times of day, counts) the locale's way and plurals by its rule.

The workspace is the small store of ``tests/cases`` (its cases known by construction), with
its cases opened; the policy beside it is written by each test, as the governor reads it on
every call-back.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_time
from fastapi import FastAPI
from fastapi.testclient import TestClient

from legame.engage.cases import open_cases
from legame.engage.governor import Governor
from legame.engage.message import check_message
from legame.policy import DEFAULT_POLICY
from legame.store import Workspace
from legame.store.keys import create_key
from legame.web.i18n import catalogue
from legame.web.reasons import say_reason
from tests.cases.conftest import AS_OF, small_store
from tests.web.conftest import csrf_field, make_app, new_client, sign_in
from tests.web.test_i18n import _english_phrases

#: The call-back's own rules, without the quiet hours (the quiet-hours test sets them).
NO_QUIET = "[cases]\ncallback_quiet_hours = false\n"
#: A service contact that counts against the caps: one email a week.
CAPPED = NO_QUIET + (
    "[contact.transactional]\nexempt_from_caps = false\n[contact.caps]\nemail.per_7_days = 1\n"
)
#: Two smaller problems (a countdown, emoji), so one more than the default allows.
TWO_WARNINGS = (
    "Novità in negozio 🎉🎉🎉\nCiao, è arrivato il nuovo pane di segale: si conserva una "
    "settimana. Ti aspettiamo, grazie! Solo oggi."
)


@dataclass(frozen=True)
class Store:
    app: FastAPI
    folder: Path
    key: str
    cases: dict[str, int]  # source key -> case id

    def policy(self, text: str) -> None:
        (self.folder / "legame.toml").write_text(text, encoding="utf-8")

    def page(self, source: str, lang: str) -> str:
        client = sign_in(new_client(self.app), self.key)
        return client.get(f"/cases/{self.cases[source]}?lang={lang}").text

    def contact(self, source: str, channel: str, lang: str) -> str:
        """Post the case page's call-back form in ``lang``; the page that comes back."""
        client = sign_in(new_client(self.app), self.key)
        case_id = self.cases[source]
        shown = client.get(f"/cases/{case_id}?lang={lang}").text
        version = re.search(
            r'action="/cases/\d+/contact".*?name="version" value="(\d+)"', shown, re.S
        )
        assert version, shown
        response = client.post(
            f"/cases/{case_id}/contact?lang={lang}",
            data={
                "csrf_token": csrf_field(shown),
                "version": version.group(1),
                "channel": channel,
            },
        )
        assert response.status_code == 200
        assert f'<html lang="{lang}">' in response.text
        return response.text


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("case-reasons")
    db = folder / "legame.duckdb"
    with Workspace.create(db) as ws:
        small_store(ws, folder)
        open_cases(ws, as_of=AS_OF)
        cases = dict(ws.con.execute("SELECT source_key, case_id FROM cases").fetchall())
        key = create_key(ws, "analyst")[0]
        # C2 got an email an hour ago (the frequency cap's test).
        sent = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=1)
        Governor(ws, DEFAULT_POLICY).record("C2", "email", sent)
    app = make_app(db)
    with TestClient(app):
        yield Store(app, folder, key, cases)


def element(page: str, tag: str, ident: str) -> str:
    found = re.search(rf'<{tag}[^>]* id="{ident}".*?</{tag}>', page, re.S)
    assert found, f"no #{ident} in the page"
    return found.group(0)


def text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def no_english(fragment: str, lang: str) -> None:
    """Nothing marked English, and no English sentence of the catalogues."""
    assert 'lang="en"' not in fragment, fragment
    shown = text(fragment)
    leaked = [
        p for p in _english_phrases(lang) if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", shown)
    ]
    assert leaked == [], (lang, leaked, shown)


def reasons(page: str) -> dict[str, str]:
    """The blocked call-back's reasons, by rule, as text."""
    block = element(page, "div", "case-blocked")
    return {
        rule: text(said)
        for rule, said in re.findall(r'<li data-rule="([a-z_]+)">(.*?)</li>', block, re.S)
    }


# --- why a call-back is blocked ---------------------------------------------------------------


@pytest.mark.parametrize("lang", ["it", "es"])
def test_a_call_back_blocked_by_a_withdrawn_consent_says_why_in_the_readers_language(
    store: Store, lang: str
) -> None:
    store.policy(NO_QUIET)
    page = store.contact("survey:R5", "phone", lang)  # C4 withdrew phone consent on 3/2
    no_english(element(page, "div", "case-blocked"), lang)
    c = catalogue(lang)
    said = reasons(page)
    assert list(said) == ["consent"]
    withdrawn = c.datetime(datetime(2025, 3, 2, 9, 0))
    expected = c.t(
        "governor.consent_withdrawn", when=withdrawn, channel=c.label("channel", "phone")
    )
    assert said["consent"].startswith(f"{c.label('cases.rule', 'consent')}: {expected}")
    assert withdrawn in said["consent"] and c.label("channel", "phone") in said["consent"]


@pytest.mark.parametrize("lang", ["it", "es"])
def test_a_call_back_in_the_quiet_hours_says_them_in_the_readers_language(
    store: Store, lang: str
) -> None:
    """Quiet hours around the present moment in the customer's zone (C1 is in Rome),
    whatever the hour the test runs at; the times of day as the locale writes them."""
    local = datetime.now(UTC).astimezone(ZoneInfo("Europe/Rome"))
    start, end = local - timedelta(hours=1), local + timedelta(hours=3)
    store.policy(f'[contact.quiet_hours]\nstart = "{start:%H:%M}"\nend = "{end:%H:%M}"\n')
    page = store.contact("survey:R1", "phone", lang)
    no_english(element(page, "div", "case-blocked"), lang)
    said = reasons(page)
    assert list(said) == ["quiet_hours"]
    c = catalogue(lang)
    clock = [
        format_time(t.time().replace(second=0, microsecond=0), "short", locale=lang)
        for t in (start, end)
    ]
    shown = said["quiet_hours"]
    assert shown.startswith(c.label("cases.rule", "quiet_hours") + ": ")
    assert f"{clock[0]}–{clock[1]}" in shown and "Europe/Rome" in shown
    before_start = c.t("governor.quiet_hours").split("{start}")[0].strip()
    assert before_start in shown  # the catalogue's words around the facts


@pytest.mark.parametrize("lang", ["it", "es"])
def test_a_call_back_over_a_frequency_cap_says_it_with_the_counts_plural_rule(
    store: Store, lang: str
) -> None:
    """With a policy that counts service contacts against the caps: one email this week
    already, one allowed, so "1 invio" / "1 envío" in the singular, and days in the plural."""
    store.policy(CAPPED)
    page = store.contact("ticket:T2", "email", lang)
    no_english(element(page, "div", "case-blocked"), lang)
    said = reasons(page)
    assert list(said) == ["cap"]
    c = catalogue(lang)
    expected = c.plural(
        "governor.cap",
        1,
        channel=c.label("channel", "email"),
        days=c.plural("governor.days", 7),
        limit=1,
    )
    assert said["cap"].startswith(f"{c.label('cases.rule', 'cap')}: {expected}")
    assert {"it": "1 invio su", "es": "1 envío por"}[lang] in said["cap"]
    assert {"it": "7 giorni", "es": "7 días"}[lang] in said["cap"]


def test_the_english_page_says_the_reasons_from_the_catalogue_too(store: Store) -> None:
    store.policy(NO_QUIET)
    page = store.contact("survey:R5", "phone", "en")
    said = reasons(page)
    assert "consent withdrawn on Mar 2, 2025, 9:00:00 AM UTC (channel: Phone)" in said["consent"]
    assert 'lang="en"' not in element(page, "div", "case-blocked")  # the page's own language


# --- what made a poor-service case ------------------------------------------------------------


def _poor(lang: str, ticket: str, category: str | None, *problems: str) -> str:
    c = catalogue(lang)
    said = "; ".join(problems)
    if category is None:
        return c.t("cases.poor.ticket", ticket=ticket, problems=said)
    label = c.label("ticket_category", category)
    return c.t("cases.poor.ticket_category", ticket=ticket, category=label, problems=said)


@pytest.mark.parametrize("lang", ["it", "es"])
def test_a_poor_service_case_says_what_made_it_poor_in_the_readers_language(
    store: Store, lang: str
) -> None:
    c = catalogue(lang)
    slow = c.plural("cases.poor.slow_response", 48)
    expected = {
        "ticket:T2": _poor(lang, "T2", "billing", slow, c.plural("cases.poor.slow_resolution", 7)),
        "ticket:T1": _poor(lang, "T1", "delivery", c.t("cases.poor.low_csat", csat=2)),
        "ticket:T5": _poor(lang, "T5", None, slow),
    }
    for source, said in expected.items():
        page = store.page(source, lang)
        detail = element(page, "p", "case-detail")
        no_english(detail, lang)
        assert text(detail) == said, (source, lang)
        opened = re.search(r'<tr data-action="opened".*?</tr>', page, re.S)
        assert opened and said in text(opened.group(0)) and 'lang="en"' not in opened.group(0)
    assert {"it": "48 ore", "es": "48 horas"}[lang] in expected["ticket:T5"]
    assert {"it": "Fatturazione", "es": "Facturación"}[lang] in expected["ticket:T2"]


def test_a_detractor_case_still_says_its_nps_answer(store: Store) -> None:
    detail = element(store.page("survey:R1", "es"), "p", "case-detail")
    assert text(detail) == catalogue("es").t("cases.nps", nps=3)


# --- "1 warning", "2 warnings" ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "one", "two"),
    [
        ("en", "1 warning (", "2 warnings ("),
        ("it", "1 avviso (", "2 avvisi ("),
        ("es", "1 aviso (", "2 avisos ("),
    ],
)
def test_too_many_warnings_takes_the_plural_rule_on_the_page(lang: str, one: str, two: str) -> None:
    def said(draft: str, max_medium_flags: int) -> str:
        result = check_message(draft, [], max_medium_flags=max_medium_flags)
        (reason,) = [r for r in result.reasons if r.code == "too_many_warnings"]
        return text(str(say_reason(catalogue(lang), reason, result.language)))

    # None allowed: the countdown alone is one too many; with the emoji, two of one allowed.
    assert one in said(TWO_WARNINGS.replace("🎉🎉🎉", ""), 0)
    assert two in said(TWO_WARNINGS, 1)


def test_what_has_no_facts_shows_its_english_marked_english() -> None:
    """A case whose detail could not be read back (migration 0010), and a reason without a
    code (a plan's): their English words, marked so, rather than nothing."""
    from legame.engage.governor import Reason
    from legame.web.reasons import say_case_detail

    old = {"kind": "poor_service", "source_key": "ticket:T6", "detail": "ticket T6: poor"}
    assert str(say_case_detail(catalogue("it"), old)) == '<span lang="en">ticket T6: poor</span>'
    plain = Reason("cap", "2 sends on email in the last 7 days (limit 2)", None)
    assert str(say_reason(catalogue("es"), plain, "es")) == (
        '<span lang="en">2 sends on email in the last 7 days (limit 2)</span>'
    )


@pytest.mark.parametrize("lang", ["it", "es"])
def test_the_queue_and_its_csv_say_what_made_each_case_in_the_readers_language(
    store: Store, lang: str
) -> None:
    import csv
    import io

    client = sign_in(new_client(store.app), store.key)
    queue = client.get(f"/cases?period=all&lang={lang}").text
    rows = re.findall(r'<tr data-case="[0-9]+".*?</tr>', queue, re.S)
    assert len(rows) >= 3
    for row in rows:
        cell = re.search(r'<td class="detail">(.*?)</td>', row, re.S)
        assert cell, row
        no_english(cell.group(1).split(" · ")[0], lang)  # what follows: the comment
    c = catalogue(lang)
    slow = c.plural("cases.poor.slow_response", 48)
    assert _poor(lang, "T5", None, slow) in text(queue)
    table = client.get(f"/cases.csv?period=all&lang={lang}").content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(table), delimiter=";"))
    detail = lines[0].index(c.t("csv.cases.detail"))
    said = {line[detail] for line in lines[1:]}
    assert _poor(lang, "T5", None, slow) in said
    assert not any("first answer" in s or "unresolved" in s for s in said), said


@pytest.mark.parametrize("lang", ["it", "es"])
def test_the_history_says_a_logged_call_back_in_the_readers_language(
    store: Store, lang: str
) -> None:
    store.policy(NO_QUIET)
    page = store.contact("ticket:T1", "phone", lang)  # C1 granted phone; not held out
    c = catalogue(lang)
    contacted = re.search(r'<tr data-action="contacted".*?</tr>', page, re.S)
    assert contacted, page
    no_english(contacted.group(0), lang)
    said = c.t("cases.contacted_note", channel=c.label("channel", "phone"), message="case-")
    assert said.split("case-")[0] in text(contacted.group(0))
