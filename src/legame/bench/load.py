"""A bounded load test of ``legame serve`` on loopback (``legame bench``'s load phase).

:func:`run_load_test` builds a fresh workspace from simulated data (seeded), creates an admin
key, starts a real ``legame serve`` (uvicorn, 127.0.0.1, a free port) and runs ``clients``
concurrent clients for ``duration_s`` seconds. Each client, seeded, mixes reads (the
overview, a page of customers, one customer, NPS by month, a contact check) with uploads of
overlapping CSV files to ``/api/v1/ingest/orders`` and ``/api/v1/ingest/customers``: every
order and customer of those files is in two of them, and each file is sent many times.

At the end it stops the server and counts:

* **errors**: responses other than 2xx, and requests that failed (connection, timeout);
* **duplicates**: ``count(*) - count(DISTINCT key)`` of ``orders`` (``order_id``) and
  ``customers`` (``customer_id``): concurrent ingests must end as a serial order would;
* **latency** per kind of request and overall: p50 and p99 in milliseconds.

Nothing here asserts: the report says what happened, and the bench's targets table marks
0 errors and 0 duplicates.
"""

from __future__ import annotations

import http.client
import json
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from legame.errors import BenchError

Log = Callable[[str], None]

#: What the clients ask for, and how often (weights).
MIX: dict[str, int] = {
    "overview": 2,
    "customers": 3,
    "customer": 3,
    "nps": 2,
    "contact_check": 3,
    "ingest_orders": 2,
    "ingest_customers": 1,
}
#: Overlapping upload files per table, rows per file (each row is in two files).
FILES = 6
ROWS_PER_FILE = 150
#: Seconds to wait for the server to answer /health, and to stop.
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 60.0
#: Seconds one request may take before it counts as an error.
REQUEST_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Upload:
    """One CSV file the clients upload: its table, name and bytes."""

    table: str
    name: str
    content: bytes


@dataclass
class Sample:
    """One request: its kind, how long it took, and what went wrong (None if nothing)."""

    kind: str
    ms: float
    error: str | None = None


@dataclass
class _Plan:
    """What the clients share: where to go, the key, ids to ask about, files to upload."""

    port: int
    key: str
    customer_ids: list[str]
    uploads: dict[str, list[Upload]]
    deadline: float
    next_upload: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def upload(self, table: str) -> Upload:
        """The next file of ``table``, round robin across clients."""
        with self.lock:
            i = self.next_upload.get(table, 0)
            self.next_upload[table] = i + 1
        files = self.uploads[table]
        return files[i % len(files)]


def run_load_test(
    folder: str | Path,
    *,
    clients: int = 8,
    duration_s: float = 20.0,
    customers: int = 1000,
    seed: int = 0,
    log: Log = print,
) -> dict[str, Any]:
    """Run the load test in ``folder`` (created afresh) and return its report."""
    work = Path(folder)
    db, key, ids = build_workspace(work, customers=customers, seed=seed)
    uploads = overlapping_uploads(ids, seed=seed)
    log(f"load: {clients} clients for {duration_s:g} s against legame serve on loopback")
    samples: list[Sample] = []
    with Server(db, work / "server.log") as server:
        plan = _Plan(server.port, key, ids, uploads, deadline=0.0)
        _warm_up(plan)
        plan.deadline = time.perf_counter() + duration_s
        started = time.perf_counter()
        per_client: list[list[Sample]] = [[] for _ in range(clients)]
        threads = [
            threading.Thread(target=_client, args=(plan, seed + i, per_client[i]), daemon=True)
            for i in range(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        samples = [s for done in per_client for s in done]
    report = summarize(samples, elapsed_s=elapsed, clients=clients, duration_s=duration_s)
    report["duplicates"] = count_duplicates(db)
    report["duplicates_total"] = sum(report["duplicates"].values())
    report["server_exit"] = server.exit_code
    return report


def build_workspace(folder: Path, *, customers: int, seed: int) -> tuple[Path, str, list[str]]:
    """A fresh scored workspace of simulated data, an admin key, and its customer ids."""
    import shutil

    from legame.demo import LOAD_ORDER
    from legame.ingest import ingest
    from legame.policy import write_default_policy
    from legame.scoring import score
    from legame.simulate import simulate
    from legame.store import Workspace
    from legame.store.keys import create_key

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    sim = simulate(folder / "data", customers=customers, seed=seed)
    db = folder / "load.duckdb"
    with Workspace.create(db) as ws:
        write_default_policy(folder)
        for table in LOAD_ORDER:
            ingest(ws, table, [sim.paths[table]])
        score(ws)
        key, _ = create_key(ws, "admin", "bench load test")
        ids = [
            row[0]
            for row in ws.con.execute(
                "SELECT customer_id FROM customers ORDER BY customer_id"
            ).fetchall()
        ]
    return db, key, ids


def overlapping_uploads(customer_ids: list[str], *, seed: int) -> dict[str, list[Upload]]:
    """``FILES`` orders files and ``FILES`` customers files; file ``k`` holds rows
    ``[k * step, k * step + ROWS_PER_FILE)`` of a ring of ``FILES * step`` rows, so every
    row is in exactly two files. Orders go to existing customers and to new ones (which
    become implicit customers when their order comes before their customers row)."""
    rng = random.Random(seed)
    step = ROWS_PER_FILE // 2
    ring = FILES * step
    new_ids = [f"LT{j:05d}" for j in range(ring)]  # the load test's new customers
    orders = [
        (
            f"LT-O{j:06d}",
            new_ids[j] if j % 3 == 0 else rng.choice(customer_ids),
            f"2024-{1 + j % 12:02d}-{1 + j % 28:02d} {j % 24:02d}:{j % 60:02d}:00",
            f"{rng.uniform(5, 200):.2f}",
        )
        for j in range(ring)
    ]
    people = [
        (
            cid,
            f"2024-01-{1 + j % 28:02d} 09:00:00",
            f"load.{j}@example.com",
            "IT",
            "it",
            "Europe/Rome",
        )
        for j, cid in enumerate(new_ids)
    ]
    uploads: dict[str, list[Upload]] = {"orders": [], "customers": []}
    for k in range(FILES):
        rows = [(k * step + i) % ring for i in range(ROWS_PER_FILE)]
        uploads["orders"].append(
            Upload(
                "orders",
                f"orders-{k}.csv",
                _csv("order_id,customer_id,ordered_at,amount", [orders[j] for j in rows]),
            )
        )
        uploads["customers"].append(
            Upload(
                "customers",
                f"customers-{k}.csv",
                _csv(
                    "customer_id,created_at,email,country,language,time_zone",
                    [people[j] for j in rows],
                ),
            )
        )
    return uploads


def _csv(header: str, rows: list[tuple[str, ...]]) -> bytes:
    return ("\n".join([header, *(",".join(row) for row in rows)]) + "\n").encode()


class Server:
    """``legame serve`` in a child process on a free loopback port, stopped on exit."""

    def __init__(self, db: Path, log_file: Path) -> None:
        self.db, self.log_file = db, log_file
        self.port = _free_port()
        self.exit_code: int | None = None

    def __enter__(self) -> Server:
        self._log = self.log_file.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from legame.cli import main; main()",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--db",
                str(self.db),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.perf_counter() + START_TIMEOUT_S
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                self.__exit__()
                raise BenchError(f"legame serve exited at start; see {self.log_file}")
            try:
                status, _ = _request(self.port, "GET", "/health", timeout=2.0)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise BenchError(f"legame serve did not answer in {START_TIMEOUT_S:g} s")

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # uvicorn shuts down gracefully
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.exit_code = self.process.returncode
        self._log.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    *,
    timeout: float = REQUEST_TIMEOUT_S,
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _call(
    plan: _Plan, kind: str, rng: random.Random
) -> tuple[str, str, bytes | None, dict[str, str]]:
    """The method, path, body and headers of one request of ``kind``."""
    auth = {"Authorization": f"Bearer {plan.key}"}
    if kind == "overview":
        return "GET", "/api/v1/overview", None, auth
    if kind == "customers":
        return "GET", f"/api/v1/customers?page={rng.randint(1, 5)}&page_size=50", None, auth
    if kind == "customer":
        return "GET", f"/api/v1/customers/{rng.choice(plan.customer_ids)}", None, auth
    if kind == "nps":
        return "GET", "/api/v1/nps?by=month", None, auth
    if kind == "contact_check":
        body = json.dumps({"customer_id": rng.choice(plan.customer_ids), "channel": "email"})
        return (
            "POST",
            "/api/v1/contact/check",
            body.encode(),
            {**auth, "Content-Type": "application/json"},
        )
    table = kind.removeprefix("ingest_")
    upload = plan.upload(table)
    boundary = f"legame-load-{uuid.uuid4().hex}"
    body_bytes = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{upload.name}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
        + upload.content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return (
        "POST",
        f"/api/v1/ingest/{table}",
        body_bytes,
        {**auth, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )


def _warm_up(plan: _Plan) -> None:
    """One untimed read of each kind: the server's first requests import and cache."""
    rng = random.Random(0)
    for kind in ("overview", "customers", "customer", "nps", "contact_check"):
        method, path, body, headers = _call(plan, kind, rng)
        _request(plan.port, method, path, body, headers)


def _client(plan: _Plan, seed: int, samples: list[Sample]) -> None:
    rng = random.Random(seed)
    kinds, weights = list(MIX), list(MIX.values())
    while time.perf_counter() < plan.deadline:
        kind = rng.choices(kinds, weights)[0]
        method, path, body, headers = _call(plan, kind, rng)
        started = time.perf_counter()
        try:
            status, data = _request(plan.port, method, path, body, headers)
            error = None if 200 <= status < 300 else f"{status} {_message(data)}"
        except Exception as exc:  # any failure is an error of the run, reported as such
            error = f"{type(exc).__name__}: {exc}"
        samples.append(Sample(kind, (time.perf_counter() - started) * 1000, error))


def _message(data: bytes) -> str:
    try:
        return str(json.loads(data)["error"]["message"])[:200]
    except (ValueError, KeyError, TypeError):
        return data[:200].decode("utf-8", "replace")


def _latency(ms: list[float]) -> dict[str, Any]:
    if not ms:
        return {"requests": 0, "p50_ms": None, "p99_ms": None}
    p50, p99 = np.percentile(np.asarray(ms), [50, 99])
    return {"requests": len(ms), "p50_ms": round(float(p50), 1), "p99_ms": round(float(p99), 1)}


def summarize(
    samples: list[Sample], *, elapsed_s: float, clients: int, duration_s: float
) -> dict[str, Any]:
    """Requests, errors and p50/p99 latency per kind and overall."""
    kinds: dict[str, Any] = {}
    for kind in MIX:
        mine = [s for s in samples if s.kind == kind]
        kinds[kind] = {
            **_latency([s.ms for s in mine]),
            "errors": sum(s.error is not None for s in mine),
        }
    failed = [s for s in samples if s.error is not None]
    return {
        "status": "ok",
        "clients": clients,
        "duration_s": duration_s,
        "elapsed_s": round(elapsed_s, 2),
        **_latency([s.ms for s in samples]),
        "requests_per_s": round(len(samples) / elapsed_s, 1) if elapsed_s else None,
        "errors": len(failed),
        "error_examples": sorted({f"{s.kind}: {s.error}" for s in failed})[:5],
        "by_kind": kinds,
    }


def count_duplicates(db: Path) -> dict[str, int]:
    """Rows beyond one per natural key, in orders and customers."""
    from legame.store import Workspace

    with Workspace.open(db, read_only=True) as ws:
        return {table: int(ws.con.execute(sql).fetchall()[0][0]) for table, sql in _DUPLICATES}


_DUPLICATES = (
    ("orders", "SELECT count(*) - count(DISTINCT order_id) FROM orders"),
    ("customers", "SELECT count(*) - count(DISTINCT customer_id) FROM customers"),
)
