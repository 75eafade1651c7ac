"""Survey answers, comments, campaigns, messages and consents."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa

from legame.metrics import definitions as d
from legame.simulate.campaign_text import STYLES, TEMPLATES
from legame.simulate.contact import draw_contact
from legame.simulate.params import Effects, WorldParams
from legame.simulate.population import draw_population
from legame.simulate.streams import Streams
from legame.simulate.text import LANGUAGES, PHRASES, SENTIMENTS
from legame.simulate.world import build_world
from legame.store.schema import MOTIVATORS

PARAMS = WorldParams()
UTC = ZoneInfo("UTC")


def _ints(col: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype=float)


def test_nps_mix_has_roughly_40_percent_promoters_and_30_percent_detractors(sim_data) -> None:
    nps = _ints(sim_data.tables["survey_responses"]["nps"])
    answered = nps[~np.isnan(nps)]
    cat = d.nps_category(answered)
    assert 0.35 <= (cat == 2).mean() <= 0.45
    assert 0.25 <= (cat == 0).mean() <= 0.35
    assert 0.03 < np.isnan(nps).mean() < 0.07


def test_about_45_percent_of_customers_answer_and_some_twice(sim_data) -> None:
    cust = sim_data.tables["survey_responses"]["customer_id"].to_pylist()
    n = sim_data.tables["customers"].num_rows
    assert 0.40 < len(set(cust)) / n < 0.48
    assert len(cust) > 1.15 * len(set(cust))


def test_connection_index_separates_connected_customers() -> None:
    world = build_world(20_000, PARAMS, Effects(), Streams(2))
    s = world.surveys
    connected = world.pop.connected[s.cust]
    flagged = d.is_connected(s.index)
    assert flagged[connected].mean() > 0.9
    assert flagged[~connected].mean() < 0.05
    items = s.items
    assert items.min() >= 1 and items.max() <= 5 and items.shape[1] == len(MOTIVATORS)


def test_survey_csat_is_unrelated_to_loyalty_only_while_the_effect_is_on() -> None:
    for off, related in (((), False), (("satisfaction_not_loyalty",), True)):
        world = build_world(20_000, PARAMS, Effects(frozenset(off)), Streams(2))
        s = world.surveys
        r = np.corrcoef(s.csat, world.pop.loyalty[s.cust])[0, 1]
        assert (r > 0.3) if related else (abs(r) < 0.03), (off, r)
        assert np.corrcoef(s.nps_latent, world.pop.loyalty[s.cust])[0, 1] > 0.5


def test_answers_come_1_to_60_days_after_a_purchase(sim_data) -> None:
    surveys, orders = sim_data.tables["survey_responses"], sim_data.tables["orders"]
    times: dict[str, list[datetime]] = {}
    for c, t, s in zip(
        orders["customer_id"].to_pylist(),
        orders["ordered_at"].to_pylist(),
        orders["status"].to_pylist(),
        strict=True,
    ):
        if s == "completed":
            times.setdefault(c, []).append(t)
    for c, t in zip(
        surveys["customer_id"].to_pylist(), surveys["answered_at"].to_pylist(), strict=True
    ):
        gaps = [(t - o).total_seconds() / 86400 for o in times[c]]
        assert any(1.0 - 1e-4 <= g <= 60.0 + 1e-4 for g in gaps)


def test_phrase_pools_hold_at_least_15_distinct_phrases_each() -> None:
    for lang in LANGUAGES:
        for sentiment in SENTIMENTS:
            pool = PHRASES[lang][sentiment]
            assert len(set(pool)) >= 15, (lang, sentiment)
    all_phrases = [p for lang in LANGUAGES for s in SENTIMENTS for p in PHRASES[lang][s]]
    assert len(all_phrases) == len(set(all_phrases))


def test_comments_are_in_the_answer_language_with_sentiment_matching_nps(sim_data) -> None:
    rows = sim_data.tables["survey_responses"].to_pylist()
    with_comment = [r for r in rows if r["comment"]]
    assert 0.30 < len(with_comment) / len(rows) < 0.40
    for r in with_comment:
        if r["nps"] is None:
            continue
        sentiment = SENTIMENTS[int(d.nps_category(r["nps"]))]
        pool = PHRASES[r["language"]][sentiment]
        assert r["comment"].startswith(pool), (r["language"], r["nps"], r["comment"])
    assert {r["language"] for r in with_comment} == {"it", "es", "en"}


def test_campaigns_cover_languages_channels_and_styles(sim_data) -> None:
    c = sim_data.tables["campaigns"].to_pydict()
    assert set(c["language"]) == {"it", "es", "en"}
    assert set(c["channel"]) == {"email", "sms"}
    assert set(c["kind"]) == {"marketing", "transactional"}
    bodies = set(c["body"])
    for lang in ("it", "es", "en"):
        for style in STYLES:
            assert any(body in bodies for _, body in TEMPLATES[lang][style]), (lang, style)
    weeks = 731 / 7
    per_lang_email = (
        sum(
            1
            for ch, k in zip(c["channel"], c["kind"], strict=True)
            if ch == "email" and k == "marketing"
        )
        / 3
    )
    assert per_lang_email > weeks  # weekly-ish at least


def test_sends_fall_between_8_and_21_local_time(sim_files) -> None:
    import pyarrow.csv as pacsv

    customers = pacsv.read_csv(sim_files.paths["customers"]).to_pydict()
    zone = dict(zip(customers["customer_id"], customers["time_zone"], strict=True))
    messages = pacsv.read_csv(sim_files.paths["messages"]).to_pydict()
    assert len(messages["sent_at"]) > 1000
    for cust, sent in zip(messages["customer_id"], messages["sent_at"], strict=True):
        local = sent.replace(tzinfo=UTC).astimezone(ZoneInfo(zone[cust]))
        assert 8 <= local.hour < 21, (cust, sent, local)


def test_no_send_without_granted_consent_and_none_after_withdrawal(sim_data) -> None:
    consents = sim_data.tables["consents"].to_pydict()
    granted: dict[tuple[str, str], datetime] = {}
    withdrawn: dict[tuple[str, str], datetime] = {}
    for c, ch, st, at in zip(
        consents["customer_id"],
        consents["channel"],
        consents["status"],
        consents["at"],
        strict=True,
    ):
        (granted if st == "granted" else withdrawn)[(c, ch)] = at
    m = sim_data.tables["messages"].to_pydict()
    unsub_at: dict[tuple[str, str], datetime] = {}
    for c, ch, sent, un in zip(
        m["customer_id"], m["channel"], m["sent_at"], m["unsubscribed_at"], strict=True
    ):
        assert (c, ch) in granted and granted[(c, ch)] <= sent
        if (c, ch) in withdrawn:
            assert sent <= withdrawn[(c, ch)]
        if un is not None:
            assert (c, ch) not in unsub_at  # one unsubscribe per channel at most
            unsub_at[(c, ch)] = un
    assert unsub_at == withdrawn
    email = sum(1 for (_, ch) in granted if ch == "email")
    sms = sum(1 for (_, ch) in granted if ch == "sms")
    n = sim_data.tables["customers"].num_rows
    assert abs(email / n - 0.85) < 0.03 and abs(sms / n - 0.40) < 0.03


def test_open_and_click_rates(sim_data) -> None:
    m = sim_data.tables["messages"]
    email = m.filter(pa.compute.equal(m["channel"], "email"))
    opened = 1 - email["opened_at"].null_count / email.num_rows
    clicked = 1 - email["clicked_at"].null_count / email.num_rows
    assert 0.28 < opened < 0.33
    assert 0.08 < clicked / opened < 0.12


def test_contact_segments_receive_about_1_3_and_10_messages_a_month() -> None:
    pop = draw_population(6000, PARAMS, Effects(), Streams(3)["population"])
    contact = draw_contact(
        pop, PARAMS, Effects(frozenset({"contact_pressure"})), Streams(3)["contact"]
    )
    sent = np.bincount(contact.cust, minlength=pop.size)
    # Customers with a single consented channel: exposure runs from creation to the
    # unsubscribe (if any) or the end, and sends/exposure estimates the planned rate.
    channels = np.bincount(contact.consent_cust[~contact.consent_withdrawn], minlength=pop.size)
    stop = np.full(pop.size, PARAMS.end_day)
    stop[contact.consent_cust[contact.consent_withdrawn]] = contact.consent_at[
        contact.consent_withdrawn
    ]
    months = (stop - pop.birth) / 30.4375
    for seg, per_month in enumerate(PARAMS.contact_per_month):
        sel = (pop.contact_segment == seg) & (channels == 1)
        rate = sent[sel].sum() / months[sel].sum()
        assert 0.95 * per_month < rate < 1.05 * per_month, (seg, rate)
    shares = np.bincount(pop.contact_segment, minlength=3) / pop.size
    assert np.allclose(shares, PARAMS.contact_segment_weights, atol=0.02)


def test_messages_use_a_campaign_of_their_channel_and_the_customers_language(sim_data) -> None:
    camp = sim_data.tables["campaigns"].to_pydict()
    by_id = {
        i: (ch, lang, kind)
        for i, ch, lang, kind in zip(
            camp["campaign_id"], camp["channel"], camp["language"], camp["kind"], strict=True
        )
    }
    cust = sim_data.tables["customers"].to_pydict()
    lang_of = {
        c: ("en" if lang == "de" else lang)
        for c, lang in zip(cust["customer_id"], cust["language"], strict=True)
    }
    m = sim_data.tables["messages"].to_pydict()
    kinds = []
    for c, cid, ch in zip(m["customer_id"], m["campaign_id"], m["channel"], strict=True):
        c_ch, c_lang, kind = by_id[cid]
        assert (c_ch, c_lang) == (ch, lang_of[c])
        kinds.append(kind)
    assert 0.005 < kinds.count("transactional") / len(kinds) < 0.05
