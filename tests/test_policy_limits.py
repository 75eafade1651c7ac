"""A policy file is bounded before it is parsed: size, nesting depth, values; a refused
policy leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from legame.errors import InputError
from legame.policy import (
    DEFAULT_POLICY,
    MAX_POLICY_CHARS,
    MAX_TOML_DEPTH,
    MAX_VALUE_CHARS,
    MAX_VALUES,
    check_toml_text,
    default_policy_text,
    load_policy,
    parse_policy_text,
    write_policy_text,
)
from tests.conftest import run_legame

DEEP = "a = " + "[" * 5000 + "]" * 5000 + "\n"


def error_of(tmp_path: Path, text: str) -> str:
    path = tmp_path / "legame.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_policy(path)
    return str(info.value)


def test_arrays_nested_5000_deep_are_refused_naming_file_and_line(tmp_path: Path) -> None:
    assert error_of(tmp_path, DEEP) == (
        f"{tmp_path / 'legame.toml'}: line 1: arrays or inline tables nest more than 20 deep; "
        "no legame file needs more than three: fix that line."
    )


def test_inline_tables_and_dotted_keys_count_as_nesting(tmp_path: Path) -> None:
    tables = "values = []\n\nx = " + "{ a = " * 30 + "1" + " }" * 30 + "\n"
    assert ": line 3: arrays or inline tables nest more than 20" in error_of(tmp_path, tables)
    dotted = "values = []\n" + ".".join(["a"] * 20_000) + " = 1\n"
    assert ": line 2: dotted keys nest more than 20 deep" in error_of(tmp_path, dotted)
    header = "[" + ".".join(["gratitude"] * 30) + "]\n"
    assert ": line 1: dotted keys nest more than 20 deep" in error_of(tmp_path, header)


def test_nesting_up_to_the_limit_reaches_the_usual_validation(tmp_path: Path) -> None:
    deep_enough = "values = " + "[" * MAX_TOML_DEPTH + "]" * MAX_TOML_DEPTH + "\n"
    assert "values must be a list of non-empty strings" in error_of(tmp_path, deep_enough)


def test_brackets_and_dots_in_strings_and_comments_do_not_count(tmp_path: Path) -> None:
    text = (
        "# " + "[" * 100 + "." * 100 + "\n"
        "values = [\n"
        '  "' + "[" * 50 + '",\n'
        "  '" + "{" * 50 + "',\n"
        '  """\n' + "." * 50 + '\n""",\n'
        "  '''" + "[" * 50 + "''',\n"
        '  "an \\" escaped quote ' + "[" * 50 + '",\n'
        "]\n"
    )
    path = tmp_path / "legame.toml"
    path.write_text(text, encoding="utf-8")
    assert len(load_policy(path).values) == 5


def test_the_default_policy_passes_the_checks_and_loads_to_the_defaults() -> None:
    check_toml_text(default_policy_text(), file="legame.toml")
    assert parse_policy_text(default_policy_text()) == DEFAULT_POLICY


def test_a_policy_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    text = "values = []\n" + "# padding\n" * (MAX_POLICY_CHARS // 10)
    message = error_of(tmp_path, text)
    assert f"the file has {len(text):,} characters, more than the limit of 100,000" in message
    huge = "# " + "x" * (4 * MAX_POLICY_CHARS + 10) + "\n"
    assert "the file is larger than 400,000 bytes" in error_of(tmp_path, huge)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('"' * MAX_POLICY_CHARS, id="quotes"),
        pytest.param('"""' + "[" * (MAX_POLICY_CHARS - 3), id="unterminated-string"),
        pytest.param("#\n" * (MAX_POLICY_CHARS // 2 - 10) + "values = 3", id="comments"),
        pytest.param("[]" * (MAX_POLICY_CHARS // 2), id="bracket-pairs"),
        pytest.param("'" * MAX_POLICY_CHARS, id="literal-quotes"),
    ],
)
def test_hostile_text_at_the_size_limit_is_checked_and_refused(text: str) -> None:
    with pytest.raises(InputError, match=r"^x\.toml: "):
        parse_policy_text(text, file="x.toml")


def test_values_are_bounded_in_number_and_length(tmp_path: Path) -> None:
    many = "values = [" + ", ".join(f'"v{i}"' for i in range(MAX_VALUES + 1)) + "]\n"
    assert "values must be a list of at most 50 values (it has 51)" in error_of(tmp_path, many)
    long = f'values = ["{"x" * (MAX_VALUE_CHARS + 1)}"]\n'
    message = error_of(tmp_path, long)
    assert "values must be a list of values of at most 200 characters each (one has 201)" in (
        message
    )
    assert len(message) < 300  # the value itself is shown cut, on one line


def test_a_refused_policy_leaves_the_old_file_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "legame.toml"
    path.write_text('values = ["old"]\n', encoding="utf-8")
    for bad in (DEEP, "[contact\n", "values = 3\n"):
        with pytest.raises(InputError, match=r"^legame\.toml: "):
            write_policy_text(path, bad)
        assert path.read_text(encoding="utf-8") == 'values = ["old"]\n'
        assert [p.name for p in tmp_path.iterdir()] == ["legame.toml"]
    write_policy_text(path, 'values = ["new"]\n')
    assert load_policy(path).values == ("new",)
    assert [p.name for p in tmp_path.iterdir()] == ["legame.toml"]


def test_a_deep_policy_is_one_error_line_in_the_cli_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "legame.toml").write_text(DEEP, encoding="utf-8")
    draft = tmp_path / "draft.txt"
    draft.write_text("Ciao\nIl pane di oggi.\n", encoding="utf-8")
    result = run_legame("message", "check", draft, "--db", tmp_path / "ws.duckdb")
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {tmp_path / 'legame.toml'}: line 1: arrays or inline")
    assert "RecursionError" not in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["draft.txt", "legame.toml"]
