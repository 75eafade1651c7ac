"""Inside ``legame serve``: run a read-only command for a local client of the server.

:func:`install` adds ``POST /api/v1/local/run`` to the server's app (not in its OpenAPI
schema) and has the server announce itself in the workspace's discovery file
(:mod:`legame.store.serving`) once its workspace is open, and withdraw it as it stops.
The endpoint takes only the secret of that file (compared in constant time), only from
the server's own machine, and only the commands of
:data:`~legame.cli.forward.THROUGH_SERVER`. It runs the command in this process, as the
console script would (:func:`legame.cli.run`), with

* the server's workspace: a session of it, so an erasure in flight is waited for
  (``open_workspace`` reads :data:`~legame.cli._common.served_workspace`);
* the client's paths: each path option is made absolute against the client's working
  directory, so ``report --out r.html`` writes where the client runs;
* the client's terminal (width, colours), and its output captured per request: standard
  output and error are routed, per thread of work, to that request's buffers.
"""

from __future__ import annotations

import io
import ipaddress
import os
import secrets
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from contextvars import ContextVar
from pathlib import Path, PurePath
from typing import Annotated, Any, Literal, TextIO, cast

from fastapi import APIRouter, FastAPI, Header, HTTPException, Request
from pydantic import BaseModel, Field

from legame.cli._common import Terminal, client_terminal, served_workspace
from legame.cli.forward import RUN_PATH, THROUGH_SERVER, TOKEN_HEADER, WRITING, locate, options
from legame.errors import InputError, StoreError
from legame.store import Workspace, resolve_db
from legame.store.serving import Server, announce, withdraw
from legame.store.shared import SharedWorkspace

router = APIRouter(include_in_schema=False)


class Stream(BaseModel):
    """What the client's standard output or error is: its width, its colours."""

    width: int = Field(default=80, ge=20, le=1000)
    colors: Literal["standard", "256", "truecolor"] | None = None


class RunRequest(BaseModel):
    """``legame ARGS``, as the client typed it, where it typed it."""

    args: list[Annotated[str, Field(max_length=4096)]] = Field(max_length=64)
    cwd: str = Field(max_length=4096)
    db: str = Field(max_length=4096)
    stdout: Stream = Field(default_factory=Stream)
    stderr: Stream = Field(default_factory=Stream)


class RunResult(BaseModel):
    exit_code: int
    stdout: str
    stderr: str


def install(app: FastAPI, *, url: str) -> None:
    """Serve the endpoint from ``app``, and announce ``app``'s workspace as served at
    ``url`` while it runs (after its lifespan opened the workspace, before it closes it)."""
    app.include_router(router)
    opened = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        async with opened(app) as state:
            server = announce(app.state.store.path, url)
            app.state.local_server = server
            try:
                yield state
            finally:
                withdraw(server)

    app.router.lifespan_context = lifespan


@router.post(RUN_PATH)
def run_command(
    request: Request,
    body: RunRequest,
    token: Annotated[str | None, Header(alias=TOKEN_HEADER)] = None,
) -> RunResult:
    """Run ``legame ARGS`` for a client on this machine that knows the server's secret."""
    _admit(request, token)
    store: SharedWorkspace = request.app.state.store
    words, _, _ = locate(body.args)
    if words not in THROUGH_SERVER:
        raise InputError(
            f"`legame {' '.join(words) or '(no command)'}` does not run through legame serve; "
            f"these do: {', '.join(' '.join(w) for w in sorted(THROUGH_SERVER))}."
        )
    cwd = Path(body.cwd)
    if not cwd.is_absolute():
        raise InputError(f"cwd must be an absolute path; got {body.cwd!r}.")
    db = Path(cwd, body.db)
    if os.path.realpath(db) != os.path.realpath(store.path):
        raise HTTPException(
            409, f"This server serves {os.path.abspath(store.path)}, not {body.db}."
        )
    code, out, err = run_for_client(
        store,
        [*body.args, *absolute_paths(body.args, cwd), "--db", str(db)],
        writes=words in WRITING,
        terminal=(
            Terminal(body.stdout.width, body.stdout.colors),
            Terminal(body.stderr.width, body.stderr.colors),
        ),
    )
    return RunResult(exit_code=code, stdout=out, stderr=err)


def _admit(request: Request, token: str | None) -> None:
    """403 unless the request comes from this machine with the discovery file's secret."""
    server: Server | None = getattr(request.app.state, "local_server", None)
    failed_keys = request.app.state.failed_keys
    client = request.client.host if request.client else None
    wait = failed_keys.retry_after(client)
    if wait is not None:
        raise HTTPException(
            429,
            f"Too many wrong secrets from this client: try again in {wait} s.",
            headers={"Retry-After": str(wait)},
        )
    right = (
        server is not None
        and token is not None
        and secrets.compare_digest(token.encode(), server.token.encode())
    )
    if not right:
        failed_keys.failed(client)
    if not right or not _local(request):
        raise HTTPException(
            403,
            "Only a legame command on this machine, with the secret of the workspace's "
            "discovery file, runs commands here.",
        )


def _local(request: Request) -> bool:
    """Whether the client is on this machine: a loopback address, or the server's own."""
    client = request.client.host if request.client else ""
    own = (request.scope.get("server") or ("", 0))[0]
    try:
        return ipaddress.ip_address(client).is_loopback or client == own
    except ValueError:
        return False


def absolute_paths(args: list[str], cwd: Path) -> list[str]:
    """Options that set every path of the command ``args`` (given or by default) to its
    absolute path against ``cwd``, to append to ``args`` (the last value of an option is
    the one taken). The workspace is set apart, by the caller."""
    if "--" in args:
        raise InputError("`--` is not taken through legame serve: give options by name.")
    _, command, values = options(args)
    extra: list[str] = []
    for param in getattr(command, "params", []):
        value = values.get(param.name)
        if param.name != "db" and isinstance(value, PurePath) and param.opts:
            extra += [param.opts[0], str(Path(cwd, value))]
    return extra


def run_for_client(
    store: SharedWorkspace,
    args: list[str],
    *,
    writes: bool = False,
    terminal: tuple[Terminal, Terminal] = (Terminal(80), Terminal(80)),
) -> tuple[int, str, str]:
    """Run ``legame ARGS`` in this process on a session of ``store``: the exit code and
    what it wrote on standard output and error. ``writes``: the command may open the
    workspace for writing."""
    from legame.cli import run

    out, err = io.StringIO(), io.StringIO()
    with (
        _captured(out, err),
        _set(client_terminal, terminal),
        _set(served_workspace, _sessions(store, writes=writes)),
    ):
        code = run(args)
    return code, out.getvalue(), err.getvalue()


def _sessions(store: SharedWorkspace, *, writes: bool) -> Callable[[Path | None, bool], Workspace]:
    def open_session(db: Path | None, read_only: bool) -> Workspace:
        path = Path(os.path.abspath(resolve_db(db)))
        if os.path.realpath(path) != os.path.realpath(store.path):
            raise StoreError(f"legame serve runs commands on {store.path} only, not on {path}.")
        if not read_only and not writes:
            raise StoreError("This command writes to the workspace: stop legame serve to run it.")
        return _Session(store, path)

    return open_session


class _Session(Workspace):
    """A session of the served workspace, as a workspace; ``close`` ends the session (the
    server's connection stays open)."""

    def __init__(self, store: SharedWorkspace, path: Path) -> None:
        self._session = ExitStack()
        ws = self._session.enter_context(store.session())
        super().__init__(path, ws.con)

    def close(self) -> None:
        self._session.close()


# --- output, per request -------------------------------------------------------------------

_stdout: ContextVar[TextIO | None] = ContextVar("local_stdout", default=None)
_stderr: ContextVar[TextIO | None] = ContextVar("local_stderr", default=None)
_installing = threading.Lock()


class _Routed:
    """``sys.stdout`` or ``sys.stderr``: the buffer of the request being answered in this
    context, if any; else the stream it replaced."""

    def __init__(self, real: TextIO, target: ContextVar[TextIO | None]) -> None:
        self.real = real
        self.target = target

    def _stream(self) -> TextIO:
        return self.target.get() or self.real

    def write(self, text: str) -> int:
        return self._stream().write(text)

    def writelines(self, lines: list[str]) -> None:
        self._stream().writelines(lines)

    def flush(self) -> None:
        self._stream().flush()

    def isatty(self) -> bool:
        return self.target.get() is None and self.real.isatty()

    def fileno(self) -> int:
        if self.target.get() is not None:
            raise io.UnsupportedOperation("a request's buffer has no file descriptor")
        return self.real.fileno()

    @property
    def encoding(self) -> str:
        return "utf-8" if self.target.get() is not None else self.real.encoding

    @property
    def errors(self) -> str | None:
        return "strict" if self.target.get() is not None else self.real.errors

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def _route() -> None:
    """Put :class:`_Routed` streams in place of ``sys.stdout`` and ``sys.stderr`` (again,
    if something replaced them since)."""
    with _installing:
        if not isinstance(sys.stdout, _Routed):
            sys.stdout = cast(TextIO, _Routed(sys.stdout, _stdout))
        if not isinstance(sys.stderr, _Routed):
            sys.stderr = cast(TextIO, _Routed(sys.stderr, _stderr))


@contextmanager
def _captured(out: TextIO, err: TextIO) -> Iterator[None]:
    _route()
    with _set(_stdout, out), _set(_stderr, err):
        yield


@contextmanager
def _set(var: ContextVar[Any], value: Any) -> Iterator[None]:
    token = var.set(value)
    try:
        yield
    finally:
        var.reset(token)
