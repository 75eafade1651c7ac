"""The ``legame`` command line: a thin layer that parses input, calls the library, prints.

Errors raised on purpose (``LegameError``) become one red line and exit code 1; usage
errors exit with 2; ``--debug`` shows the full traceback instead.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape

from legame import __version__
from legame.cli import bench as _bench
from legame.cli import contact as _contact
from legame.cli import demo as _demo
from legame.cli import findings as _findings
from legame.cli import gestures as _gestures
from legame.cli import ingest as _ingest
from legame.cli import measure as _measure
from legame.cli import message as _message
from legame.cli import report as _report
from legame.cli import serve as _serve
from legame.cli import simulate as _simulate
from legame.cli import workspace as _workspace
from legame.cli._common import err_console
from legame.errors import LegameError

app = typer.Typer(
    name="legame",
    help="Customer loyalty built on what creates it: value (CLV), promoters (NPS), "
    "emotional connection, good service, respectful contact and gratitude.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
_state = {"debug": False}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"legame {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    _state["debug"] = debug


COMMANDS = (
    _workspace,
    _ingest,
    _simulate,
    _measure,
    _findings,
    _contact,
    _gestures,
    _message,
    _report,
    _demo,
    _serve,
    _bench,
)
for module in COMMANDS:
    module.register(app)


def main() -> None:
    """Entry point of the ``legame`` console script."""
    try:
        app(standalone_mode=True)
    except LegameError as exc:
        if _state["debug"] or "--debug" in sys.argv:
            raise
        err_console.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        sys.exit(1)
    except Exception as exc:  # a bug, not bad input: say so, keep the traceback for --debug
        if _state["debug"] or "--debug" in sys.argv:
            raise
        err_console.print(
            f"[red]internal error:[/red] {type(exc).__name__}: {escape(str(exc))}. This is a bug "
            "in legame; "
            "run the command again with --debug for the traceback and report it.",
            soft_wrap=True,
        )
        sys.exit(1)
