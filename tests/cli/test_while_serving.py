"""Read-only commands while ``legame serve`` holds the workspace: a real server on a free
port, and real ``legame`` commands beside it, each compared with what the same command
prints when no server runs.

DuckDB lets no other process open a file one process holds for writing. So the server
announces itself in ``<db>.serve.json`` (mode 0600) and the read-only commands run through
it (``legame.cli.forward``, ``legame.cli.local``); the others say that it holds the file.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from legame.api.app import create_app
from legame.cli import local
from legame.cli._common import Terminal
from legame.cli.forward import RUN_PATH, TOKEN_HEADER
from legame.store import Workspace
from legame.store.keys import create_key
from legame.store.serving import announce, discovery_path, find_server, withdraw
from legame.store.shared import SharedWorkspace
from tests.conftest import run_legame, start_serve, stop_serve

pytestmark = pytest.mark.slow

#: One order loaded, one refused (its amount is not a number): `rejects` has a row to show.
ORDERS = (
    "order_id,customer_id,ordered_at,amount\n"
    "X-1,C000001,2025-01-05,12.5\n"
    "X-2,C000001,2025-01-06,abc\n"
)
#: A process that holds a workspace open (for writing) until its standard input closes.
HOLD = (
    "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
    "print('open', flush=True); sys.stdin.read()"
)
#: The read-only commands compared, by name: their arguments after the command's words.
JSON_COMMANDS = {
    "status": ["status", "--json"],
    "nps": ["nps", "--by", "segment", "--json"],
    "findings": ["findings", "--json"],
    "rejects": ["rejects", "--json"],
    "batches": ["batches", "--json"],
    "keys list": ["keys", "list", "--json"],
    "experiment results": ["experiment", "results", "--json"],
    "contact preferences": ["contact", "preferences", "C000001", "--json"],
}


@dataclass(frozen=True)
class Served:
    """The workspace, what each command printed without a server, and the running server."""

    db: Path
    alone: dict[str, object]
    proc: subprocess.Popen[bytes]
    url: str


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo workspace (scored, with findings), a key, and one rejected field."""
    from legame.demo import run_demo

    folder = tmp_path_factory.mktemp("while-serving")
    db = run_demo(folder / "demo", customers=300, seed=3).db
    with Workspace.open(db) as ws:
        create_key(ws, "viewer", "reader")
    orders = folder / "more_orders.csv"
    orders.write_text(ORDERS)
    loaded = run_legame("ingest", "orders", orders, "--db", db)
    assert loaded.returncode == 0, loaded.stderr
    return db


@pytest.fixture(scope="module")
def served(workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Each command run once with no server, then `legame serve` on the workspace."""
    alone: dict[str, object] = {}
    for name, args in JSON_COMMANDS.items():
        result = run_legame(*args, "--db", workspace)
        assert result.returncode == 0, (name, result.stderr)
        alone[name] = json.loads(result.stdout)
    out = tmp_path_factory.mktemp("alone")
    exported = run_legame("export", "scores", "--out", out / "scores.csv", "--db", workspace)
    assert exported.returncode == 0, exported.stderr
    alone["export"] = (out / "scores.csv").read_bytes()
    proc, url = start_serve(workspace)
    try:
        yield Served(workspace, alone, proc, url)
    finally:
        stop_serve(proc)


def timeless(value: object) -> object:
    """``value`` without the run times a finding reports (``details.seconds``)."""
    if isinstance(value, dict):
        return {k: timeless(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [timeless(v) for v in value]
    return value


def through(result: subprocess.CompletedProcess[str], url: str) -> None:
    """The command succeeded, and said that it ran through the server at ``url``."""
    assert result.returncode == 0, result.stderr
    assert f"ran through legame serve at {url}" in result.stderr


# --- through the server ----------------------------------------------------------------------


def test_serve_announces_itself_beside_the_workspace_readable_by_its_owner_only(
    served: Served,
) -> None:
    path = discovery_path(served.db)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    found = find_server(served.db)
    assert found is not None
    assert (found.pid, found.url, found.db) == (served.proc.pid, served.url, str(served.db))


@pytest.mark.parametrize("name", sorted(JSON_COMMANDS))
def test_a_read_only_command_prints_through_the_server_what_it_prints_alone(
    served: Served, name: str
) -> None:
    result = run_legame(*JSON_COMMANDS[name], "--db", served.db)
    through(result, served.url)
    assert timeless(json.loads(result.stdout)) == timeless(served.alone[name])


def test_the_workspace_named_by_legame_db_or_a_relative_path_is_found(
    served: Served, tmp_path: Path
) -> None:
    by_env = run_legame("status", "--json", env={"LEGAME_DB": str(served.db)})
    through(by_env, served.url)
    assert json.loads(by_env.stdout) == served.alone["status"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    relative = os.path.relpath(served.db, elsewhere)
    by_path = run_legame("status", "--json", "--db", relative, cwd=elsewhere)
    through(by_path, served.url)
    payload, alone = json.loads(by_path.stdout), dict(served.alone["status"])
    assert Path(payload.pop("db")) == served.db  # the absolute path: the server's process
    alone.pop("db")
    assert payload == alone


def test_report_writes_its_relative_out_path_where_the_client_runs(
    served: Served, tmp_path: Path
) -> None:
    result = run_legame(
        "report", "--out", "sub/r.html", "--lang", "it", "--json", "--db", served.db, cwd=tmp_path
    )
    through(result, served.url)
    written = tmp_path / "sub" / "r.html"
    assert json.loads(result.stdout)["path"] == str(written)
    assert written.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert not (Path.cwd() / "sub" / "r.html").exists()


def test_report_s_default_out_path_is_the_client_s_too(served: Served, tmp_path: Path) -> None:
    result = run_legame("report", "--db", served.db, cwd=tmp_path)
    through(result, served.url)
    assert (tmp_path / "report.html").stat().st_size > 0


def test_export_writes_the_same_file_through_the_server(served: Served, tmp_path: Path) -> None:
    result = run_legame("export", "scores", "--out", "scores.csv", "--db", served.db, cwd=tmp_path)
    through(result, served.url)
    assert (tmp_path / "scores.csv").read_bytes() == served.alone["export"]


def test_rejects_as_text_shows_the_refused_field(served: Served) -> None:
    result = run_legame("rejects", "--db", served.db)
    through(result, served.url)
    assert "amount" in result.stdout and "\x1b[" not in result.stdout  # a pipe: no colours


def test_commands_run_side_by_side_get_their_own_output(served: Served) -> None:
    names = ["status", "nps", "batches", "keys list"] * 3
    with ThreadPoolExecutor(len(names)) as pool:
        results = list(pool.map(lambda n: run_legame(*JSON_COMMANDS[n], "--db", served.db), names))
    for name, result in zip(names, results, strict=True):
        through(result, served.url)
        assert json.loads(result.stdout) == served.alone[name], name


def test_a_command_s_own_error_comes_back_with_its_exit_code(served: Served) -> None:
    result = run_legame("export", "scores", "--out", "scores.txt", "--db", served.db)
    assert result.returncode == 1
    assert "--out must end in .csv or .parquet" in result.stderr
    assert f"ran through legame serve at {served.url}" in result.stderr


# --- what does not go through ----------------------------------------------------------------


def test_a_write_command_says_that_legame_serve_holds_the_workspace(
    served: Served, tmp_path: Path
) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDERS)
    result = run_legame("ingest", "orders", orders, "--db", served.db)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    message = " ".join(result.stderr.split())
    assert f"in use by `legame serve` (pid {served.proc.pid}, {served.url})" in message
    assert "Stop it to run `legame ingest`" in message
    assert "ran through" not in message


def test_the_endpoint_refuses_a_wrong_or_missing_secret_with_403(served: Served) -> None:
    body = {"args": ["status"], "cwd": "/", "db": str(served.db)}
    for headers in ({TOKEN_HEADER: "not-the-secret"}, {}):
        refused = httpx.post(served.url + RUN_PATH, json=body, headers=headers, timeout=30)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "forbidden"


def test_the_endpoint_runs_only_the_read_only_commands(served: Served) -> None:
    token = json.loads(discovery_path(served.db).read_text())["token"]
    for args in (["ingest", "orders", "x.csv"], ["forget", "C000001"], ["serve"], []):
        body = {"args": args, "cwd": "/", "db": str(served.db)}
        refused = httpx.post(
            served.url + RUN_PATH, json=body, headers={TOKEN_HEADER: token}, timeout=30
        )
        assert refused.status_code == 422, args
        assert "does not run through legame serve" in refused.json()["error"]["message"]


def test_the_endpoint_runs_commands_on_its_own_workspace_only(
    served: Served, tmp_path: Path
) -> None:
    token = json.loads(discovery_path(served.db).read_text())["token"]
    body = {"args": ["status"], "cwd": str(tmp_path), "db": str(tmp_path / "other.duckdb")}
    refused = httpx.post(
        served.url + RUN_PATH, json=body, headers={TOKEN_HEADER: token}, timeout=30
    )
    assert refused.status_code == 409


def test_the_endpoint_is_not_in_the_openapi_schema(served: Served) -> None:
    schema = httpx.get(served.url + "/openapi.json", timeout=30).json()
    assert not [path for path in schema["paths"] if "local" in path]


def test_the_discovery_file_is_gone_once_the_server_stops(workspace: Path, tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    shutil.copy(workspace, db)
    proc, _ = start_serve(db)
    assert find_server(db) is not None
    stop_serve(proc)
    assert not discovery_path(db).exists()
    alone = run_legame("status", "--json", "--db", db)
    assert alone.returncode == 0 and "ran through" not in alone.stderr


def test_a_stale_discovery_file_is_ignored(workspace: Path, tmp_path: Path) -> None:
    """A server killed with kill -9 leaves its file; the pid it names no longer runs."""
    db = tmp_path / "ws.duckdb"
    shutil.copy(workspace, db)
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    stale = announce(db, "http://127.0.0.1:9")
    record = json.loads(discovery_path(db).read_text())
    record["pid"] = int(gone.stdout)
    discovery_path(db).write_text(json.dumps(record))
    assert find_server(db) is None
    # The workspace held by another process (not a server): the usual error, no server named.
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        result = run_legame("status", "--db", db)
    finally:
        holder.communicate("")
    assert result.returncode == 1
    assert "in use by another process" in result.stderr
    assert "legame serve" not in result.stderr
    assert withdraw(stale)


# --- the parts, in this process --------------------------------------------------------------


def test_withdraw_leaves_a_file_that_another_server_wrote_since(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    first = announce(db, "http://127.0.0.1:1")
    second = announce(db, "http://127.0.0.1:2")
    assert not withdraw(first)
    assert find_server(db) == second
    assert withdraw(second) and not discovery_path(db).exists()


def test_a_discovery_file_others_may_write_is_not_trusted(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    announce(db, "http://127.0.0.1:1")
    discovery_path(db).chmod(0o666)
    assert find_server(db) is None


def test_the_app_announces_itself_only_while_it_runs_and_wants_the_secret(
    workspace: Path, tmp_path: Path
) -> None:
    db = tmp_path / "ws.duckdb"
    shutil.copy(workspace, db)
    app = create_app(db)
    local.install(app, url="http://127.0.0.1:1")
    body = {"args": ["status", "--json"], "cwd": str(tmp_path), "db": str(db)}
    with TestClient(app, client=("127.0.0.1", 50000)) as near:
        server = find_server(db)
        assert server is not None and server.pid == os.getpid()
        wrong = near.post(RUN_PATH, json=body, headers={TOKEN_HEADER: server.token + "x"})
        assert wrong.status_code == 403
        right = near.post(RUN_PATH, json=body, headers={TOKEN_HEADER: server.token})
        assert right.status_code == 200, right.text
        assert json.loads(right.json()["stdout"])["db"] == str(db)
        far = TestClient(app, client=("192.0.2.7", 50000))  # not this machine
        assert (
            far.post(RUN_PATH, json=body, headers={TOKEN_HEADER: server.token}).status_code == 403
        )
    assert not discovery_path(db).exists()


def test_the_client_s_terminal_sets_the_width_and_the_colours(
    workspace: Path, tmp_path: Path
) -> None:
    db = tmp_path / "ws.duckdb"
    shutil.copy(workspace, db)
    store = SharedWorkspace(db)
    try:
        plain = local.run_for_client(store, ["status", "--db", str(db)])
        coloured = local.run_for_client(
            store,
            ["keys", "list", "--db", str(db)],
            terminal=(Terminal(120, "truecolor"), Terminal(120, "truecolor")),
        )
        narrow = local.run_for_client(
            store, ["keys", "list", "--db", str(db)], terminal=(Terminal(40), Terminal(40))
        )
    finally:
        store.close()
    assert plain[0] == 0 and "\x1b[" not in plain[1] and "customers" in plain[1]
    assert coloured[0] == 0 and "\x1b[" in coloured[1]
    assert max(len(line) for line in narrow[1].splitlines()) <= 40


def test_a_command_that_writes_cannot_open_the_served_workspace_for_writing(
    workspace: Path, tmp_path: Path
) -> None:
    db = tmp_path / "ws.duckdb"
    shutil.copy(workspace, db)
    store = SharedWorkspace(db)
    try:
        code, out, err = local.run_for_client(
            store, ["keys", "create", "--role", "viewer", "--db", str(db)]
        )
    finally:
        store.close()
    assert code == 1 and out == ""
    assert "writes to the workspace: stop legame serve to run it" in " ".join(err.split())
