"""Read-only commands while ``legame serve`` holds the workspace: run through the server.

DuckDB lets no other process open a file that one process has open for writing, and the
server keeps its workspace open. When a command finds the workspace locked,
:func:`through_server` reads the server's discovery file (:mod:`legame.store.serving`).
A command of :data:`THROUGH_SERVER` is then sent to the server, which runs it on its own
workspace (``legame.cli.local``); its output and exit code are the command's own, and one
dim line on standard error says where it ran. Any other command stops with the usual
"in use" error, which names the server that holds the workspace.

Paths are sent as the client gave them, with its working directory: the server resolves
them against it, so ``report --out r.html`` writes ``r.html`` where the client runs.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
from rich.markup import escape

from legame.cli._common import console, err_console
from legame.errors import LegameError, StoreError
from legame.store import resolve_db
from legame.store.serving import Server, find_server

#: The commands a client may run through ``legame serve``, as the words a user types.
#: Each reads the workspace; ``findings`` also keeps what it computes, as it does
#: without a server (one transaction, under the server's writer lock).
THROUGH_SERVER: frozenset[tuple[str, ...]] = frozenset(
    {
        ("report",),
        ("status",),
        ("nps",),
        ("findings",),
        ("export", "scores"),
        ("rejects",),
        ("batches",),
        ("keys", "list"),
        ("experiment", "plan"),
        ("experiment", "results"),
        ("contact", "preferences"),
        ("contact", "link"),
    }
)
#: Those of them that write to the workspace (a preference link's first use makes the
#: workspace's signing key).
WRITING: frozenset[tuple[str, ...]] = frozenset({("findings",), ("contact", "link")})
#: The root options that may come before the command's words (flags: they take no value).
ROOT_FLAGS = ("--debug",)
#: The server's endpoint, and the header that carries the discovery file's secret.
RUN_PATH = "/api/v1/local/run"
TOKEN_HEADER = "X-Legame-Token"
#: How long the server has to answer ``/health`` before it counts as not answering.
CONNECT_SECONDS = 10.0


def locate(args: Sequence[str]) -> tuple[tuple[str, ...], Any, list[str]]:
    """The command ``args`` name (its words: ``("export", "scores")``), its (click)
    command, and the arguments that follow its words."""
    import typer.main

    from legame.cli import app

    command: Any = typer.main.get_command(app)
    rest = list(args)
    while rest and rest[0] in ROOT_FLAGS:
        rest.pop(0)
    words: list[str] = []
    while hasattr(command, "commands") and rest and rest[0] in command.commands:
        words.append(rest[0])
        command = command.commands[rest.pop(0)]
    return tuple(words), command, rest


def options(args: Sequence[str]) -> tuple[tuple[str, ...], Any, dict[str, Any]]:
    """The command ``args`` name, its command, and the values of its options as it would
    get them (defaults and environment variables included)."""
    words, command, rest = locate(args)
    if hasattr(command, "commands"):  # a group without a command: no options to read
        return words, command, {}
    ctx = command.make_context(" ".join(words), rest, resilient_parsing=True)
    return words, command, dict(ctx.params)


def workspace_of(args: Sequence[str]) -> Path:
    """The absolute path of the workspace the command ``args`` opens."""
    _, _, values = options(args)
    db = values.get("db")
    return Path(os.path.abspath(resolve_db(db if isinstance(db, str | os.PathLike) else None)))


def is_locked(exc: BaseException) -> bool:
    """Whether ``exc`` says the workspace is held by another process."""
    cause = exc.__cause__
    return (
        isinstance(exc, StoreError)
        and isinstance(cause, duckdb.IOException)
        and "lock" in str(cause).lower()
    )


def through_server(args: Sequence[str], exc: LegameError) -> int | None:
    """After ``legame ARGS`` failed with ``exc``: when ``legame serve`` holds the workspace,
    run a read-only command through it, or say that it holds it; the exit code. None when
    no server is involved (the caller reports ``exc`` as usual)."""
    if not is_locked(exc):
        return None
    db = workspace_of(args)
    server = find_server(db)
    if server is None:
        return None
    words, _, _ = locate(args)
    held = f"The workspace {db} is in use by `legame serve` (pid {server.pid}"
    if words in THROUGH_SERVER:
        answer = send(server, args, db)
        if answer is not None:
            return show(server, answer)
        message = (
            f"{held}), which does not answer at {server.url}: wait for it to start, or stop "
            "it, and try again."
        )
    else:
        message = (
            f"{held}, {server.url}). Stop it to run `legame {' '.join(words)}`; while it "
            f"runs, these commands go through it: {_commands()}."
        )
    err_console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    return 1


def send(server: Server, args: Sequence[str], db: Path) -> dict[str, Any] | None:
    """Ask ``server`` to run ``legame ARGS`` on the workspace ``db``: its answer
    (``exit_code``, ``stdout``, ``stderr``), or None when it does not answer."""
    if not server.url.startswith(("http://", "https://")):
        return None
    body = {
        "args": list(args),
        "cwd": os.getcwd(),
        "db": str(db),
        "stdout": _terminal(console),
        "stderr": _terminal(err_console),
    }
    request = urllib.request.Request(
        server.url.rstrip("/") + RUN_PATH,
        data=json.dumps(body).encode("utf-8"),
        headers={"Content-Type": "application/json", TOKEN_HEADER: server.token},
        method="POST",
    )
    # The server is local: no proxy from the environment stands between.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(server.url.rstrip("/") + "/health", timeout=CONNECT_SECONDS) as up:
            up.read()
        with opener.open(request) as response:  # as long as the command takes
            return _answer(response.read())
    except urllib.error.HTTPError as refused:
        message = _error_message(refused.read()) or f"HTTP {refused.code}"
        return {"exit_code": 1, "stdout": "", "stderr": "", "refused": message}
    except (urllib.error.URLError, OSError, ValueError):
        return None


def show(server: Server, answer: dict[str, Any]) -> int:
    """Print what the command printed on the server; its exit code."""
    err_console.print(f"[dim]ran through legame serve at {escape(server.url)}[/dim]")
    if "refused" in answer:
        err_console.print(f"[red]error:[/red] {escape(answer['refused'])}", soft_wrap=True)
        return 1
    sys.stdout.write(answer["stdout"])
    sys.stdout.flush()
    sys.stderr.write(answer["stderr"])
    sys.stderr.flush()
    return int(answer["exit_code"])


def _terminal(of: Any) -> dict[str, Any]:
    colors = of.color_system if of.is_terminal else None
    return {"width": of.width, "colors": "standard" if colors == "windows" else colors}


def _answer(raw: bytes) -> dict[str, Any] | None:
    """The server's answer, or None when what answered is not a legame server."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("exit_code"), int):
        return None
    return {
        "exit_code": data["exit_code"],
        "stdout": str(data.get("stdout", "")),
        "stderr": str(data.get("stderr", "")),
    }


def _error_message(raw: bytes) -> str | None:
    try:
        return str(json.loads(raw)["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return None


def _commands() -> str:
    return ", ".join(" ".join(words) for words in sorted(THROUGH_SERVER))
