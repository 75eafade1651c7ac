"""Comments and their languages (issue 19, item 5): each survey comment's language is
detected once and again when its text changes; the list filters by a literal search, NPS
group, language and period; erasing a customer erases their comments' languages too."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from legame.ingest import ingest
from legame.metrics.period import parse_period
from legame.store import Workspace
from legame.store.erasure import forget
from legame.voices import detect_comment_languages, list_comments, record_comment_languages

ANSWERS = """response_id,customer_id,answered_at,nps,comment
R1,C1,2025-06-01 10:00:00,2,"Il servizio clienti non mi ha mai risposto, sono molto deluso."
R2,C2,2025-06-02 10:00:00,3,"El pedido llegó tarde y nadie me explicó por qué, no volveré."
R3,C3,2025-06-03 10:00:00,10,"Great service, the parcel arrived early and the staff were kind."
R4,C4,2025-06-04 10:00:00,8,"50%_off was a lie: the discount never showed up at checkout."
R5,C5,2025-03-01 10:00:00,9,"Ottimo negozio, tornerò sicuramente a comprare qui."
R6,C6,2025-06-05 10:00:00,9,
"""


@pytest.fixture
def db(tmp_path: Path) -> Path:
    (tmp_path / "answers.csv").write_text(ANSWERS)
    (tmp_path / "customers.csv").write_text(
        "customer_id,email\n" + "".join(f"C{i},c{i}@example.org\n" for i in range(1, 7))
    )
    path = tmp_path / "ws.duckdb"
    with Workspace.create(path) as ws:
        ingest(ws, "customers", [tmp_path / "customers.csv"])
        ingest(ws, "survey_responses", [tmp_path / "answers.csv"])
        assert record_comment_languages(ws) == 5
        assert record_comment_languages(ws) == 0  # once
    return path


def test_each_comment_gets_the_language_it_is_written_in() -> None:
    assert detect_comment_languages(
        ["Sono molto contento del servizio.", "Muy contento con el pedido.", "Very happy."]
    ) == ["it", "es", "en"]


def test_the_list_filters_by_language_nps_group_period_and_a_literal_search(db: Path) -> None:
    with Workspace.open(db, read_only=True) as ws:
        everything = list_comments(ws)
        assert everything["total"] == 5 and everything["languages"] == {"it": 2, "es": 1, "en": 2}
        assert [c["response_id"] for c in everything["comments"]] == ["R4", "R3", "R2", "R1", "R5"]
        italian = list_comments(ws, language="it")
        assert [c["response_id"] for c in italian["comments"]] == ["R1", "R5"]
        detractors = list_comments(ws, nps_group="detractor")
        assert {c["response_id"] for c in detractors["comments"]} == {"R1", "R2"}
        june = list_comments(ws, period=parse_period("30d", datetime(2025, 6, 30)))
        assert june["total"] == 4  # R5 answered in March
        # "%" and "_" are characters, not wildcards
        assert [c["response_id"] for c in list_comments(ws, q="50%_OFF")["comments"]] == ["R4"]
        assert list_comments(ws, q="5_%")["total"] == 0
        second = list_comments(ws, page=2, page_size=2)
        assert second["pages"] == 3 and [c["response_id"] for c in second["comments"]] == [
            "R2",
            "R1",
        ]


def test_a_comment_changed_by_a_later_import_is_detected_again(db: Path, tmp_path: Path) -> None:
    (tmp_path / "fix.csv").write_text(
        "response_id,customer_id,answered_at,nps,comment\n"
        'R3,C3,2025-06-03 10:00:00,10,"Servicio excelente, el paquete llegó antes."\n'
    )
    with Workspace.open(db) as ws:
        ingest(ws, "survey_responses", [tmp_path / "fix.csv"])
        assert record_comment_languages(ws) == 1
        found = list_comments(ws, language="es")["comments"]
    assert {c["response_id"] for c in found} == {"R2", "R3"}


def test_erasing_a_customer_erases_their_comments_languages(db: Path) -> None:
    with Workspace.open(db) as ws:
        forget(ws, "C1")
        left = ws.con.execute("SELECT count(*) FROM comment_languages WHERE response_id = 'R1'")
        assert left.fetchall()[0][0] == 0


def test_an_import_of_answers_through_the_command_line_detects_their_languages(
    tmp_path: Path,
) -> None:
    from typer.testing import CliRunner

    from legame.cli import app

    (tmp_path / "answers.csv").write_text(ANSWERS)
    db = str(tmp_path / "cli.duckdb")
    runner = CliRunner()
    assert runner.invoke(app, ["init", "--db", db]).exit_code == 0
    loaded = runner.invoke(
        app, ["ingest", "survey_responses", str(tmp_path / "answers.csv"), "--db", db]
    )
    assert loaded.exit_code == 0, loaded.output
    with Workspace.open(db, read_only=True) as ws:
        assert ws.count("comment_languages") == 5
