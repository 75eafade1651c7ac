"""`legame message check` as a marketer types it."""

from __future__ import annotations

import json

PUSHY = "ULTIMA OCCASIONE!!!\nSolo oggi sconto 50% su tutto, affrettati!\n"
KIND = (
    "Come curare il tuo cane in estate\nAbbiamo raccolto i consigli del nostro "
    "veterinario: acqua fresca, passeggiate all'alba, mai in auto al sole. "
    "Ogni cane merita amore e attenzione.\n"
)


def test_json_shape_and_rethink_for_a_pushy_draft(cli, write, tmp_path) -> None:
    values = write("values.toml", 'values = ["every dog deserves love"]\n')
    result = cli(
        "message",
        "check",
        write("d.txt", PUSHY),
        "--values",
        values,
        "--json",
        "--db",
        tmp_path / "none.duckdb",
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) == {"verdict", "language", "values", "flags", "reasons"}
    assert out["verdict"] == "rethink" and out["language"] == "it"
    assert out["values"][0]["value"] == "every dog deserves love"
    assert out["reasons"]


def test_values_come_from_the_policy_file_by_default(cli, db, write) -> None:
    (db.parent / "legame.toml").write_text('values = ["ogni cane merita amore"]\n')
    out = json.loads(cli("message", "check", write("d.txt", KIND), "--db", db, "--json").stdout)
    assert [v["value"] for v in out["values"]] == ["ogni cane merita amore"]
    assert out["verdict"] == "send"


def test_draft_from_standard_input(tmp_path) -> None:
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).with_name("legame")
    result = subprocess.run(
        [str(exe), "message", "check", "-", "--json", "--db", str(tmp_path / "x.duckdb")],
        input=PUSHY,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["verdict"] == "rethink"


def test_text_output_and_missing_file(cli, tmp_path) -> None:
    text = cli("message", "check", str(tmp_path / "nope.txt"), "--db", tmp_path / "x.duckdb")
    assert text.exit_code == 1 and "no such file" in str(text.exception)
