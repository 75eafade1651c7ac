"""The latencies a user meets (``legame bench``'s latency phase; issue 19, item 7).

:func:`run_latency` serves a workspace with the real app (:func:`legame.api.app.create_app`)
on uvicorn, on 127.0.0.1 and a free port, in a thread of this process; creates an analyst
key (the least role that reads every surface below); signs in with it as a browser does
(``GET /signin``, then ``POST /signin`` with the form's token) for the pages, and sends it as
``Authorization: Bearer`` to the API. The server starts as `legame serve` does: it makes the
default overview and its copy of the customer list first (``warm_s``, the seconds that
took, is reported), and the timing starts when they are ready. Then, one surface after
another, one client with a kept-alive connection: ``warmups`` requests untimed (the first
one's time is kept as ``first_ms``: what the first visitor meets, before the caches), then
``requests`` timed, from sending the request to reading the whole body. Per surface: p50,
p95 and the slowest in milliseconds, and the statuses (any but 200 is an error).

The surfaces: the overview, the customer list (plain, searched by a real id prefix, and at
its middle page), a customer 360, the comments, the cases, the findings, the engagement
page, and the API reads of the same. The workspace's rows per table are reported beside
them: a workspace without survey answers or tickets still answers every page, with less
on it.
"""

from __future__ import annotations

import os
import re
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np

from legame.errors import BenchError

Log = Callable[[str], None]

#: Untimed requests before the timed ones, and timed requests, per surface.
WARMUPS = 2
REQUESTS = 20
#: The tables whose rows the report shows (what the pages have to show).
TABLES = (
    "orders",
    "customers",
    "customer_scores",
    "survey_responses",
    "tickets",
    "charges",
    "referrals",
    "messages",
    "cases",
    "findings",
    "gestures",
)
#: Page sizes of the dashboard's customer list and of the API's (their defaults).
WEB_PAGE_SIZE = 25
API_PAGE_SIZE = 50
#: Seconds to wait for the server to start, to make what it keeps, and for one request.
START_TIMEOUT_S = 60.0
WARM_TIMEOUT_S = 1800.0
REQUEST_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Surface:
    """A page or API read: its name in the report, and the path asked for."""

    name: str
    path: str


@dataclass(frozen=True)
class Facts:
    """What the workspace holds: customers in the list, the middle one, rows per table."""

    listed: int
    middle_id: str
    rows: dict[str, int]

    @property
    def prefix(self) -> str:
        """A real id prefix: the middle customer's id less its last two characters."""
        return self.middle_id[: max(1, len(self.middle_id) - 2)]


def surfaces(facts: Facts) -> tuple[Surface, ...]:
    """Every surface timed, with the deep pages at the middle of the list."""
    web_page = max(1, -(-facts.listed // WEB_PAGE_SIZE) // 2)
    api_page = max(1, -(-facts.listed // API_PAGE_SIZE) // 2)
    q = quote(facts.prefix, safe="")
    one = quote(facts.middle_id, safe="")
    return (
        Surface("overview", "/"),
        Surface("customers", "/customers"),
        Surface("customers ?q=", f"/customers?q={q}"),
        Surface("customers ?page=", f"/customers?page={web_page}"),
        Surface("customer 360", f"/customers/{one}"),
        Surface("comments", "/comments"),
        Surface("cases", "/cases"),
        Surface("findings", "/findings"),
        Surface("engagement", "/engagement"),
        Surface("api overview", "/api/v1/overview"),
        Surface("api customers", "/api/v1/customers"),
        Surface("api customers ?page=", f"/api/v1/customers?page={api_page}"),
        Surface("api nps by month", "/api/v1/nps?by=month"),
        Surface("api headline", "/api/v1/headline"),
        Surface("api segments", "/api/v1/segments"),
        Surface("api gesture plan", "/api/v1/gestures/plan"),
    )


def workspace_facts(db: Path) -> tuple[Facts, str]:
    """The workspace's facts, and a new analyst key (the bench's workspace is its own)."""
    from legame.store import Workspace
    from legame.store.bookkeeping import has_table
    from legame.store.keys import create_key
    from legame.views import list_customers

    with Workspace.open(db) as ws:
        if not has_table(ws, "customer_scores"):
            raise BenchError(f"the latency phase needs a scored workspace; {db} is not scored")
        listed = int(list_customers(ws, page_size=1)["total"])
        middle = ws.con.execute(
            "SELECT customer_id FROM customer_scores ORDER BY customer_id LIMIT 1 OFFSET ?",
            [max(0, listed // 2)],
        ).fetchall()
        rows = {table: ws.count(table) for table in TABLES if has_table(ws, table)}
        key, _ = create_key(ws, "analyst", "bench latency")
    if not middle:
        raise BenchError(f"the latency phase needs scored customers; {db} has none")
    return Facts(listed, str(middle[0][0]), rows), key


@contextmanager
def serving(db: Path) -> Iterator[tuple[str, float]]:
    """The app over ``db`` on uvicorn, 127.0.0.1 and a free port, in a thread, as `legame
    serve` runs it (it makes the default overview and the copy of the customer list as it
    starts); its URL, and the seconds from the start until they were ready."""
    import socket

    import uvicorn

    from legame.api.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    app = create_app(db, warm=True)
    started = time.perf_counter()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise BenchError(f"the latency phase's server did not start in {START_TIMEOUT_S:g} s")
        time.sleep(0.05)
    try:
        if not app.state.warmed.wait(WARM_TIMEOUT_S):
            raise BenchError(f"the server was not ready in {WARM_TIMEOUT_S:g} s")
        yield f"http://127.0.0.1:{port}", time.perf_counter() - started
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _signed_in(url: str, key: str) -> Any:
    """A client with a dashboard session of ``key``, as a browser gets one."""
    import httpx

    client = httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S)
    form = client.get("/signin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    if token is None:
        raise BenchError("the latency phase found no csrf_token on /signin")
    done = client.post(
        "/signin",
        data={"key": key, "csrf_token": token.group(1), "next": "/"},
        follow_redirects=False,
    )
    if done.status_code != 303:
        raise BenchError(f"the latency phase could not sign in: {done.status_code}")
    return client


def time_surface(client: Any, path: str, *, requests: int, warmups: int) -> dict[str, Any]:
    """``warmups`` untimed requests, then ``requests`` timed: p50, p95, the slowest (ms)."""
    statuses: dict[str, int] = {}
    first_ms: float | None = None
    ms: list[float] = []
    for i in range(warmups + requests):
        started = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1
        if i == 0:
            first_ms = elapsed
        if i >= warmups:
            ms.append(elapsed)
    p50, p95 = np.percentile(np.asarray(ms), [50, 95])
    return {
        "path": path,
        "first_ms": None if first_ms is None else round(first_ms, 1),
        "p50_ms": round(float(p50), 1),
        "p95_ms": round(float(p95), 1),
        "max_ms": round(max(ms), 1),
        "mean_ms": round(statistics.fmean(ms), 1),
        "statuses": statuses,
        "errors": sum(n for code, n in statuses.items() if code != "200"),
    }


def run_latency(
    db: str | Path, *, requests: int = REQUESTS, warmups: int = WARMUPS, log: Log | None = None
) -> dict[str, Any]:
    """Serve ``db`` and time every surface (see the module's docstring)."""
    import httpx

    from legame.bench.targets import LATENCY_FIRST_HELD, latency_target_ms

    if requests < 1 or warmups < 0:
        raise BenchError(
            f"the latency phase needs requests >= 1 and warmups >= 0; got {requests}, {warmups}"
        )
    facts, key = workspace_facts(Path(db))
    load_start = _load()
    timed: dict[str, Any] = {}
    with serving(Path(db)) as (url, warm_s):
        pages = _signed_in(url, key)
        api = httpx.Client(
            base_url=url,
            timeout=REQUEST_TIMEOUT_S,
            headers={"Authorization": f"Bearer {key}"},
        )
        try:
            for surface in surfaces(facts):
                client = api if surface.path.startswith("/api/") else pages
                figures = time_surface(client, surface.path, requests=requests, warmups=warmups)
                timed[surface.name] = {
                    **figures,
                    "target_ms": latency_target_ms(surface.name),
                    "first_held": surface.name in LATENCY_FIRST_HELD,
                }
                if log is not None:
                    log(
                        f"    {surface.name:<22} p50 {figures['p50_ms']:8.1f} ms  "
                        f"p95 {figures['p95_ms']:8.1f} ms  errors {figures['errors']}"
                    )
        finally:
            pages.close()
            api.close()
    return {
        "status": "ok",
        "requests": requests,
        "warmups": warmups,
        "customers_listed": facts.listed,
        "id_prefix": facts.prefix,
        "rows": facts.rows,
        "warm_s": round(warm_s, 1),
        "load_avg_start": load_start,
        "load_avg_end": _load(),
        "surfaces": timed,
    }


def _load() -> list[float]:
    """The machine's load averages (1, 5, 15 min): the figures are read beside them."""
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else []
