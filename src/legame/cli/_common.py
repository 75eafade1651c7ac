"""What every command shares: the --db, --json and --engine options, the console, and errors.

A command may run inside ``legame serve``, for a client that found the workspace held by
it (``legame.cli.local``). Two context variables then say where the command reads and
draws: :data:`served_workspace` gives :func:`open_workspace` the server's workspace, and
:data:`client_terminal` makes the consoles draw for the client's terminal (its width and
colours), not the server's.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.color import ColorSystem
from rich.console import COLOR_SYSTEMS, Console, ConsoleDimensions

from legame.store import Workspace

ColorName = Literal["standard", "256", "truecolor"]


@dataclass(frozen=True)
class Terminal:
    """What a client's console draws for: its width, and its colours (None: plain text)."""

    width: int
    colors: ColorName | None = None


#: The terminals (standard output, standard error) of the client a command runs for
#: inside ``legame serve`` (None: this process's own).
client_terminal: ContextVar[tuple[Terminal, Terminal] | None] = ContextVar(
    "client_terminal", default=None
)
#: While a command runs for a client of ``legame serve``: ``open(db, read_only)`` gives
#: the server's workspace, which :func:`open_workspace` returns.
served_workspace: ContextVar[Callable[[Path | None, bool], Workspace] | None] = ContextVar(
    "served_workspace", default=None
)


class _Console(Console):
    """A console that draws for :data:`client_terminal` when one is set: at its width, in
    its colours, never as a live terminal (no cursor movement)."""

    def _client(self) -> Terminal | None:
        client = client_terminal.get()
        return None if client is None else client[1 if self.stderr else 0]

    @property
    def size(self) -> ConsoleDimensions:
        client = self._client()
        return super().size if client is None else ConsoleDimensions(client.width, 25)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size

    @property
    def is_terminal(self) -> bool:
        return super().is_terminal if self._client() is None else False

    @property
    def _color_system(self) -> ColorSystem | None:
        client = self._client()
        if client is None:
            return self._own_color_system
        return None if client.colors is None else COLOR_SYSTEMS[client.colors]

    @_color_system.setter
    def _color_system(self, value: ColorSystem | None) -> None:
        self._own_color_system = value


console = _Console(highlight=False, soft_wrap=True)
err_console = _Console(stderr=True, highlight=False, soft_wrap=True)

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        envvar="LEGAME_DB",
        help="Workspace file (default: ./legame.duckdb, or $LEGAME_DB).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]
EngineOption = Annotated[str, typer.Option("--engine", help="duckdb or spark.")]
SparkSourceOption = Annotated[
    str | None,
    typer.Option(
        "--spark-source",
        help="Spark: folder (local, hdfs://, s3a://, ...) of one Parquet dataset or Delta "
        "table per table (default: export the workspace's tables).",
    ),
]


def engine_options(engine: str, spark_source: str | None) -> dict[str, object]:
    """The options of the engine that --engine names, from --spark-source."""
    if spark_source is None:
        return {}
    if engine != "spark":
        from legame.errors import InputError

        raise InputError(
            f"--spark-source is a folder for the Spark engine; add --engine spark "
            f"(got --engine {engine})."
        )
    return {"source": spark_source}


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(payload: Any) -> None:
    """Write one JSON document to stdout (plain, so it pipes into jq)."""
    sys.stdout.write(json.dumps(payload, default=_default, ensure_ascii=False, indent=2) + "\n")


def open_workspace(db: Path | None, *, read_only: bool = False) -> Workspace:
    """The workspace at ``db`` (or ``$LEGAME_DB``, or ``./legame.duckdb``); inside
    ``legame serve``, for a client, the server's own (:data:`served_workspace`)."""
    served = served_workspace.get()
    if served is not None:
        return served(db, read_only)
    return Workspace.open(db, read_only=read_only)
