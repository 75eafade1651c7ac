"""The message check is bounded work: linear in the draft, and refused past its limits.

No test here times anything (the time of a 200,000-character check is measured by
``legame bench``): linearity is checked by counting the work the check does, and long or
hostile drafts by checking that they complete with a verdict.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

import legame.engage.message as message_package
from legame.engage.message import check_message
from legame.engage.message.check import MAX_DRAFT_CHARS
from legame.engage.message.text import tokenize
from legame.errors import InputError
from legame.policy import MAX_VALUE_CHARS, MAX_VALUES
from tests.conftest import run_legame

PACKAGE = str(Path(message_package.__file__).parent)
SUBJECT = "Come conservare il pane di segale"
#: Useful content, one deadline, a discount and a name: every part of the check has work.
BODY = (
    "Ciao Marco, il pane di segale che hai preso sabato si conserva una settimana: avvolgilo "
    "in un panno di cotone e tienilo lontano dal frigorifero. Se diventa duro, tostalo. "
    "Grazie per aver scelto un forno di quartiere: il mulino Rossi macina a pietra dal 1952. "
    "Solo oggi, ultimi pezzi: sconto del 10% sul pane di farro con il codice PANE10, "
    "affrettati! Il Forno di Via Roma"
)
VALUES = ["qualità artigianale", "filiera corta", "ogni cliente conta"]


def draft(copies: int) -> str:
    return SUBJECT + "\n" + "\n".join([BODY] * copies)


def lines_run(text: str) -> int:
    """How many lines of the message-check package run to check ``text``: a count of the
    work done in Python, deterministic once the caches are warm."""
    count = 0

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return local

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename.startswith(PACKAGE) else None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        check_message(text, VALUES)
    finally:
        sys.settrace(previous)
    return count


def test_the_work_of_the_check_grows_linearly_with_the_draft() -> None:
    """Eight times the draft takes at most eight times the lines of Python (a quadratic
    part, such as testing every word against every pushy phrase, takes up to 64 times)."""
    check_message(draft(64), VALUES)  # warm every cache (lemmas, lexicon, values)
    small, large = lines_run(draft(8)), lines_run(draft(64))
    assert large <= 8 * small, (small, large)


def test_tokenize_reads_each_character_a_bounded_number_of_times() -> None:
    """tokenize slices only the gap before each word (it used to slice the whole text up to
    each word: quadratic)."""

    class CountingStr(str):
        sliced = 0

        def __getitem__(self, key: Any) -> str:
            piece = str.__getitem__(self, key)
            CountingStr.sliced += len(piece)
            return piece

    text = CountingStr(BODY * 50)
    tokens = tokenize(text, "it")
    assert len(tokens) > 2000
    assert CountingStr.sliced <= 2 * len(text)


def test_a_repeated_draft_gets_the_same_verdict_flags_and_scores() -> None:
    """The check sees the same things in a draft written once or forty times over: the same
    flags, the same evidence, the same value scores."""
    once, many = check_message(draft(10), VALUES), check_message(draft(40), VALUES)
    assert many.verdict == once.verdict
    assert [(f.code, f.severity, f.evidence) for f in many.flags] == [
        (f.code, f.severity, f.evidence) for f in once.flags
    ]
    assert [(v.value, v.score, v.matched) for v in many.values] == [
        (v.value, v.score, v.matched) for v in once.values
    ]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param((SUBJECT + "\n" + BODY + "\n") * 1000, id="ordinary-text"),
        pytest.param("a" * MAX_DRAFT_CHARS, id="one-long-word"),
        pytest.param("1." * (MAX_DRAFT_CHARS // 2), id="dotted-number"),
        pytest.param("SOLO OGGI!!! " * (MAX_DRAFT_CHARS // 13), id="shouting"),
        pytest.param("😀" * MAX_DRAFT_CHARS, id="emoji"),
    ],
)
def test_a_draft_at_the_limit_completes_with_a_verdict(text: str) -> None:
    text = text[:MAX_DRAFT_CHARS]
    result = check_message(text, VALUES)
    assert result.verdict in {"send", "rethink"}
    assert result.reasons


def test_a_draft_over_the_limit_is_refused_naming_size_and_limit() -> None:
    with pytest.raises(InputError, match=r"Got .* instead") as error:
        check_message("a" * (MAX_DRAFT_CHARS + 1), VALUES)
    message = str(error.value)
    assert "The 'text' parameter of check_message must be at most 200,000 characters" in message
    assert "200,001" in message and "\n" not in message


def test_values_are_bounded_in_number_and_length() -> None:
    with pytest.raises(InputError, match=f"at most {MAX_VALUES} values. Got 51 values"):
        check_message(BODY, [f"valore {i}" for i in range(MAX_VALUES + 1)])
    with pytest.raises(InputError, match=r"The 'values\[1\]' parameter .* at most 200"):
        check_message(BODY, ["qualità", "x" * (MAX_VALUE_CHARS + 1)])
    assert check_message(BODY, [f"valore {i}" for i in range(MAX_VALUES)]).values


# --- the CLI reads a draft up to the limit and refuses a longer one ------------------------


def test_the_cli_refuses_a_draft_file_over_the_limit_in_one_line(write, tmp_path) -> None:
    path = write("long.txt", SUBJECT + "\n" + "a" * MAX_DRAFT_CHARS)
    result = run_legame("message", "check", path, "--db", tmp_path / "none.duckdb")
    assert result.returncode == 1 and result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {path}: the draft is longer than the limit of 200,000 ")
    assert f"{path.stat().st_size:,} bytes" in line and "Traceback" not in result.stderr


def test_the_cli_refuses_standard_input_over_the_limit(tmp_path) -> None:
    legame = Path(sys.executable).with_name("legame")
    result = subprocess.run(
        [str(legame), "message", "check", "-", "--db", str(tmp_path / "none.duckdb")],
        input="b" * (MAX_DRAFT_CHARS + 10),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert "standard input: the draft is longer than the limit of 200,000 characters" in line
    assert "it has 200,010 characters" in line


def test_the_cli_checks_a_draft_at_the_limit(cli, write, tmp_path) -> None:
    values = write("values.toml", 'values = ["qualità artigianale"]\n')
    path = write("limit.txt", (SUBJECT + "\n" + BODY * 1000)[:MAX_DRAFT_CHARS])
    result = cli("message", "check", path, "--values", values, "--json", "--db", tmp_path / "x")
    assert result.exit_code == 0, result.output
    assert '"verdict"' in result.stdout


def test_the_cli_help_states_the_limit(cli) -> None:
    assert f"{MAX_DRAFT_CHARS:,}" in cli("message", "check", "--help").stdout


def test_a_values_file_nested_too_deep_is_one_clear_error(cli, write, tmp_path) -> None:
    values = write("values.toml", "values = " + "[" * 5000 + "]" * 5000 + "\n")
    draft_file = write("d.txt", draft(1))
    result = cli("message", "check", draft_file, "--values", values, "--db", tmp_path / "x")
    assert result.exit_code == 1
    assert isinstance(result.exception, InputError)
    assert str(result.exception) == (
        f"Values file {values}: line 1: arrays or inline tables nest more than 20 deep; "
        "no legame file needs more than three: fix that line."
    )


def test_a_values_file_with_too_many_or_too_long_values_is_refused(cli, write, tmp_path) -> None:
    many = write("many.toml", "values = [" + ", ".join(f'"v{i}"' for i in range(51)) + "]\n")
    long = write("long.toml", f'values = ["{"x" * 201}"]\n')
    draft_file = write("d.txt", draft(1))
    for path, expected in ((many, "has 51 values; at most 50"), (long, "has 201 characters")):
        result = cli("message", "check", draft_file, "--values", path, "--db", tmp_path / "x")
        assert result.exit_code == 1 and expected in str(result.exception)


def test_reasons_stay_short_whatever_the_draft_holds() -> None:
    """Evidence is kept whole in the flags, but quoted in the reasons cut to 60 characters."""
    result = check_message("x" * 100_000 + "!!! " + "😀" * 5000, VALUES)
    shouting = next(f for f in result.flags if f.code == "shouting")
    assert max(len(e) for e in shouting.evidence) > 5000
    assert all(len(reason) < 400 and "\n" not in reason for reason in result.reasons)
