"""``legame message check``: does a draft convey the brand's values, or should we rethink?"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from legame.cli._common import DbOption, JsonOption, console, print_json
from legame.errors import InputError

message_app = typer.Typer(help="Check drafts against the brand's values.", no_args_is_help=True)


@message_app.command("check")
def message_check(
    draft: Annotated[
        str,
        typer.Argument(
            help="The draft (subject line, then body), or - for standard input; at most "
            "200,000 characters."
        ),
    ],
    values: Annotated[
        Path | None,
        typer.Option(
            "--values", help='TOML file with values = ["...", ...] (default: the policy file).'
        ),
    ] = None,
    language: Annotated[str | None, typer.Option(help="it, es or en (default: detected).")] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Score a draft against the brand's values; flag pressure, incentive-only or empty
    content; answer send or rethink, with the reasons."""
    from legame.engage.message import check_message, parse_values_toml
    from legame.policy import load_policy, policy_path_for
    from legame.store import resolve_db

    text = _read_stdin() if draft == "-" else _read(Path(draft))
    brand = (
        parse_values_toml(values)
        if values is not None
        else list(load_policy(policy_path_for(resolve_db(db))).values)
    )
    result = check_message(text, brand, language=language).to_dict()
    if json:
        print_json(result)
        return
    colour = "green" if result["verdict"] == "send" else "yellow"
    console.print(
        f"[bold {colour}]{result['verdict'].upper()}[/bold {colour}] "
        f"(language: {result['language']})"
    )
    for value in result["values"]:
        console.print(f"  value {escape(value['value'])!r}: alignment {value['score']:.2f}")
    for flag in result["flags"]:
        console.print(f"  [{colour}]{flag['severity']}[/{colour}] {escape(flag['message'])}")
    for reason in result["reasons"]:
        console.print(f"- {escape(reason)}")


def _read(path: Path) -> str:
    """The draft in ``path``, read no further than one character past the limit."""
    from legame.engage.message.check import MAX_DRAFT_CHARS

    try:
        with path.open(encoding="utf-8") as fh:
            text = fh.read(MAX_DRAFT_CHARS + 1)
    except FileNotFoundError:
        raise InputError(
            f"{path}: no such file (use - to read the draft from standard input)."
        ) from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a draft file.") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; save the draft as UTF-8.") from None
    if len(text) > MAX_DRAFT_CHARS:
        raise _too_long(str(path), f"the file is {path.stat().st_size:,} bytes")
    return text


def _read_stdin() -> str:
    from legame.engage.message.check import MAX_DRAFT_CHARS

    text = sys.stdin.read(MAX_DRAFT_CHARS + 1)
    if len(text) > MAX_DRAFT_CHARS:
        size = len(text) + sum(len(chunk) for chunk in iter(lambda: sys.stdin.read(1 << 20), ""))
        raise _too_long("standard input", f"it has {size:,} characters")
    return text


def _too_long(source: str, size: str) -> InputError:
    from legame.engage.message.check import MAX_DRAFT_CHARS

    return InputError(
        f"{source}: the draft is longer than the limit of {MAX_DRAFT_CHARS:,} characters "
        f"({size}); shorten it, or check each message on its own."
    )


def register(app: typer.Typer) -> None:
    app.add_typer(message_app, name="message")
