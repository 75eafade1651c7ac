"""How fast the governor answers: ``check`` latency and ``plan`` throughput.

::

    python -m legame.engage.governor.bench --messages 1000000 --checks 5000 --audience 100000

builds a synthetic workspace (seeded; or pass ``--db`` to measure an existing one) and
prints the figures as JSON. :func:`check_latency` and :func:`plan_throughput` take any
workspace, for the project's benchmark.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from legame.engage.governor.core import Governor
from legame.policy import DEFAULT_POLICY, Policy
from legame.sql.quote import identifier
from legame.store import Workspace

BENCH_SOURCE = "legame.engage.governor.bench"
ZONES = ("Europe/Rome", "Europe/Madrid", "Europe/Berlin", "America/New_York", "Asia/Tokyo", None)


def _batch(ws: Workspace, table: str, rows: int) -> int:
    batch_id = int(ws.con.execute("SELECT nextval('batch_seq')").fetchall()[0][0])
    ws.con.execute(
        "INSERT INTO batches VALUES (?, ?, ?, NULL, 'synthetic', NULL, now()::TIMESTAMP, "
        "now()::TIMESTAMP, ?, ?, 0, 0, 0, 0)",
        [batch_id, table, BENCH_SOURCE, rows, rows],
    )
    return batch_id


def _insert(ws: Workspace, table: str, data: pa.Table) -> None:
    batch_id = _batch(ws, table, data.num_rows)
    ws.con.register("_bench", data)
    try:
        cols = ", ".join(identifier(c) for c in data.column_names)
        # sql-built: the table and its columns, each name quoted.
        ws.con.execute(
            f"INSERT INTO {identifier(table)} ({cols}, _batch_id, _source_file) "
            f"SELECT {cols}, ?, ? FROM _bench",
            [batch_id, BENCH_SOURCE],
        )
    finally:
        ws.con.unregister("_bench")


def build_workspace(
    path: str | Path,
    *,
    n_messages: int = 1_000_000,
    n_customers: int = 100_000,
    end: datetime = datetime(2025, 6, 30),
    days: int = 365,
    seed: int = 0,
) -> Workspace:
    """A workspace with a seeded synthetic contact log (customers, messages, consents,
    tickets) ending at ``end``; every table's rows carry one bookkeeping batch."""
    rng = np.random.default_rng(seed)
    ws = Workspace.create(path)
    ids = np.array([f"C{i:07d}" for i in range(n_customers)], dtype=object)
    start = np.datetime64(end - timedelta(days=days), "s")
    span = days * 86_400

    def instants(n: int) -> pa.Array:
        return pa.array(
            start + rng.integers(0, span, n).astype("timedelta64[s]"), pa.timestamp("us")
        )

    zone = rng.integers(0, len(ZONES), n_customers)
    with ws.transaction():
        _insert(
            ws,
            "customers",
            pa.table(
                {
                    "customer_id": pa.array(ids, pa.string()),
                    "time_zone": pa.array([ZONES[z] for z in zone], pa.string()),
                }
            ),
        )
        # Heavy-tailed contact: some customers get many more messages than others.
        weight = rng.pareto(2.0, n_customers) + 0.2
        cust = rng.choice(n_customers, n_messages, p=weight / weight.sum())
        channel = rng.choice(
            np.array(["email", "sms", "push"], dtype=object), n_messages, p=[0.7, 0.2, 0.1]
        )
        sent = instants(n_messages)
        sent_np = sent.to_numpy(zero_copy_only=False)
        later = sent_np + np.timedelta64(2, "h")
        complained = np.where(rng.random(n_messages) < 0.001, later, np.datetime64("NaT"))
        unsubscribed = np.where(rng.random(n_messages) < 0.003, later, np.datetime64("NaT"))
        _insert(
            ws,
            "messages",
            pa.table(
                {
                    "message_id": pa.array([f"M{i:08d}" for i in range(n_messages)], pa.string()),
                    "customer_id": pa.array(ids[cust], pa.string()),
                    "channel": pa.array(channel, pa.string()),
                    "sent_at": sent,
                    "complained_at": pa.array(complained, pa.timestamp("us")),
                    "unsubscribed_at": pa.array(unsubscribed, pa.timestamp("us")),
                }
            ),
        )
        consent_rows: dict[str, list[Any]] = {
            k: [] for k in ("customer_id", "channel", "status", "at")
        }
        first = np.datetime64(end - timedelta(days=days + 30), "s")
        for name, share in (("email", 0.85), ("sms", 0.4), ("push", 0.5)):
            who = np.flatnonzero(rng.random(n_customers) < share)
            consent_rows["customer_id"] += list(ids[who])
            consent_rows["channel"] += [name] * who.size
            consent_rows["status"] += ["granted"] * who.size
            consent_rows["at"] += list(np.full(who.size, first))
            gone = who[rng.random(who.size) < 0.05]
            consent_rows["customer_id"] += list(ids[gone])
            consent_rows["channel"] += [name] * gone.size
            consent_rows["status"] += ["withdrawn"] * gone.size
            consent_rows["at"] += list(instants(gone.size).to_numpy(zero_copy_only=False))
        _insert(
            ws,
            "consents",
            pa.table(
                {
                    "customer_id": pa.array(consent_rows["customer_id"], pa.string()),
                    "channel": pa.array(consent_rows["channel"], pa.string()),
                    "status": pa.array(consent_rows["status"], pa.string()),
                    "at": pa.array(
                        np.array(consent_rows["at"], dtype="datetime64[s]"), pa.timestamp("us")
                    ),
                }
            ),
        )
        n_tickets = max(1, n_customers // 5)
        opened = instants(n_tickets).to_numpy(zero_copy_only=False)
        hours = rng.exponential(30.0, n_tickets).astype("timedelta64[h]")
        resolved = np.where(rng.random(n_tickets) < 0.9, opened + hours, np.datetime64("NaT"))
        _insert(
            ws,
            "tickets",
            pa.table(
                {
                    "ticket_id": pa.array([f"T{i:07d}" for i in range(n_tickets)], pa.string()),
                    "customer_id": pa.array(
                        ids[rng.integers(0, n_customers, n_tickets)], pa.string()
                    ),
                    "opened_at": pa.array(opened, pa.timestamp("us")),
                    "resolved_at": pa.array(resolved, pa.timestamp("us")),
                }
            ),
        )
    ws.con.execute("CHECKPOINT")
    return ws


def _at(ws: Workspace) -> datetime:
    latest = ws.con.execute("SELECT max(sent_at) FROM messages").fetchall()[0][0]
    return latest or datetime(2025, 6, 30)


def check_latency(
    workspace: Workspace,
    n_checks: int,
    *,
    policy: Policy | None = None,
    seed: int = 0,
    warmup: int = 50,
) -> dict[str, Any]:
    """Median, p99 (and more) of ``Governor.check`` wall time over ``n_checks`` checks.

    Customers are drawn at random (seeded) from the workspace, channels from the policy's
    channels that the log uses, and instants across one day after the log's last send
    (so some checks land in quiet hours). ``warmup`` checks run first and are not timed.
    """
    gov = Governor(workspace, policy or DEFAULT_POLICY)
    rng = np.random.default_rng(seed)
    con = workspace.con
    ids = [r[0] for r in con.execute("SELECT customer_id FROM customers").fetchall()]
    used = {r[0] for r in con.execute("SELECT DISTINCT channel FROM messages").fetchall()}
    channels = [c for c in gov.policy.contact.channels if c in used] or ["email"]
    base = _at(workspace)
    total = warmup + n_checks
    picks = rng.integers(0, len(ids), total)
    chans = rng.integers(0, len(channels), total)
    offsets = rng.integers(0, 86_400, total)
    times, allowed = [], 0
    for i in range(total):
        at = base + timedelta(seconds=int(offsets[i]))
        t0 = time.perf_counter()
        decision = gov.check(ids[picks[i]], channels[chans[i]], at)
        elapsed = time.perf_counter() - t0
        if i >= warmup:
            times.append(elapsed)
            allowed += decision.allowed
    ms = np.array(times) * 1e3
    return {
        "n_checks": n_checks,
        "messages": workspace.count("messages"),
        "customers": len(ids),
        "median_ms": round(float(statistics.median(ms)), 3),
        "p90_ms": round(float(np.percentile(ms, 90)), 3),
        "p99_ms": round(float(np.percentile(ms, 99)), 3),
        "max_ms": round(float(ms.max()), 3),
        "mean_ms": round(float(ms.mean()), 3),
        "allowed_share": round(allowed / n_checks, 3),
    }


def plan_throughput(
    workspace: Workspace,
    n_audience: int,
    *,
    channel: str = "email",
    policy: Policy | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Wall time of one ``Governor.plan`` over ``n_audience`` rows drawn (with repeats,
    seeded) from the workspace's customers, at the log's last send."""
    gov = Governor(workspace, policy or DEFAULT_POLICY)
    rng = np.random.default_rng(seed)
    ids = np.array(
        [r[0] for r in workspace.con.execute("SELECT customer_id FROM customers").fetchall()],
        dtype=object,
    )
    audience = pa.array(ids[rng.integers(0, ids.size, n_audience)], pa.string())
    t0 = time.perf_counter()
    result = gov.plan(audience, channel, _at(workspace))
    seconds = time.perf_counter() - t0
    return {
        "audience": n_audience,
        "messages": workspace.count("messages"),
        "seconds": round(seconds, 3),
        "rows_per_second": round(n_audience / seconds),
        **result.counts(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="measure this workspace instead of a synthetic one")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--checks", type=int, default=5_000)
    parser.add_argument("--audience", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if args.db:
            ws = Workspace.open(args.db)
        else:
            t0 = time.perf_counter()
            ws = build_workspace(
                Path(tmp) / "bench.duckdb",
                n_messages=args.messages,
                n_customers=args.customers,
                seed=args.seed,
            )
            print(f"built a synthetic workspace in {time.perf_counter() - t0:.1f} s", flush=True)
        with ws:
            report = {
                "check": check_latency(ws, args.checks, seed=args.seed),
                "plan": plan_throughput(ws, args.audience, seed=args.seed),
            }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
