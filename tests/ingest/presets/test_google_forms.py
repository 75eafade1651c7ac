"""The Google Forms preset: responses whose header is the questions' text."""

from __future__ import annotations

import pytest

from legame.errors import InputError
from tests.ingest.presets.helpers import EXPORTS, at, extra, load, rows

# sample -> customer -> (answered_at, nps, csat, ces, comment)
EXPECTED = {
    "google-forms/responses_en.csv": {
        "giulia.rossi@example.com": (
            "2024-05-14 10:22:31",
            9,
            5,
            2,
            "Fast delivery, lovely packaging",
        ),
        "marco.bianchi@example.com": ("2024-05-15 18:01:02", 3, 2, 6, "The refund took two weeks"),
        "sara.blu@example.com": ("2024-05-16 09:45:00", 10, 4, 1, None),
    },
    "google-forms/responses_it.csv": {
        "paolo.verdi@example.com": (
            "2024-05-14 10:22:31",
            8,
            4,
            None,
            "Personale gentile e preparato",
        ),
        "anna.neri@example.com": ("2024-06-02 19:00:00", 0, 1, None, "Ordine arrivato rotto"),
    },
    "google-forms/responses_es.csv": {
        "lucia.garcia@example.com": ("2024-06-05 11:15:42", 7, None, 3, "Todo bien"),
        "pedro.lopez@example.com": ("2024-06-06 12:00:00", 10, None, 1, "Excelente atención"),
    },
}


@pytest.mark.parametrize("sample", sorted(EXPECTED))
def test_a_responses_export_finds_nps_csat_ces_and_the_comment(ws, sample) -> None:
    report = load(ws, "survey_responses", "google-forms", sample).to_dict()
    assert report["files"][0]["language"] == sample[-6:-4]
    answers = {r["customer_id"]: r for r in rows(ws, "SELECT * FROM survey_responses")}
    assert sorted(answers) == sorted(EXPECTED[sample])
    for customer, (answered, nps, csat, ces, comment) in EXPECTED[sample].items():
        row = answers[customer]
        assert row["response_id"].startswith("gf-") and len(row["response_id"]) == 23
        assert row["answered_at"] == at(answered)
        assert (row["nps"], row["csat"], row["ces"], row["comment"]) == (nps, csat, ces, comment)
        assert row["language"] is None  # detected from the comment later (legame.voices)
        assert all(row[f"emo_{m}"] is None for m in ("thrill", "secure"))


def test_a_question_the_preset_does_not_place_is_kept_in_extra(ws) -> None:
    load(ws, "survey_responses", "google-forms", "google-forms/responses_en.csv")
    kept = extra(rows(ws, "SELECT _extra FROM survey_responses ORDER BY answered_at")[0])
    assert kept["Which store do you visit most?"] == "Milano"
    assert "How likely are you to recommend us to a friend or colleague?" not in kept


def test_reimporting_responses_finds_the_same_ids(ws) -> None:
    load(ws, "survey_responses", "google-forms", "google-forms/responses_it.csv")
    again = load(ws, "survey_responses", "google-forms", "google-forms/responses_it.csv")
    assert (again.total("inserted"), again.total("duplicates")) == (0, 2)


def test_two_zero_to_ten_questions_ask_for_nps_question_and_it_chooses(ws, tmp_path) -> None:
    path = tmp_path / "two.csv"
    path.write_text(
        "Timestamp,Email Address,Rate the shop 0-10,Rate the delivery 0-10\n"
        "5/14/2024 10:22:31,a@example.com,9,0\n",
        encoding="utf-8",
    )
    from legame.ingest import ReadOptions, ingest

    report = ingest(ws, "survey_responses", [path], ReadOptions(preset="google-forms"))
    error = report.failed[0].error or ""
    assert "2 questions could be the NPS one" in error and "--nps-question" in error
    chosen = ReadOptions(preset="google-forms", questions={"nps": "the delivery"})
    assert not ingest(ws, "survey_responses", [path], chosen).failed
    assert rows(ws, "SELECT nps FROM survey_responses")[0]["nps"] == 0


def test_questions_are_named_only_with_a_survey_preset() -> None:
    from legame.ingest import ReadOptions
    from legame.store.schema import TABLES

    with pytest.raises(InputError, match="--nps-question"):
        ReadOptions(questions={"nps": "x"}).validate(TABLES["survey_responses"])
    assert (EXPORTS / "google-forms").is_dir()
