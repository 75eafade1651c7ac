"""The Typeform preset: responses whose headers are the questions (forms in English,
Italian and Spanish), the respondent found by a hidden field or the e-mail question."""

from __future__ import annotations

import json

import pytest

from legame.ingest import ReadOptions, ingest
from tests.ingest.presets.helpers import at, extra, load, rows

# sample -> response id -> (customer, answered_at, nps, csat, ces, comment)
EXPECTED = {
    "typeform/responses_en.csv": {
        "k3v9x2m1q8w7e6r5": (
            "giulia.rossi@example.com",
            "2024-05-14 08:22:31",
            9,
            5,
            2,
            "Fast delivery, lovely packaging",
        ),
        "p0o9i8u7y6t5r4e3": (
            "marco.bianchi@example.com",
            "2024-05-15 16:01:02",
            3,
            2,
            6,
            "The refund took two weeks",
        ),
        "z1x2c3v4b5n6m7l8": ("sara.blu@example.com", "2024-05-16 07:45:00", 10, 4, 1, None),
        # a partial response, never submitted: the time of its last answer (Stage Date)
        "q1w2e3r4t5y6u7i8": ("paolo.verdi@example.com", "2024-05-17 12:01:30", 7, None, None, None),
    },
    "typeform/responses_it.csv": {
        "a9s8d7f6g5h4j3k2": (
            "paolo.verdi@example.com",  # the hidden field "email"
            "2024-05-14 08:22:31",
            8,
            4,
            None,
            "Personale gentile e preparato",
        ),
        "l1k2j3h4g5f6d7s8": (
            "anna.neri@example.com",
            "2024-06-02 17:00:00",
            0,
            1,
            None,
            "Ordine arrivato rotto",
        ),
    },
    "typeform/responses_es.csv": {  # the Google Sheets connection's columns
        "m1n2b3v4c5x6z7a8": (
            "lucia.garcia@example.com",
            "2024-06-05 09:15:42",
            7,
            None,
            3,
            "Todo bien",
        ),
        "s9d8f7g6h5j4k3l2": (
            "pedro.lopez@example.com",
            "2024-06-06 10:00:00",
            10,
            None,
            1,
            "Excelente atención",
        ),
    },
}


@pytest.mark.parametrize("sample", sorted(EXPECTED))
def test_a_responses_export_finds_the_respondent_nps_csat_ces_and_the_comment(ws, sample) -> None:
    report = load(ws, "survey_responses", "typeform", sample).to_dict()
    assert report["files"][0]["preset"] == "typeform/responses"
    assert report["files"][0]["language"] == "en"  # Typeform's own columns are English
    answers = {r["response_id"]: r for r in rows(ws, "SELECT * FROM survey_responses")}
    assert sorted(answers) == sorted(EXPECTED[sample])
    for response_id, values in EXPECTED[sample].items():
        customer, answered, nps, csat, ces, comment = values
        row = answers[response_id]
        assert row["customer_id"] == customer
        assert row["answered_at"] == at(answered)
        assert (row["nps"], row["csat"], row["ces"], row["comment"]) == (nps, csat, ces, comment)
        assert row["language"] is None  # detected from the comment later (legame.voices)
        assert all(row[f"emo_{m}"] is None for m in ("stand_out", "thrill", "secure"))
        assert extra(row)["email"] == customer


def test_the_questions_chosen_are_recorded_and_the_others_kept_in_extra(ws) -> None:
    load(ws, "survey_responses", "typeform", "typeform/responses_en.csv")
    recorded = json.loads(rows(ws, "SELECT options FROM batches")[0]["options"])
    assert recorded["questions"] == {
        "email": "What's your email address?",
        "nps": "How likely are you to recommend us to a friend or colleague?",
        "ces": "How easy was it to get your problem solved?",
        "csat": "How satisfied are you with your last order?",
        "comment": "Anything else you would like to tell us?",
    }
    kept = extra(rows(ws, "SELECT _extra FROM survey_responses ORDER BY answered_at")[0])
    assert kept["Which shop do you buy from most?"] == "Milano"
    assert kept["network_id"] == "a1b2c3d4e5" and kept["response_type"] == "completed"
    assert "What's your email address?" not in kept


def test_a_hidden_email_field_wins_over_an_email_question(ws, tmp_path) -> None:
    path = tmp_path / "both.csv"
    path.write_text(
        "#,How likely are you to recommend us?,Your e-mail?,email,Submit Date (UTC)\n"
        "t1,9,typed@example.com,Known@Example.com,2024-05-14 08:22:31\n"
        "t2,8,other@example.com,,2024-05-14 09:00:00\n",
        encoding="utf-8",
    )
    report = ingest(ws, "survey_responses", [path], ReadOptions(preset="typeform"))
    assert not report.failed, report.failed[0].error
    found = {r["response_id"]: r["customer_id"] for r in rows(ws, "SELECT * FROM survey_responses")}
    assert found == {"t1": "known@example.com", "t2": "other@example.com"}


def test_two_email_questions_ask_to_name_the_customer_column(ws, tmp_path) -> None:
    path = tmp_path / "two.csv"
    path.write_text(
        "#,Your e-mail?,Your partner's e-mail?,Submit Date (UTC)\n"
        "t1,a@example.com,b@example.com,2024-05-14 08:22:31\n",
        encoding="utf-8",
    )
    report = ingest(ws, "survey_responses", [path], ReadOptions(preset="typeform"))
    error = report.failed[0].error or ""
    assert "2 questions could be the e-mail one" in error
    assert '--map customer_id="QUESTION"' in error


def test_reimporting_responses_finds_the_same_tokens(ws) -> None:
    load(ws, "survey_responses", "typeform", "typeform/responses_en.csv")
    again = load(ws, "survey_responses", "typeform", "typeform/responses_en.csv")
    assert (again.total("inserted"), again.total("duplicates")) == (0, 4)
