"""The cases workbench in the dashboard, through the real app with signed-in sessions.

The pages are built on ``legame.engage.cases``: what a page lists is what the library
lists with the same filters, and every form goes through the library's workflow (the
contact governor, the expected version). The workspace is a copy of the demo, whose cases
open as of its latest data, with a policy that lets call-backs through at any hour (the
quiet hours would make a call-back "now" depend on the clock; the library's tests cover
them) and one customer who withdrew phone consent.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from legame.engage.cases import case_counts, case_stats, get_case, list_cases
from legame.engage.cases.queue import KINDS, STATUSES
from legame.ingest import ingest
from legame.store import Workspace
from legame.web.i18n import LANGUAGES, load_messages, slug, texts
from legame.web.texts import text_language
from tests.web.conftest import Demo, csrf_field, make_app, new_client, sign_in
from tests.web.test_i18n import _pieces, _rendered_text

#: Call-backs are checked at the current time: the quiet hours off for them, so a test
#: does not depend on the hour it runs at.
LENIENT = "\n[cases]\ncallback_quiet_hours = false\n"
BOM = b"\xef\xbb\xbf"
PAGE_SIZE = 25


@dataclass(frozen=True)
class Workbench:
    """The app, and the cases each test changes (none changes another's)."""

    app: FastAPI
    demo: Demo
    workflow: int  # assigned, noted, called back and closed
    stale: int  # changed twice from the same version
    refused: int  # closed as no-answer before any contact
    blocked: int  # its customer withdrew phone consent
    csrf: int  # posted to without the token
    holdout: int  # in the randomized holdout
    commented: int  # has a comment

    def client(self, role: str) -> TestClient:
        return sign_in(new_client(self.app), self.demo.keys[role])

    def library(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        with self.app.state.store.session() as ws:
            return fn(ws, *args, **kwargs)


@pytest.fixture(scope="module")
def bench(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workbench]:
    folder = tmp_path_factory.mktemp("cases-web")
    db = demo.copy(folder)
    with (folder / "legame.toml").open("a", encoding="utf-8") as policy:
        policy.write(LENIENT)
    with Workspace.open(db) as ws:
        queue = list_cases(ws, page_size=200)["cases"]
        held = list_cases(ws, include_holdout=True, page_size=200)["cases"]
        holdout = next(c["case_id"] for c in held if c["arm"] == "holdout")
        commented = next(c["case_id"] for c in queue if c["comment"])
        plain = [c for c in queue if c["case_id"] != commented]
        blocked = plain[-1]
        consents = folder / "consents.csv"
        consents.write_text(
            f"customer_id,channel,status,at\n{blocked['customer_id']},phone,withdrawn,"
            f"{blocked['opened_at']:%Y-%m-%d %H:%M}\n",
            encoding="utf-8",
        )
        assert not ingest(ws, "consents", [consents]).failed
    app = make_app(db)
    with TestClient(app):
        yield Workbench(
            app,
            demo,
            workflow=plain[0]["case_id"],
            stale=plain[1]["case_id"],
            refused=plain[2]["case_id"],
            csrf=plain[3]["case_id"],
            blocked=blocked["case_id"],
            holdout=holdout,
            commented=commented,
        )


def row_ids(page: str) -> list[int]:
    """The case numbers of the queue's rows, in order."""
    return [int(n) for n in re.findall(r'<tr data-case="(\d+)">', page)]


def post(client: TestClient, case_id: int, form: str, **fields: Any) -> Any:
    """Post one of the case page's forms with the token and version it shows."""
    shown = client.get(f"/cases/{case_id}").text
    version = re.search(
        rf'action="/cases/{case_id}/{form}".*?name="version" value="(\d+)"', shown, re.S
    )
    assert version, f"no {form} form on case {case_id}"
    data = {"csrf_token": csrf_field(shown), "version": version.group(1), **fields}
    return client.post(f"/cases/{case_id}/{form}", data=data, follow_redirects=False)


def history(page: str) -> list[str]:
    return re.findall(r'<tr data-action="([a-z]+)"', page)


# --- the queue -------------------------------------------------------------------------------


def test_the_queue_lists_the_librarys_cases_a_page_at_a_time(bench: Workbench) -> None:
    client = bench.client("analyst")
    expected = bench.library(list_cases, page_size=PAGE_SIZE)
    assert expected["pages"] >= 2  # the demo opens enough cases for two pages
    page = client.get("/cases")
    assert page.status_code == 200
    assert row_ids(page.text) == [c["case_id"] for c in expected["cases"]]
    assert f"{expected['total']} cases · page 1 of {expected['pages']}" in page.text
    assert 'rel="next"' in page.text and 'rel="prev"' not in page.text
    last = client.get(f"/cases?page={expected['pages']}")
    assert 'rel="prev"' in last.text and 'rel="next"' not in last.text
    # A page past the last (a stale link) shows the last one, with the filters kept.
    past = client.get("/cases?kind=detractor&page=999", follow_redirects=False)
    assert past.status_code == 303
    assert past.headers["location"].endswith("/cases?kind=detractor&page=1")


@pytest.mark.parametrize(
    "filters",
    [
        {"status": "new"},
        {"kind": "detractor"},
        {"kind": "poor_service", "overdue": "yes"},
        {"overdue": "no"},
        {"status": "new", "sort": "clv"},
    ],
    ids=lambda f: "-".join(f"{k}={v}" for k, v in f.items()),
)
def test_the_queue_filters_as_the_library_does(bench: Workbench, filters: dict[str, str]) -> None:
    overdue = {"yes": True, "no": False}.get(filters.get("overdue", ""))
    expected = bench.library(
        list_cases,
        status=filters.get("status"),
        kind=filters.get("kind"),
        overdue=overdue,
        sort=filters.get("sort", "due"),
        page_size=PAGE_SIZE,
    )
    page = bench.client("analyst").get("/cases", params=filters).text
    assert row_ids(page) == [c["case_id"] for c in expected["cases"]]
    for name, value in filters.items():  # the form shows the filters it applies
        assert f'<option value="{value}" selected>' in page, name


def test_the_queue_filters_by_owner(bench: Workbench) -> None:
    client = bench.client("analyst")
    case_id = bench.stale  # any case: give it an owner of its own
    assert post(client, case_id, "assign", owner="Giulia Rossi").status_code == 303
    page = client.get("/cases", params={"owner": "Giulia Rossi"}).text
    assert row_ids(page) == [case_id]
    assert row_ids(client.get("/cases", params={"owner": "nobody at all"}).text) == []


def test_the_queue_sorts_by_clv_or_by_due_date(bench: Workbench) -> None:
    client = bench.client("analyst")
    by_clv = bench.library(list_cases, sort="clv", page_size=200)["cases"]
    by_due = bench.library(list_cases, sort="due", page_size=200)["cases"]
    clv_page = row_ids(client.get("/cases?sort=clv").text)
    due_page = row_ids(client.get("/cases?sort=due").text)
    assert clv_page == [c["case_id"] for c in by_clv[:PAGE_SIZE]]
    assert due_page == [c["case_id"] for c in by_due[:PAGE_SIZE]]
    assert clv_page != due_page
    values = [c["clv"] for c in by_clv if c["clv"] is not None]
    assert values == sorted(values, reverse=True)


def test_holdout_cases_are_left_out_unless_asked_for(bench: Workbench) -> None:
    client = bench.client("analyst")
    default = client.get("/cases?page=1").text + client.get("/cases?page=2").text
    assert bench.holdout not in row_ids(default)
    asked = client.get("/cases", params={"holdout": "1", "kind": "detractor"}).text
    assert bench.holdout in row_ids(asked)
    page = client.get(f"/cases/{bench.holdout}").text
    assert 'id="case-holdout"' in page and 'id="form-contact"' not in page


def test_the_queue_links_each_case_and_its_customer(bench: Workbench) -> None:
    first = bench.library(list_cases, page_size=1)["cases"][0]
    page = bench.client("analyst").get("/cases").text
    assert f'<a href="/cases/{first["case_id"]}">' in page
    assert f'<a href="/customers/{first["customer_id"]}">' in page
    assert 'href="/cases/loop"' in page


# --- one case --------------------------------------------------------------------------------


def test_the_case_page_shows_customer_scores_comment_due_date_owner_and_history(
    bench: Workbench,
) -> None:
    case = bench.library(get_case, bench.commented)
    page = bench.client("analyst").get(f"/cases/{bench.commented}?lang=en")
    assert page.status_code == 200
    text = page.text
    assert f'href="/customers/{case["customer_id"]}" id="case-customer"' in text
    assert "Expected value at opening" in text and "Churn risk now" in text
    assert f"€{case['clv_at_open']:,.2f}" in text
    # The comment is marked with its own language, never the page's.
    lang = text_language(case["comment"])
    assert lang
    comment = re.search(r'<blockquote class="comment" id="case-comment"><span lang="(\w*)">', text)
    assert comment and comment.group(1) == lang
    assert 'id="case-due"' in text and 'id="case-owner">Unassigned<' in text
    assert ('id="case-overdue"' in text) == case["overdue"]
    assert history(text) == ["opened"]
    assert f'data-status="{case["status"]}"' in text


def test_assign_note_call_back_and_close_each_show_in_the_history(bench: Workbench) -> None:
    client = bench.client("analyst")
    case_id = bench.workflow
    assigned = post(client, case_id, "assign", to_me="1")
    assert assigned.status_code == 303
    assert assigned.headers["location"] == f"/cases/{case_id}?done=assigned"
    after = get_from(bench, case_id)
    assert after["owner"] and after["owner"].startswith("analyst key ")

    note = "Ho chiamato il negozio: il pacco è in consegna domani.\r\nRichiamo dopo."
    assert post(client, case_id, "note", note=note).status_code == 303
    assert get_from(bench, case_id)["history"][-1]["note"] == note.replace("\r\n", "\n")

    called = post(client, case_id, "contact", channel="phone")
    assert called.status_code == 303
    assert called.headers["location"] == f"/cases/{case_id}?done=contacted"
    page = client.get(called.headers["location"]).text
    assert 'id="case-done"' in page and 'data-status="contacted"' in page

    closed = post(client, case_id, "close", outcome="resolved", note="Risolto, grazie")
    assert closed.status_code == 303
    page = client.get(f"/cases/{case_id}").text
    assert history(page) == ["opened", "assigned", "note", "contacted", "closed"]
    assert page.count(after["owner"]) >= 4  # who made each change
    assert 'data-status="resolved"' in page
    assert 'id="form-contact"' not in page and 'id="form-close"' not in page  # closed
    assert 'id="form-note"' in page  # a note can still be added
    queue = client.get("/cases", params={"status": "resolved"}).text
    assert case_id in row_ids(queue)
    found = get_from(bench, case_id)
    assert (found["status"], found["version"]) == ("resolved", 5)
    assert found["first_contact_at"] is not None and found["closed_at"] is not None


def get_from(bench: Workbench, case_id: int) -> dict[str, Any]:
    found: dict[str, Any] = bench.library(get_case, case_id)
    return found


def test_a_call_back_the_governor_blocks_shows_why_and_changes_nothing(bench: Workbench) -> None:
    client = bench.client("analyst")
    before = get_from(bench, bench.blocked)
    response = post(client, bench.blocked, "contact", channel="phone")
    assert response.status_code == 200
    page = response.text
    assert 'id="case-blocked"' in page
    assert '<li data-rule="consent">' in page
    assert "consent withdrawn on" in page and "(channel: Phone)" in page  # from the catalogue
    assert "Consent withdrawn" in page
    after = get_from(bench, bench.blocked)
    assert (after["status"], after["version"]) == (before["status"], before["version"])
    assert len(after["history"]) == len(before["history"])
    # Another channel is for the governor to judge: the page offers the policy's channels.
    for channel in ("email", "sms", "push", "phone", "post"):
        assert f'<option value="{channel}"' in page


def test_a_change_from_a_stale_version_is_a_conflict_and_changes_nothing(
    bench: Workbench,
) -> None:
    client = bench.client("analyst")
    case_id = bench.stale
    shown = client.get(f"/cases/{case_id}").text
    token = csrf_field(shown)
    version = int(re.search(r'name="version" value="(\d+)"', shown).group(1))
    first = client.post(
        f"/cases/{case_id}/note",
        data={"csrf_token": token, "version": version, "note": "first"},
        follow_redirects=False,
    )
    assert first.status_code == 303
    current = get_from(bench, case_id)
    for form, fields in (
        ("note", {"note": "second, from the same page"}),
        ("assign", {"owner": "Marco"}),
        ("close", {"outcome": "resolved"}),
        ("contact", {"channel": "phone"}),
    ):
        stale = client.post(
            f"/cases/{case_id}/{form}",
            data={"csrf_token": token, "version": version, **fields},
            follow_redirects=False,
        )
        assert stale.status_code == 409, form
        assert "This case was changed meanwhile" in stale.text
        assert f"it is at version {current['version']} now" in stale.text
        # The page shows the case as it is now, its forms at the current version.
        assert f'name="version" value="{current["version"]}"' in stale.text
    after = get_from(bench, case_id)
    assert after["version"] == current["version"] and after["history"] == current["history"]


def test_a_change_the_library_refuses_is_said_and_changes_nothing(bench: Workbench) -> None:
    client = bench.client("analyst")
    before = get_from(bench, bench.refused)
    refused = post(client, bench.refused, "close", outcome="no-answer")
    assert refused.status_code == 422
    assert 'id="case-refused"' in refused.text
    assert "has not been contacted" in refused.text  # the library's reason, marked English
    unknown = post(client, bench.refused, "contact", channel="pigeon")
    assert unknown.status_code == 422 and "Unknown channel" in unknown.text
    assert get_from(bench, bench.refused)["version"] == before["version"]


def test_a_form_without_the_csrf_token_is_the_403_page_and_changes_nothing(
    bench: Workbench,
) -> None:
    client = bench.client("analyst")
    before = get_from(bench, bench.csrf)
    for form, fields in (
        ("assign", {"to_me": "1"}),
        ("note", {"note": "forged"}),
        ("contact", {"channel": "phone"}),
        ("close", {"outcome": "resolved"}),
    ):
        for token in ({}, {"csrf_token": "not-the-sessions-token"}):
            response = client.post(
                f"/cases/{bench.csrf}/{form}",
                data={"version": before["version"], **fields, **token},
                follow_redirects=False,
            )
            assert response.status_code == 403, form
            assert "The form has expired" in response.text
    assert get_from(bench, bench.csrf)["version"] == before["version"]


def test_an_unknown_case_is_the_html_404(bench: Workbench) -> None:
    client = bench.client("analyst")
    for path in ("/cases/999999", "/cases/0", "/cases/abc"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "There is no case with that number." in response.text


def test_a_case_page_needs_a_session(bench: Workbench) -> None:
    response = new_client(bench.app).get("/cases/1", follow_redirects=False)
    assert response.status_code == 303 and "/signin?next=/cases/1" in response.headers["location"]


# --- the viewer ------------------------------------------------------------------------------


def test_a_viewer_sees_the_counts_and_no_customer_data(bench: Workbench) -> None:
    client = bench.client("viewer")
    counts = bench.library(case_counts)
    customers = {c["customer_id"] for c in bench.library(list_cases, page_size=200)["cases"]}
    for query in ("", "?status=new", "?sort=clv&holdout=1", "?page=2"):
        page = client.get(f"/cases{query}")
        assert page.status_code == 200, query
        text = page.text
        assert 'href="/cases"' in text  # in the viewer's navigation
        assert "/customers" not in text and "<table" not in text
        assert [c for c in customers if c in text] == [], query
        assert row_ids(text) == []
        for status in ("new", "contacted"):
            big = re.search(rf'data-count="{status}"><h3>[^<]*</h3><p class="big">(\d+)<', text)
            assert big and int(big.group(1)) == counts["by_status"][status]
        overdue = re.search(r'data-count="overdue"><h3>[^<]*</h3><p class="big">(\d+)<', text)
        assert overdue and int(overdue.group(1)) == counts["overdue"]
        for kind, n in counts["by_kind"].items():
            assert re.search(rf'<li data-count="{kind}">[^<]*: {n} cases?</li>', text), kind
    for path in (f"/cases/{bench.commented}", "/cases/loop", "/cases.csv"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert response.headers["content-type"].startswith("text/html")


# --- the measured loop -----------------------------------------------------------------------


def test_the_loop_page_shows_the_timings_and_the_effect_or_why_not(bench: Workbench) -> None:
    stats = bench.library(case_stats)
    page = bench.client("analyst").get("/cases/loop?lang=en")
    assert page.status_code == 200
    text = page.text
    for row in stats["timings"]:
        assert f'<tr data-kind="{row["kind"]}">' in text
    effect = stats["callback_effect"]
    for measure in ("repurchase", "mean_nps", "promoter_share", "detractor_share"):
        assert f'<tr data-measure="{measure}">' in text
    if effect["repurchase_diff"]["estimate"] is None:  # the demo has few cases
        treated, held = effect["treatment"]["cases"], effect["holdout"]["cases"]
        assert (
            f"Insufficient data: at least {effect['min_per_arm']} cases with their whole "
            f"follow-up are needed in each group; there are {treated} (treatment) and "
            f"{held} (holdout)."
        ) in unescape(text)
    assert "To first contact, median" in text and "To resolution, 90th percentile" in text


# --- the download ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_csv_holds_the_filtered_queue_every_page_in_the_pages_language(
    bench: Workbench, lang: str
) -> None:
    client = bench.client("analyst")
    expected = bench.library(list_cases, kind="poor_service", sort="clv", page_size=200)["cases"]
    response = client.get(
        "/cases.csv", params={"kind": "poor_service", "sort": "clv", "lang": lang}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert re.match(
        r'^attachment; filename="legame-cases-\d{4}-\d{2}-\d{2}\.csv"$',
        response.headers["content-disposition"],
    )
    assert response.content.startswith(BOM)
    separator = "," if lang == "en" else ";"
    rows = list(csv.reader(io.StringIO(response.content[3:].decode()), delimiter=separator))
    messages = load_messages(lang)
    assert rows[0][:3] == [messages[f"csv.cases.{c}"] for c in ("case_id", "kind", "status")]
    assert [int(r[0]) for r in rows[1:]] == [c["case_id"] for c in expected]
    assert {r[1] for r in rows[1:]} == {messages["cases.kind.poor_service"]}
    clv = rows[1][rows[0].index(messages["csv.cases.clv"])]
    decimal, other = (".", ",") if lang == "en" else (",", ".")
    assert decimal in clv and other not in clv  # 917.6 or 917,6: no thousands separator


def test_the_queue_links_to_its_own_download(bench: Workbench) -> None:
    page = bench.client("analyst").get("/cases?kind=detractor&sort=clv").text
    link = re.search(r'<a href="(/cases\.csv\?[^"]+)" download>', page)
    assert link
    target = unescape(link.group(1))
    assert "kind=detractor" in target and "sort=clv" in target


# --- languages -------------------------------------------------------------------------------


def _english_cases_phrases(lang: str) -> list[str]:
    """The fixed text of the English [cases] messages that differs in ``lang``."""
    english, other = load_messages("en"), load_messages(lang)
    own = "\n".join(text for entry in other.values() for text in texts(entry))
    phrases: set[str] = set()
    for key, entry in english.items():
        if not key.startswith(("cases.", "csv.cases.")):
            continue
        for text in texts(entry):
            if text not in texts(other[key]):
                phrases |= _pieces(text, own)
    return sorted(phrases)


@pytest.mark.parametrize("lang", ["it", "es"])
def test_the_case_pages_in_italian_and_spanish_show_no_english_from_the_catalogue(
    bench: Workbench, lang: str
) -> None:
    analyst, viewer = bench.client("analyst"), bench.client("viewer")
    pages = {
        "queue": analyst.get(f"/cases?lang={lang}").text,
        "queue, filtered": analyst.get(f"/cases?lang={lang}&status=resolved&holdout=1").text,
        "case": analyst.get(f"/cases/{bench.commented}?lang={lang}").text,
        "closed case": analyst.get(f"/cases/{bench.workflow}?lang={lang}&done=closed").text,
        "holdout case": analyst.get(f"/cases/{bench.holdout}?lang={lang}").text,
        "loop": analyst.get(f"/cases/loop?lang={lang}").text,
        "viewer": viewer.get(f"/cases?lang={lang}").text,
        "blocked": post(analyst, bench.blocked, "contact", channel="phone").text,
        "404": analyst.get(f"/cases/999999?lang={lang}").text,
    }
    phrases = _english_cases_phrases(lang)
    assert len(phrases) > 100
    for name, page in pages.items():
        assert f'<html lang="{lang}">' in page, name
        shown = _rendered_text(page)
        leaked = [p for p in phrases if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", shown)]
        assert leaked == [], f"{name} in {lang} shows English: {leaked}"


def test_counts_follow_the_plural_rules() -> None:
    from legame.web.i18n import catalogue

    assert catalogue("en").plural("cases.count", 1) == "1 case"
    assert catalogue("en").plural("cases.count", 2) == "2 cases"
    assert catalogue("it").plural("cases.count", 1) == "1 caso"
    assert catalogue("it").plural("cases.count", 1_000_000) == "1.000.000 di casi"
    assert catalogue("es").plural("cases.found", 2, page=1, pages=1) == "2 casos · página 1 de 1"


def test_every_status_kind_action_and_governor_rule_has_a_label_in_every_catalogue() -> None:
    from legame.engage.governor.decision import RULES

    families = {
        "cases.status": STATUSES,
        "cases.kind": KINDS,
        "cases.action": ("opened", "assigned", "note", "contacted", "closed"),
        "cases.rule": RULES,
        "cases.sort_by": ("clv", "due"),
        "cases.done": ("assigned", "note", "contacted", "closed"),
    }
    for lang in LANGUAGES:
        messages = load_messages(lang)
        for family, values in families.items():
            for value in values:
                assert f"{family}.{slug(value)}" in messages, (lang, family, value)


def test_the_actions_the_library_records_are_the_ones_labelled() -> None:
    """Every action the workflow writes in a case's history has a label: read from the
    library's source, so a new action cannot go unlabelled."""
    import legame.engage.cases.workflow as workflow

    source = Path(workflow.__file__).read_text("utf-8")
    written = set(re.findall(r'\("(\w+)", (?:None|note)\)', source)) | {"opened", "contacted"}
    labelled = {k.split(".")[-1] for k in load_messages("en") if k.startswith("cases.action.")}
    assert written <= labelled, written - labelled
