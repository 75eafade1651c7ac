"""The benchmark's inputs, written in chunks: nothing holds the whole input in memory.

* :func:`write_transactions` draws the pure BG/NBD + Gamma-Gamma purchase process
  (:func:`legame.simulate.transactions`) and writes exactly ``size`` orders (cut at a
  customer boundary, so every customer's history is whole) to Parquet and CSV, and the
  customers with two static covariates whose effects are planted
  (:mod:`legame.bench.customers`) to ``customers.parquet``.
* :func:`write_contact_log` writes a seeded contact log (messages and consents) for the
  contact governor's latency phase.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from legame.bench.customers import Latent, customers_of
from legame.errors import BenchError
from legame.simulate.transactions import BLOCK, transactions

#: Customers per chunk drawn from the simulator (about 2.2 million rows per chunk).
CHUNK_CUSTOMERS = 500_000
#: Mean orders per customer of the simulator's default world, measured; only used to size
#: the draw (the cut makes the row count exact whatever the true mean).
ORDERS_PER_CUSTOMER = 4.45


@dataclass(frozen=True)
class Transactions:
    """Where one size's orders are, and what they hold."""

    parquet: Path
    csv: Path
    rows: int
    customers: int
    until: date  # the day of the last order: the cutoff both libraries use
    parquet_bytes: int
    csv_bytes: int
    customers_parquet: Path  # customer_id, country, acquisition_channel (an extra column)

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out.update(
            parquet=str(self.parquet),
            csv=str(self.csv),
            until=self.until.isoformat(),
            customers_parquet=str(self.customers_parquet),
        )
        return out


def write_transactions(size: int, folder: Path, *, seed: int = 0) -> Transactions:
    """Write the first customers of the simulator's world until ``size`` orders, as
    ``orders.parquet`` and ``orders.csv`` in ``folder`` (the same rows in both), and those
    customers as ``customers.parquet``."""
    folder.mkdir(parents=True, exist_ok=True)
    parquet, csv = folder / "orders.parquet", folder / "orders.csv"
    people = folder / "customers.parquet"
    latent = Latent(seed)
    # Draw more customers than needed: the cut stops the stream early.
    customers = max(BLOCK, math.ceil(1.2 * size / ORDERS_PER_CUSTOMER))
    rows = kept_customers = 0
    last = None
    writers: tuple[pq.ParquetWriter, pacsv.CSVWriter, pq.ParquetWriter] | None = None
    try:
        for chunk in transactions(customers, seed=seed, chunk_customers=CHUNK_CUSTOMERS):
            part = _cut(chunk, size - rows)
            them = customers_of(part, latent)
            if writers is None:
                writers = (
                    pq.ParquetWriter(parquet, part.schema),
                    pacsv.CSVWriter(csv, part.schema),
                    pq.ParquetWriter(people, them.schema),
                )
            writers[0].write_table(part)
            writers[1].write_table(part)
            writers[2].write_table(them)
            rows += part.num_rows
            kept_customers += them.num_rows
            stamp = pc.max(part.column("ordered_at")).as_py()
            last = stamp if last is None or stamp > last else last
            if part.num_rows < chunk.num_rows or rows >= size:
                break
    finally:
        for writer in writers or ():
            writer.close()
    if rows < size:
        raise BenchError(f"the simulator gave {rows:,} orders, fewer than {size:,}")
    assert last is not None
    return Transactions(
        parquet,
        csv,
        rows,
        kept_customers,
        last.date(),
        parquet.stat().st_size,
        csv.stat().st_size,
        people,
    )


def _cut(chunk: pa.Table, room: int) -> pa.Table:
    """The chunk's rows up to ``room`` orders, extended to the end of the last customer
    (rows are grouped by customer)."""
    if chunk.num_rows <= room:
        return chunk
    ids = chunk.column("customer_id")
    last = ids[room - 1].as_py()
    end = room
    while end < chunk.num_rows and ids[end].as_py() == last:
        end += 1
    return chunk.slice(0, end)


#: A day's orders, as a share of the whole history (10,000 at 10M orders).
DAY_SHARE = 1 / 1000
#: Of a day's orders, the share by customers already known (the others are new customers).
DAY_KNOWN_CUSTOMERS = 0.8


def write_day(data: Transactions, folder: Path, *, seed: int = 0) -> tuple[Path, int, date]:
    """A day's orders after the history's last day, as ``day.parquet`` in ``folder`` (the
    history's columns and types): ``size * DAY_SHARE`` orders, most by customers of the
    history (drawn from the first row group of ``customers.parquet``), the rest by new ones.
    Returns the file, its orders and their day."""
    rng = np.random.default_rng(seed + 1)
    n = max(100, round(data.rows * DAY_SHARE))
    people = pq.ParquetFile(data.customers_parquet)
    known = people.read_row_group(0, columns=["customer_id"]).column(0).to_numpy(False)
    n_known = round(n * DAY_KNOWN_CUSTOMERS)
    ids = np.concatenate(
        [
            rng.choice(known, n_known),
            np.array([f"D{i:08d}" for i in rng.integers(0, n, n - n_known)], dtype=object),
        ]
    )
    day = data.until + timedelta(days=1)
    start = np.datetime64(datetime.combine(day, datetime.min.time()), "ms")
    schema = pq.read_schema(data.parquet)
    orders = pa.table(
        {
            "order_id": pa.array([f"D{i:09d}" for i in range(n)], pa.string()),
            "customer_id": pa.array(ids, pa.string()),
            "ordered_at": pa.array(
                start + rng.integers(0, 86_400_000, n).astype("timedelta64[ms]"),
                schema.field("ordered_at").type,
            ),
            "amount": pa.array(
                [Decimal(f"{x:.2f}") for x in rng.gamma(4.0, 12.0, n)],
                schema.field("amount").type,
            ),
        }
    ).select(schema.names)
    path = folder / "day.parquet"
    pq.write_table(orders.cast(schema), path)
    return path, n, day


@dataclass(frozen=True)
class ContactLog:
    messages: Path
    consents: Path
    n_messages: int
    n_customers: int


def write_contact_log(
    folder: Path,
    *,
    n_messages: int = 1_000_000,
    n_customers: int = 100_000,
    end: datetime = datetime(2025, 6, 30),
    days: int = 365,
    seed: int = 0,
) -> ContactLog:
    """A seeded year of sends (heavy-tailed per customer: a few customers get many more
    messages) on email, sms and push, and the customers' consents, as Parquet files."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    ids = np.array([f"C{i:07d}" for i in range(n_customers)], dtype=object)
    start = np.datetime64(end - timedelta(days=days), "s")
    weight = rng.pareto(2.0, n_customers) + 0.2
    who = rng.choice(n_customers, n_messages, p=weight / weight.sum())
    channels = np.array(["email", "sms", "push"], dtype=object)
    messages = pa.table(
        {
            "message_id": pa.array([f"M{i:08d}" for i in range(n_messages)], pa.string()),
            "customer_id": pa.array(ids[who], pa.string()),
            "channel": pa.array(rng.choice(channels, n_messages, p=[0.7, 0.2, 0.1]), pa.string()),
            "sent_at": pa.array(
                start + rng.integers(0, days * 86_400, n_messages).astype("timedelta64[s]"),
                pa.timestamp("s"),
            ),
        }
    )
    consent_ids, consent_channels = [], []
    for name, share in (("email", 0.85), ("sms", 0.4), ("push", 0.5)):
        granted = np.flatnonzero(rng.random(n_customers) < share)
        consent_ids.append(ids[granted])
        consent_channels.append(np.full(granted.size, name, dtype=object))
    all_ids = np.concatenate(consent_ids)
    consents = pa.table(
        {
            "customer_id": pa.array(all_ids, pa.string()),
            "channel": pa.array(np.concatenate(consent_channels), pa.string()),
            "status": pa.array(np.full(all_ids.size, "granted", dtype=object), pa.string()),
            "at": pa.array(
                np.full(all_ids.size, start - np.timedelta64(30, "D")), pa.timestamp("s")
            ),
        }
    )
    paths = folder / "messages.parquet", folder / "consents.parquet"
    pq.write_table(messages, paths[0])
    pq.write_table(consents, paths[1])
    return ContactLog(paths[0], paths[1], n_messages, n_customers)
