"""The experiments page (``/experiments``) and the plan beside each trigger on the
engagement page (issue 20 items 1 and 8): what a reader sees, in English, Italian and
Spanish, from the same numbers as the library."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from legame.views.experiments import experiment_results, trigger_mdes
from legame.web.i18n import catalogue
from tests.web.conftest import Demo, make_app, new_client, sign_in
from tests.web.test_i18n import _english_phrases, _leaks

#: The demo's policy (brand values), a pre-registered end already passed, and a test.
EXPERIMENTS = """
[gratitude]
end = "2025-06-01"

[experiments.contact_tests.weekly_cap]
start = "2025-06-01"
end = "2025-09-01"
seed = 7
channel = "all"
arms.low = { share = 0.5, per_7_days = 2 }
arms.high = { share = 0.5, per_7_days = 4 }
"""


@pytest.fixture(scope="module")
def app(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    folder = tmp_path_factory.mktemp("experiments-page")
    db = demo.copy(folder)
    with (folder / "legame.toml").open("a", encoding="utf-8") as policy:
        policy.write(EXPERIMENTS)
    served = make_app(db)
    with TestClient(served):
        yield served


@pytest.fixture
def viewer(app: FastAPI, demo: Demo) -> TestClient:
    return sign_in(new_client(app), demo.keys["viewer"])


def _text(page: str) -> str:
    main = page.split("<main>", 1)[1]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", main)))


def test_a_viewer_finds_the_page_in_the_navigation(viewer: TestClient) -> None:
    page = viewer.get("/engagement").text
    assert 'href="/experiments"' in page
    response = viewer.get("/experiments")
    assert response.status_code == 200
    assert '<a href="/experiments" aria-current="page">Experiments</a>' in response.text


def test_the_page_shows_each_trigger_three_ways_with_what_each_interval_means(
    viewer: TestClient, app: FastAPI
) -> None:
    page = viewer.get("/experiments").text
    text = _text(page)
    en = catalogue("en")
    for key in ("unadjusted_means", "cuped_means", "always_valid_means", "verdict_note"):
        assert en.t(f"experiments.{key}") in text, key
    assert en.t("experiments.end_reached", day=en.date("2025-06-01")) in text
    with app.state.store.session() as ws:
        data = experiment_results(ws)
    for row in data["gratitude"]["by_trigger"]:
        block = page.split(f'id="trigger-{row["trigger"]}"', 1)[1].split("</details>", 1)[0]
        assert en.label("verdict", row["verdict"]) in block
        retention = row["comparisons"]["retention"]
        for interval in ("unadjusted", "cuped", "always_valid"):
            iv = retention[interval]
            low = en.t("units.points", value=en.signed(100 * iv["ci_low"], 1))
            high = en.t("units.points", value=en.signed(100 * iv["ci_high"], 1))
            assert en.t("fmt.interval", low=low, high=high) in block, interval
        assert en.pct(retention["variance_reduction"]) in block
        net = row["return"]["net_return"]
        assert en.money(net["estimate"]) in block


def test_segments_say_bonferroni_and_that_the_clv_tier_is_measured_after(
    viewer: TestClient, app: FastAPI
) -> None:
    page = viewer.get("/experiments").text
    en = catalogue("en")
    with app.state.store.session() as ws:
        every = experiment_results(ws)["gratitude"]["by_trigger"][0]
    assert every["trigger"] == "all"
    block = page.split('id="trigger-all"', 1)[1].split("</details>", 1)[0]
    cells = every["segments"]["cells"]
    note = en.plural(
        "experiments.bonferroni_note", cells, alpha=every["segments"]["alpha_per_cell"]
    )
    assert note in html.unescape(block)
    for by in ("rfm_segment", "nps_group", "clv_tier"):
        assert f'data-by="{by}"' in block, by
    assert en.t("experiments.clv_caveat") in html.unescape(block)
    tiers = block.split('data-by="clv_tier"', 1)[1].split("</table>", 1)[0]
    order = [tiers.find(en.t(f"experiments.tier_{t}")) for t in ("low", "middle", "high")]
    assert -1 not in order and order == sorted(order)


def test_each_contact_test_shows_its_arms_and_comparisons(viewer: TestClient) -> None:
    page = viewer.get("/experiments").text
    en = catalogue("en")
    test = page.split('id="test-weekly_cap"', 1)[1].split("</article>", 1)[0]
    text = html.unescape(test)
    assert (
        en.plural(
            "experiments.cap",
            2,
            window=en.plural("governor.days", 7),
            channel=en.t("governor.all_channels"),
        )
        in text
    )
    assert en.t("experiments.against", arm="high", against="low") in text
    assert en.t("experiments.test_fixed_valid") in text
    for m in ("unsubscribe", "complaint", "repurchase", "revenue"):
        assert f'data-metric="{m}"' in test, m


def test_the_plan_form_shows_the_plan_of_the_chosen_test(viewer: TestClient, app: FastAPI) -> None:
    from legame.views.experiments import experiment_plan

    page = viewer.get(
        "/experiments", params={"plan": "trigger:milestone_thanks", "days": "365", "effect": "10"}
    ).text
    with app.state.store.session() as ws:
        lib = experiment_plan(ws, trigger="milestone_thanks", days=365, effect=0.1)
    en = catalogue("en")
    result = html.unescape(page.split('id="plan-result"', 1)[1].split("</table>", 1)[0])
    assert en.t("units.points", value=en.signed(100 * lib["mde"], 1)) in result
    assert en.plural("experiments.days", lib["days_needed"]) in result
    assert en.num(lib["eligible_per_day"], 2) in result
    assert 'value="trigger:milestone_thanks" selected' in page
    test = viewer.get("/experiments", params={"plan": "test:weekly_cap"}).text
    result = html.unescape(test.split('id="plan-result"', 1)[1].split("</table>", 1)[0])
    assert en.t("experiments.name_an_effect") in result
    assert en.t("experiments.eligible_customers") in result
    assert en.t("experiments.eligible_per_day") not in result


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"plan": "trigger:nope"}, "experiments.plan_unknown"),
        ({"plan": "trigger:milestone_thanks", "holdout": "abc"}, "experiments.plan_unreadable"),
        ({"plan": "trigger:milestone_thanks", "days": "2.5"}, "experiments.plan_unreadable"),
        ({"plan": "trigger:milestone_thanks", "holdout": "150"}, "experiments.plan_out_of_range"),
        ({"plan": "test:weekly_cap", "days": "0"}, "experiments.plan_out_of_range"),
    ],
    ids=["unknown", "not-a-number", "part-of-a-day", "share-above-100", "no-days"],
)
def test_a_plan_the_page_cannot_make_says_why_in_the_readers_language(
    viewer: TestClient, params: dict[str, str], key: str
) -> None:
    for lang in ("en", "it"):
        response = viewer.get("/experiments", params={**params, "lang": lang})
        assert response.status_code == 200
        assert 'id="plan-problem"' in response.text
        assert catalogue(lang).t(key) in html.unescape(response.text)
        assert 'id="plan-result"' not in response.text


def test_the_engagement_page_shows_each_triggers_mde(viewer: TestClient, app: FastAPI) -> None:
    page = viewer.get("/engagement").text
    with app.state.store.session() as ws:
        mdes = trigger_mdes(ws)
    assert mdes and all(m["metric"] == "repurchase" and m["days"] == 90 for m in mdes.values())
    en = catalogue("en")
    table = page.split('<table class="trigger-mde">', 1)[1].split("</table>", 1)[0]
    for name, m in mdes.items():
        row = table.split(f'data-trigger="{name}"', 1)[1].split("</tr>", 1)[0]
        shown = (
            en.t("experiments.mde_none")
            if m["mde"] is None
            else en.t("units.points", value=en.num(100 * m["mde"], 1))
        )
        assert shown in row, name
        assert f'href="/experiments?plan=trigger:{name}"' in row
    assert any(m["mde"] is not None for m in mdes.values())
    note = en.plural("experiments.mde_engagement_note", 90, share=0.1)
    assert note in html.unescape(page)


@pytest.mark.parametrize("lang", ["it", "es"])
def test_the_pages_in_italian_and_spanish_show_no_english(viewer: TestClient, lang: str) -> None:
    phrases = _english_phrases(lang)
    pages = {
        "experiments": viewer.get(f"/experiments?lang={lang}").text,
        "plan": viewer.get(
            "/experiments",
            params={"plan": "trigger:milestone_thanks", "effect": "5", "lang": lang},
        ).text,
        "test plan": viewer.get(
            "/experiments", params={"plan": "test:weekly_cap", "effect": "1", "lang": lang}
        ).text,
        "engagement": viewer.get(f"/engagement?lang={lang}").text,
    }
    c = catalogue(lang)
    for name, page in pages.items():
        assert f'<html lang="{lang}">' in page, name
        assert _leaks(page, phrases) == [], (name, _leaks(page, phrases))
    assert c.t("experiments.always_valid_means") in html.unescape(pages["experiments"])
    assert c.t("experiments.mde_heading") in html.unescape(pages["engagement"])


def test_the_page_without_a_contact_test_says_how_to_declare_one(
    demo: Demo, tmp_path: Path
) -> None:
    db = demo.copy(tmp_path)
    with TestClient(make_app(db)) as client:
        sign_in(client, demo.keys["viewer"])
        page = client.get("/experiments").text
    en = catalogue("en")
    assert 'id="no-contact-tests"' in page
    assert en.t("experiments.no_contact_tests") in html.unescape(page)
    assert en.t("experiments.no_end") in html.unescape(page)
