"""The ``legame`` command line: a thin layer that parses input, calls the library, prints.

Errors raised on purpose (``LegameError``) become one red line and exit code 1; usage
errors exit with 2; ``--debug`` shows the full traceback instead.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Annotated

import typer
from rich.markup import escape

from legame import __version__
from legame.cli import bench as _bench
from legame.cli import cases as _cases
from legame.cli import contact as _contact
from legame.cli import demo as _demo
from legame.cli import experiment as _experiment
from legame.cli import findings as _findings
from legame.cli import gestures as _gestures
from legame.cli import ingest as _ingest
from legame.cli import measure as _measure
from legame.cli import message as _message
from legame.cli import presets as _presets
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
    _presets,
    _simulate,
    _measure,
    _findings,
    _contact,
    _gestures,
    _experiment,
    _cases,
    _message,
    _report,
    _demo,
    _serve,
    _bench,
)
for module in COMMANDS:
    module.register(app)


def run(
    args: Sequence[str],
    *,
    held: Callable[[Sequence[str], LegameError], int | None] | None = None,
) -> int:
    """Run ``legame ARGS`` in this process as the console script does; its exit code.

    ``held(args, error)`` is asked first about an error raised on purpose: an exit code
    when it dealt with it (a command run through ``legame serve``), else None."""
    debug = "--debug" in args
    try:
        app(args=list(args), prog_name="legame", standalone_mode=True)
    except SystemExit as exc:
        return _exit_code(exc)
    except LegameError as exc:
        code = held(args, exc) if held is not None else None
        if code is not None:
            return code
        if debug or _state["debug"]:
            traceback.print_exc()
            return 1
        err_console.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        return 1
    except Exception as exc:  # a bug, not bad input: say so, keep the traceback for --debug
        if debug or _state["debug"]:
            traceback.print_exc()
            return 1
        err_console.print(
            f"[red]internal error:[/red] {type(exc).__name__}: {escape(str(exc))}. This is a bug "
            "in legame; "
            "run the command again with --debug for the traceback and report it.",
            soft_wrap=True,
        )
        return 1
    return 0


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None or isinstance(exc.code, int):
        return exc.code or 0
    print(exc.code, file=sys.stderr)
    return 1


def main() -> None:
    """Entry point of the ``legame`` console script (a read-only command that finds the
    workspace held by ``legame serve`` runs through it: ``legame.cli.forward``)."""
    from legame.cli.forward import through_server

    sys.exit(run(sys.argv[1:], held=through_server))
