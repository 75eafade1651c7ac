"""Every word in the reader's language: the findings said from the catalogues (and in English,
marked so, when saved by an older legame), the message check's reasons, the customer 360's
timeline (its details, its pages through every event, its UTC times), free text marked with
its own language, and amounts in the workspace's currency (the policy's ``currency``)."""

from __future__ import annotations

import html
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from legame.engage.message import check_message
from legame.errors import InputError
from legame.insights import compute_findings
from legame.store import Workspace
from legame.web.findings import load_findings, sentences
from legame.web.i18n import FAMILIES, LANGUAGES, catalogue, load_messages, workspace_currency
from legame.web.reasons import say_reason
from legame.web.render import render_template
from legame.web.respond import STATUS_MESSAGES
from legame.web.texts import marked, text_language
from tests.web.conftest import Demo, make_app, new_client, sign_in
from tests.web.test_i18n import _english_phrases, _leaks, busiest_customer

PER_PAGE = 50
#: Reasons the page words its own way: values quoted by name, a language and flags by
#: their names, "1 warning" in the singular.
SAID_OTHERWISE = ("aligned", "not_aligned", "unsupported_language", "too_many_warnings")
#: Drafts that raise every reason the message check gives (with ``max_medium_flags=0``, so
#: that one warning is already too many).
DRAFTS: dict[str, tuple[str, list[str]]] = {
    "empty": ("", []),
    "subject": ("Solo un oggetto", ["qualità"]),
    "french": (
        "Bonjour à tous\nNous avons le plaisir de vous présenter notre nouvelle collection "
        "automne, disponible dès maintenant dans toutes nos boutiques.",
        [],
    ),
    "pushy": (
        "SOLO OGGI!!! Sconto 50%\nCorri, scade a mezzanotte!!! Ultima occasione",
        ["qualità artigianale"],
    ),
    "useful": (
        "Come conservare il pane di segale\nCiao Marco, il pane di segale che hai preso sabato "
        "si conserva una settimana: avvolgilo in un panno di cotone e tienilo lontano dal "
        "frigorifero. Se diventa duro, tostalo. Grazie per aver scelto un forno di quartiere.",
        ["pane artigianale", "quartiere"],
    ),
    "emoji": (
        "Novità in negozio 🎉🎉🎉\nCiao, è arrivato il nuovo pane di segale: si conserva una "
        "settimana. Ti aspettiamo, grazie! Sconto 10% sul secondo",
        [],
    ),
    "guilt": (
        "Ci manchi\nNon lasciarti sfuggire i tuoi punti: ci manchi, torna a trovarci prima "
        "di perderli tutti. Ecco le novità del mese in negozio.",
        [],
    ),
    "over_contact": (
        "Un'altra email per te\nCome ti abbiamo scritto ieri, ecco un'altra email con le "
        "novità: il pane di segale si conserva una settimana.",
        [],
    ),
}


# --- findings ------------------------------------------------------------------------------


def _ungrouped(text: str) -> str:
    """Numbers without thousands separators (the library's English writes ``1200``)."""
    return re.sub(r"(?<=\d),(?=\d{3})", "", text)


def test_findings_said_in_english_from_the_catalogue_are_what_the_library_says(
    http_app: FastAPI,
) -> None:
    """The catalogue's English and the library's English are one text: the sentences of
    every demo finding, numbers and all, come out the same."""
    with http_app.state.store.session() as ws:
        found = load_findings(ws)
    assert len(found) == 7 and all(f["text"] for f in found)
    en = catalogue("en")
    for f in found:
        said = sentences(f, en)
        assert said["lang"] == ""
        assert (said["claim"], said["method"]) == (f["claim"], f["method"]), f["id"]
        assert said["summary"] == f["summary"], f["id"]


@pytest.fixture(scope="module")
def scarce(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """Findings with too little data: 150 simulated customers, and an empty workspace."""
    from legame.demo import LOAD_ORDER
    from legame.ingest import ingest
    from legame.simulate import simulate

    folder = tmp_path_factory.mktemp("scarce")
    sim = simulate(folder / "data", customers=150, seed=1, mc_customers=10_000)
    with Workspace.create(folder / "ws.duckdb") as ws:
        for table in LOAD_ORDER:
            ingest(ws, table, [sim.paths[table]])
        results = compute_findings(ws)
    with Workspace.create(folder / "empty.duckdb") as ws:
        results += compute_findings(ws)
    return [f.to_dict(with_text=True) for f in results]


def test_findings_with_too_little_data_are_said_in_every_language(
    scarce: list[dict[str, Any]],
) -> None:
    insufficient = [f for f in scarce if f["verdict"] == "insufficient_data"]
    assert len({f["summary"] for f in insufficient}) >= 6  # the reasons of most findings
    for f in scarce:
        english = sentences(f, catalogue("en"))
        assert english["lang"] == "" and _ungrouped(english["summary"]) == f["summary"]
        for lang in ("it", "es"):
            said = sentences(f, catalogue(lang))
            assert said["lang"] == "" and said["summary"] != english["summary"]
            assert "{" not in said["summary"] and said["claim"] != f["claim"]


def test_a_finding_saved_without_its_sentences_shows_its_english_marked_english() -> None:
    old = {"id": "x", "claim": "A claim.", "summary": "A summary.", "method": "A method."}
    unknown = {**old, "text": {"claim": "finding.nope.claim", "method": "m", "summary": []}}
    for f in (old, unknown):
        said = sentences(f, catalogue("it"))
        assert said == {**{k: old[k] for k in ("claim", "summary", "method")}, "lang": "en"}


def test_a_finding_saved_by_an_older_legame_loads_with_no_sentences(
    tmp_path: Path, demo: Demo
) -> None:
    """Its payload has no ``text``: it loads with an empty one, which the API's schema takes
    and the pages read as "say the English"."""
    from legame.api.schemas import Finding as FindingBody
    from legame.insights.saved import load_findings as load_saved

    db = tmp_path / "legame.duckdb"
    shutil.copyfile(demo.db, db)
    with Workspace.open(db) as ws:
        for position, payload in ws.con.execute(
            "SELECT position, payload FROM findings"
        ).fetchall():
            old = {k: v for k, v in json.loads(payload).items() if k != "text"}
            ws.con.execute(
                "UPDATE findings SET payload = ? WHERE position = ?", [json.dumps(old), position]
            )
        found = load_saved(ws)
    assert found and all(f["text"] == {} for f in found)
    FindingBody.model_validate(found[0])
    assert sentences(found[0], catalogue("es"))["lang"] == "en"


def test_the_findings_page_marks_an_old_findings_english(signed_in, monkeypatch) -> None:
    from legame.web import pages

    old = {
        "id": "emotion_vs_satisfaction",
        "claim": "An old claim.",
        "summary": "An old summary.",
        "method": "An old method.",
        "verdict": "supported",
        "causal": False,
        "n": 10,
        "estimate": None,
        "ci_low": None,
        "ci_high": None,
    }
    monkeypatch.setattr(pages, "load_findings", lambda ws: [old])
    page = signed_in("viewer").get("/findings?lang=it").text
    assert '<h3 lang="en">An old claim.</h3>' in page
    assert '<p class="summary" lang="en">An old summary.</p>' in page
    assert '<p lang="en">An old method.</p>' in page


# --- the message check's reasons --------------------------------------------------------------


def _checked() -> list[tuple[str, Any]]:
    return [(name, check_message(t, v, max_medium_flags=0)) for name, (t, v) in DRAFTS.items()]


def test_every_reason_carries_a_code_and_stays_english_text_for_the_api_and_cli() -> None:
    codes = set()
    for _, result in _checked():
        data = result.to_dict()
        assert json.loads(json.dumps(data)) == data  # JSON sees the English sentences
        assert all(isinstance(r, str) for r in data["reasons"])
        codes |= {r.code for r in result.reasons}
        for flag in result.flags:
            assert flag.message.code == flag.code
    assert codes == {
        *FAMILIES["flag"],
        "all_clear",
        "too_many_warnings",
        "aligned",
        "not_aligned",
        "no_values",
    }


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_reason_is_said_in_the_readers_language(lang: str) -> None:
    c = catalogue(lang)
    phrases = _english_phrases(lang) if lang != "en" else []
    for name, result in _checked():
        for reason in result.reasons:
            said = str(say_reason(c, reason, result.language))
            assert "{" not in said and 'lang="en"' not in said.replace(
                f'lang="{result.language}"', ""
            ), (name, said)
            text = re.sub(r"<[^>]+>", "", html.unescape(said))
            assert not [p for p in phrases if p in text], (name, lang, text)
            if lang == "en" and reason.code not in SAID_OTHERWISE:
                # The library's sentence (quotes aside).
                assert text.split(". ")[0].replace("'", "") in reason.replace("'", ""), text


def test_the_reasons_quote_the_drafts_words_in_the_drafts_language() -> None:
    result = check_message(*DRAFTS["pushy"])
    said = str(say_reason(catalogue("es"), result.reasons[0], result.language))
    assert said.startswith("Empuja a decidir de inmediato:")
    assert '<q lang="it">SOLO OGGI</q>' in said


def test_a_reason_without_a_code_is_shown_as_english() -> None:
    said = say_reason(catalogue("it"), "An old <reason>.", "it")
    assert str(said) == '<span lang="en">An old &lt;reason&gt;.</span>'


def test_the_message_check_page_says_the_reasons_and_flags_in_spanish(signed_in) -> None:
    from tests.web.conftest import csrf_field

    client = signed_in("analyst")
    form = client.get("/messages/check?lang=es").text
    text, values = DRAFTS["pushy"]
    page = client.post(
        "/messages/check",
        data={"csrf_token": csrf_field(form), "text": text, "values": "\n".join(values)},
    ).text
    assert '<li data-code="false_urgency">Empuja a decidir de inmediato:' in page
    assert '<td data-code="false_urgency">Falsa urgencia</td>' in page
    assert '<textarea id="text"' in page and 'lang="it">SOLO OGGI' in page


# --- free text and its language -----------------------------------------------------------------


def test_text_is_marked_with_its_own_language_and_unknown_without_letters() -> None:
    assert str(marked("La entrega llegó tarde y nadie me contestó.")) == (
        '<span lang="es">La entrega llegó tarde y nadie me contestó.</span>'
    )
    assert text_language("Consegna veloce, pane ottimo, grazie!") == "it"
    assert str(marked("10/10 👍")) == '<span lang="">10/10 👍</span>'
    assert str(marked("<b>x</b>", "en")) == '<span lang="en">&lt;b&gt;x&lt;/b&gt;</span>'
    assert str(marked(None)) == ""


def _timeline(app: FastAPI, customer_id: str) -> list[dict[str, Any]]:
    from legame.views._store import records

    with app.state.store.session() as ws:
        return records(ws, "views/customer_timeline", [customer_id], limit=1_000_000)


def test_a_spanish_comment_is_marked_spanish_on_an_italian_page(
    signed_in, http_app: FastAPI
) -> None:
    with http_app.state.store.session() as ws:
        rows = ws.con.execute(
            "SELECT customer_id, response_id, comment FROM survey_responses "
            "WHERE language = 'es' AND length(comment) > 40 ORDER BY response_id LIMIT 20"
        ).fetchall()
    cid, response, comment = next(r for r in rows if text_language(r[2]) == "es")
    position = [e["id"] for e in _timeline(http_app, cid)].index(response)
    page = signed_in("analyst").get(f"/customers/{cid}?lang=it&events={position // PER_PAGE + 1}")
    assert f'<span lang="es">{html.escape(comment)}</span>' in page.text


# --- the timeline ------------------------------------------------------------------------------


def _rows(page: str) -> list[list[str]]:
    table = page.split('id="timeline"')[1].split("<tbody>")[1].split("</tbody>")[0]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in table.split("<tr>")[1:]]


def test_the_timeline_pages_through_every_event_of_a_long_history(
    signed_in, http_app: FastAPI
) -> None:
    cid, total = busiest_customer(http_app)
    pages = -(-total // PER_PAGE)
    assert total > PER_PAGE and pages >= 3
    client = signed_in("analyst")
    seen: list[str] = []
    for number in range(1, pages + 1):
        page = client.get(f"/customers/{cid}?lang=it&events={number}").text
        rows = _rows(page)
        first, last = (number - 1) * PER_PAGE + 1, min(number * PER_PAGE, total)
        assert len(rows) == last - first + 1
        assert f"{first}–{last} di {total} eventi, dai più recenti" in page
        assert ("Eventi meno recenti</a>" in page) == (number < pages)
        assert ("Eventi più recenti</a>" in page) == (number > 1)
        seen += [html.unescape(row[2]) for row in rows]
    assert seen == [e["id"] for e in _timeline(http_app, cid)]  # all, once, latest first


def test_the_timeline_reads_every_event_past_the_views_limit(
    signed_in, http_app: FastAPI, monkeypatch
) -> None:
    import legame.views.customers

    cid, total = busiest_customer(http_app)
    monkeypatch.setattr(legame.views.customers, "TIMELINE_LIMIT", 60)
    page = signed_in("analyst").get(f"/customers/{cid}?lang=en").text
    assert f"1–50 of {total:,} events, the latest first" in page


def _busy_with_everything(app: FastAPI) -> str:
    """A customer with orders, tickets, messages, surveys, gestures and waived fees."""
    with app.state.store.session() as ws:
        (cid,) = ws.con.execute(
            "SELECT c.customer_id FROM charges c JOIN gestures g USING (customer_id) "
            "JOIN tickets t USING (customer_id) JOIN orders o USING (customer_id) "
            "JOIN messages m USING (customer_id) "
            "WHERE c.waived_at IS NOT NULL ORDER BY 1 LIMIT 1"
        ).fetchone()
    return str(cid)


def test_the_timeline_detail_has_no_english_in_italian(signed_in, http_app: FastAPI) -> None:
    cid = _busy_with_everything(http_app)
    events = _timeline(http_app, cid)
    assert {"order", "ticket", "gesture", "charge", "message"} <= {e["kind"] for e in events}
    en, it = load_messages("en"), load_messages("it")
    families = ("order_status", "channel", "ticket_status", "ticket_category", "message_status")
    families += ("gesture_kind", "fee", "charge_status", "arm", "kind")
    english = set()
    for family in families:
        for value in FAMILIES[family]:
            key = f"{family}.{value}"
            if en[key] != it[key]:
                english |= {en[key], value}
    english |= {"(waived)", "(unresolved)", "(treatment)", "(holdout)", "referred", "someone new"}
    client = signed_in("analyst")
    details = []
    for number in range(1, -(-len(events) // PER_PAGE) + 1):
        for row in _rows(client.get(f"/customers/{cid}?lang=it&events={number}").text):
            details.append(re.sub(r'<span lang="[a-z]*">.*?</span>', "", row[3]))
            assert row[4] == "" or row[4].endswith("\xa0€"), row  # the amount, in euros
    text = html.unescape(" | ".join(details))
    leaked = sorted(w for w in english if re.search(rf"(?<![\w(]){re.escape(w)}(?![\w)])", text))
    assert leaked == [], leaked
    assert "Penale per ritardo · Condonata" in text and "Commissione condonata" in text


def test_the_timeline_says_its_times_are_utc_and_its_axis_shows_years(signed_in) -> None:
    page = signed_in("analyst").get("/customers/C000001?lang=it").text
    assert "<th>Quando (UTC)</th>" in page and "Gli orari sono in UTC." in page
    assert '<th class="n">Importo</th>' in page and '<th class="n">CSAT</th>' in page
    spec = json.loads(
        html.unescape(
            re.search(r'data-target="chart-timeline">(.*?)</script>', page, re.S).group(1)
        )
    )
    x = spec["encoding"]["x"]
    assert x["axis"]["format"] == "%b %Y" and x["scale"] == {"type": "utc"}
    assert x["title"] == "Data (UTC)"
    assert [t["title"] for t in spec["encoding"]["tooltip"]][-3:] == ["Importo", "CSAT", "NPS"]


# --- the workspace's currency -----------------------------------------------------------------


@pytest.fixture(scope="module")
def dollars(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """The demo served with a policy that says the business counts in US dollars."""
    db = demo.copy(tmp_path_factory.mktemp("dollars"))
    (db.parent / "legame.toml").write_text('currency = "USD"\n', encoding="utf-8")
    app = make_app(db)
    with TestClient(app):
        yield app


def test_amounts_are_in_the_currency_the_policy_names(dollars: FastAPI, demo: Demo) -> None:
    from legame.report import render_report

    client = sign_in(new_client(dollars), demo.keys["admin"])
    overview = client.get("/?lang=en").text
    assert re.search(r'<p class="big">\$[\d,]+</p>', overview)
    assert '"currency": ["$", ""]' in overview  # the charts' locale too
    customer = client.get("/customers/C000001?lang=it").text
    assert "\xa0USD</dd>" in customer and "€" not in customer.split("<main>")[1]
    with dollars.state.store.session() as ws:
        report = render_report(ws, "es")
    assert "\xa0US$" in report
    locale = re.search(r'id="legame-locale">(.*?)</script>', report, re.S)
    assert locale and json.loads(locale.group(1))["format"]["currency"] == ["", "\xa0US$"]


def test_the_workspace_currency_is_the_policys_or_none_when_it_does_not_validate(
    tmp_path: Path, demo: Demo
) -> None:
    db = tmp_path / "legame.duckdb"
    shutil.copyfile(demo.db, db)
    assert workspace_currency(db) == "EUR"  # no policy file: the default
    (tmp_path / "legame.toml").write_text('currency = "GBP"\n', encoding="utf-8")
    assert workspace_currency(db) == "GBP"
    (tmp_path / "legame.toml").write_text('currency = "pounds"\n', encoding="utf-8")
    assert workspace_currency(db) is None
    assert catalogue("it").with_currency(None).money(12.5) == "12,50"


@pytest.mark.parametrize("value", ["EURO", "eur", "XYZ", 978, ""])
def test_the_policy_currency_must_be_an_iso_4217_code(value: object) -> None:
    from legame.policy import parse_policy

    with pytest.raises(InputError, match="currency must be an ISO 4217 currency code"):
        parse_policy({"currency": value})
    assert parse_policy({}).currency == "EUR"
    assert parse_policy({"currency": "CHF"}).currency == "CHF"


# --- error pages ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["it", "es"])
def test_every_error_page_speaks_the_readers_language(lang: str) -> None:
    c = catalogue(lang)
    phrases = _english_phrases(lang)
    keys = [*(f"error.{s}" for s in sorted(STATUS_MESSAGES)), "error.generic", "error.csrf"]
    for key in [*keys, "error.no_customer"]:
        page = render_template(
            "error.html",
            c,
            session=None,
            nav=[],
            switch=[],
            path="/",
            status_code=404,
            message_key=key,
            message_values={},
        )
        assert html.escape(c.t(key), quote=True).replace("&#x27;", "&#39;") in page, key
        assert _leaks(page, phrases) == [], key


@pytest.mark.parametrize("lang", ["en", "it", "es"])
def test_the_findings_page_says_when_they_were_computed(signed_in, lang: str) -> None:
    from html import unescape

    from legame.insights.saved import load_findings

    client = signed_in("viewer")
    page = unescape(client.get(f"/findings?lang={lang}").text)
    with client.app.state.store.session() as ws:  # the server's own handle on the store
        at = load_findings(ws)[0]["computed_at"]
    c = catalogue(lang)
    assert c.t("findings.computed", when=c.datetime(at)) in page
