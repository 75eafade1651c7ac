"""Faults survived (issue 16): `legame serve` killed during an API ingest and during an
erasure, at every moment the process marks (legame.store.moments); a full disk during
ingest and score; a read-only database file. Each leaves the store as it was before (or,
after the commit, as after) and says so clearly."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from legame.ingest import ingest
from legame.simulate import simulate
from legame.store import Workspace
from legame.store.keys import create_key
from legame.store.schema import TABLES
from tests.conftest import run_legame, start_serve, stop_env, stop_serve, wait_stopped

pytestmark = pytest.mark.slow

BOOKKEEPING = ("batches", "rejects", "row_changes", "audit_log")


def counts(db: Path) -> dict[str, int]:
    with Workspace.open(db, read_only=True) as ws:
        return {name: ws.count(name) for name in (*TABLES, *BOOKKEEPING)}


def orders_csv(path: Path, start: int, n: int, customers: int = 50) -> Path:
    lines = ["order_id,customer_id,ordered_at,amount"]
    lines += [
        f"O{i},C{i % customers},2025-03-0{1 + i % 9},{5 + i % 11}" for i in range(start, start + n)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A workspace with orders, a customer with an e-mail and a comment, and an admin key."""
    folder = tmp_path_factory.mktemp("faults")
    db = folder / "base.duckdb"
    Workspace.create(db).close()
    simulated = simulate(folder / "sim", customers=800, seed=3, mc_customers=10_000)
    with Workspace.open(db) as ws:
        ingest(ws, "orders", [simulated.paths["orders"]])  # enough history to score
        ingest(ws, "orders", [orders_csv(folder / "o.csv", 0, 500)])
        customers = folder / "c.csv"
        customers.write_text("customer_id,email\nC7,gianna.bianchi.4471@example.it\n")
        ingest(ws, "customers", [customers])
        survey = folder / "s.csv"
        survey.write_text(
            "response_id,customer_id,answered_at,nps,comment\n"
            "S1,C7,2025-03-02,2,the refund never came qpwx\n"
        )
        ingest(ws, "survey_responses", [survey])
        key = create_key(ws, "admin")[0]
    return db, key


def copy_of(base_db: Path, folder: Path) -> Path:
    db = folder / "ws.duckdb"
    shutil.copy(base_db, db)
    return db


def in_background(call) -> threading.Thread:
    """Run a request that will never get its answer (the server is killed under it)."""

    def run() -> None:
        with contextlib.suppress(httpx.TransportError):
            call()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("moment", ["ingest.staged", "ingest.written", "ingest.committed"])
def test_serve_killed_during_an_api_ingest(base, tmp_path: Path, moment: str) -> None:
    db = copy_of(base[0], tmp_path)
    before = counts(db)
    upload = orders_csv(tmp_path / "more.csv", 400, 300)  # 100 known, 200 new orders
    env = stop_env(moment, tmp_path)
    proc, url = start_serve(db, env=env)
    thread = in_background(
        lambda: httpx.post(
            f"{url}/api/v1/ingest/orders",
            headers={"Authorization": f"Bearer {base[1]}"},
            files={"file": ("more.csv", upload.read_bytes(), "text/csv")},
            timeout=600,
        )
    )
    wait_stopped(proc, env)
    thread.join()
    after = counts(db)
    if moment == "ingest.committed":
        assert after["orders"] == before["orders"] + 200
        assert after["batches"] == before["batches"] + 1
    else:
        # Seen once under heavy load (the upload committed although the server was killed
        # before COMMIT): say what the server logged, to find out why if it happens again.
        logs = "\n".join(
            p.read_text(errors="replace") for p in sorted(tmp_path.glob("serve-*.log"))
        )
        assert after == before, f"server logs:\n{logs}"
    # The server starts again on the same file, and the same upload is whole afterwards.
    proc, url = start_serve(db)
    try:
        answer = httpx.post(
            f"{url}/api/v1/ingest/orders",
            headers={"Authorization": f"Bearer {base[1]}"},
            files={"file": ("more.csv", upload.read_bytes(), "text/csv")},
            timeout=600,
        ).json()
    finally:
        stop_serve(proc)
    assert answer["inserted"] == (0 if moment == "ingest.committed" else 200)
    assert counts(db)["orders"] == before["orders"] + 200


ERASURE_MOMENTS = ["erasure.deleted", "erasure.committed", "erasure.copied", "erasure.renamed"]


@pytest.mark.parametrize("moment", ERASURE_MOMENTS)
def test_serve_killed_during_an_erasure(base, tmp_path: Path, moment: str) -> None:
    db = copy_of(base[0], tmp_path)
    secrets = (b"gianna.bianchi.4471@example.it", b"the refund never came qpwx")
    with Workspace.open(db) as ws:
        ws.con.execute("FORCE CHECKPOINT")
    assert all(s in db.read_bytes() for s in secrets)
    env = stop_env(moment, tmp_path)
    proc, url = start_serve(db, env=env)
    thread = in_background(
        lambda: httpx.delete(
            f"{url}/api/v1/customers/C7",
            headers={"Authorization": f"Bearer {base[1]}"},
            timeout=600,
        )
    )
    wait_stopped(proc, env)
    thread.join()
    # The next process to open the workspace for writing finishes what was committed.
    status = run_legame("status", "--db", db, "--json")
    assert status.returncode == 0, status.stderr
    with Workspace.open(db) as ws:
        left = ws.con.execute("SELECT count(*) FROM orders WHERE customer_id = 'C7'").fetchall()
        actions = [r[0] for r in ws.con.execute("SELECT action FROM audit_log").fetchall()]
    assert not db.with_name(db.name + ".rewrite").exists()
    if moment == "erasure.deleted":  # not committed: as before, nothing to finish
        assert left == [(10,)] and "forget" not in actions
        assert all(s in db.read_bytes() for s in secrets)
    else:
        assert left == [(0,)] and actions.count("forget") == 1
        assert actions.count("forget_verified") == 1
        data = db.read_bytes()
        assert not any(s in data for s in secrets)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A folder on a 24 MB file system of its own (a tmpfs), so a write can fill it."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, f"this test needs to mount a tmpfs: {done.stderr}"
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path, leave: int) -> None:
    """Fill the file system of ``folder`` up to ``leave`` bytes free."""
    free = shutil.disk_usage(folder).free
    with (folder / "filler.bin").open("wb") as fh:
        fh.write(b"\0" * max(0, free - leave))


def test_a_full_disk_during_ingest_and_score_leaves_the_store_as_before(
    base, small_disk: Path, tmp_path: Path
) -> None:
    db = copy_of(base[0], small_disk)
    big = orders_csv(tmp_path / "big.csv", 10_000, 150_000, customers=40_000)
    before = counts(db)
    fill(small_disk, leave=3 * 1024 * 1024)
    result = run_legame("ingest", "orders", big, "--db", db)
    assert result.returncode == 1
    assert "disk" in result.stderr.lower() and "space" in result.stderr.lower()
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    (small_disk / "filler.bin").unlink()
    assert counts(db) == before
    # The score needs room for customer_value too; with none it fails whole, and clearly.
    fill(small_disk, leave=64 * 1024)
    result = run_legame("score", "--db", db)
    assert result.returncode == 1 and "space" in result.stderr.lower(), result.stderr
    (small_disk / "filler.bin").unlink()
    assert counts(db) == before
    with Workspace.open(db, read_only=True) as ws:
        scored = ws.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'customer_value'"
        ).fetchall()
    assert scored == [(0,)]


def test_a_read_only_database_file_is_refused_for_writes_and_read_for_reads(
    base, small_disk: Path, tmp_path: Path
) -> None:
    db = copy_of(base[0], small_disk)
    before = counts(db)
    remount = subprocess.run(
        ["mount", "-o", "remount,ro", str(small_disk)], capture_output=True, text=True
    )
    assert remount.returncode == 0, remount.stderr
    result = run_legame("ingest", "orders", orders_csv(tmp_path / "x.csv", 900, 5), "--db", db)
    assert result.returncode == 1
    assert "read-only" in result.stderr.lower() and "Traceback" not in result.stderr
    status = run_legame("status", "--db", db, "--json")
    assert status.returncode == 0, status.stderr
    assert counts(db) == before
