"""The server's kept copy of the customer list: any page, sort, filter or search at once.

``customer_scores`` is a view: every read of it joins 2.2 million customers with their
histories' predictions, some three seconds at the bench's size, and a sorted page deep in
the list costs more. The server keeps a copy of it (:class:`CustomerIndex`): the rows, with
the lower-case id and e-mail the search reads (defs/customer_keys), in an in-memory
DuckDB database of its own, numbered by position; and, per sort of the list and direction,
the positions in that order (NumPy permutations, ties broken by the customer id as the list
breaks them). A page is then the positions passing the filters (one scan of the copy), put
in the sort's order and cut; its rows are read by position. Unfiltered, it is a slice of
the permutation.

A copy is only used for the data it was made from: it carries the store's
:func:`~legame.views.cache.data_stamp` (latest batch, erasures, the scores' definition),
read in the same transaction as its rows, and :class:`Keeper` hands it out only while the
store's stamp is the same. When the data changes (an import, a score, an erasure), the
keeper drops the copy at once (an erased customer stays nowhere) and builds the next on a
thread; meanwhile the list is read from the store, as without a server
(:func:`legame.views.customers.list_customers` answers the same either way, which the tests
check page by page).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from legame import sql
from legame.store import Workspace
from legame.views.cache import data_stamp

#: Rows read from the store at a time while a copy is made.
BATCH_ROWS = 200_000
#: The positions' type: four bytes a customer and sort (up to 2**31 customers).
POSITION = np.int32
#: Customers whose scores :meth:`CustomerIndex.scores_of` keeps once read.
SCORES_KEPT = 1_000_000
#: The sorts the list offers whose values the copy orders (``customer_id`` is its own).
VALUE_SORTS = ("clv", "revenue", "p_alive", "last_order_at")

Session = Callable[[], AbstractContextManager[Workspace]]


@dataclass
class CustomerIndex:
    """A copy of ``customer_scores`` (with the search keys) made from the data of
    ``stamp``."""

    stamp: Hashable
    con: duckdb.DuckDBPyConnection
    size: int
    #: Per (sort, descending): the positions in the list's order.
    orders: dict[tuple[str, bool], np.ndarray] = field(default_factory=dict)
    #: The scores read by :meth:`scores_of`, by customer id (None: not scored).
    _scores: dict[str, dict[str, Any] | None] = field(default_factory=dict, repr=False)

    def order(self, sort: str, descending: bool) -> np.ndarray:
        return self.orders[(sort, descending)]

    def matching(self, filters: list[Any]) -> np.ndarray | None:
        """Positions of the customers passing ``filters`` (None: no filter is set)."""
        if all(value is None for value in filters):
            return None
        cur = self.con.cursor()
        try:
            found = cur.execute(sql.render("views/index/matching"), filters).fetchnumpy()
        finally:
            cur.close()
        return np.asarray(found["pos"], dtype=np.int64)

    def positions(self, filters: list[Any], sort: str, descending: bool) -> np.ndarray:
        """The positions of the customers passing ``filters``, in the order of ``sort``."""
        order = self.order(sort, descending)
        chosen = self.matching(filters)
        if chosen is None:
            return order
        passing = np.zeros(self.size, dtype=bool)
        passing[chosen] = True
        return order[passing[order]]

    def page(
        self, filters: list[Any], sort: str, descending: bool, offset: int, limit: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """How many customers pass ``filters``, and the rows ``offset .. offset+limit`` of
        them in the order of ``sort``."""
        chosen = self.positions(filters, sort, descending)
        return int(chosen.size), self.rows_at(chosen[offset : offset + limit])

    def rows_at(self, positions: np.ndarray) -> list[dict[str, Any]]:
        """The rows at ``positions``, in that order, as the list returns them."""
        if positions.size == 0:
            return []
        cur = self.con.cursor()
        try:
            found = cur.execute(sql.render("views/index/rows_at"), [positions.tolist()])
            names = [d[0] for d in found.description]
            by_position = {row[0]: row for row in found.fetchall()}
        finally:
            cur.close()
        assert names[0] == "pos"
        return [dict(zip(names[1:], by_position[int(p)][1:], strict=True)) for p in positions]

    def row_of(self, customer_id: str) -> dict[str, Any] | None:
        """One customer's scores, or None when the customer has none."""
        cur = self.con.cursor()
        try:
            found = cur.execute(sql.render("views/index/row_of"), [customer_id])
            names = [d[0] for d in found.description]
            rows = found.fetchall()
        finally:
            cur.close()
        return dict(zip(names, rows[0], strict=True)) if rows else None

    def scores_of(self, customers: list[str]) -> dict[str, dict[str, Any]]:
        """The current CLV and churn risk of ``customers`` (those with scores), by id.

        The copy never changes, so each customer's answer is kept once read (up to
        :data:`SCORES_KEPT` of them): the case queue sorted by CLV reads every case's
        customer on each page."""
        kept = self._scores
        missing = sorted({c for c in customers if c not in kept})
        if missing:
            cur = self.con.cursor()
            try:
                found = cur.execute(sql.render("views/index/scores_of"), [missing]).fetchall()
            finally:
                cur.close()
            read = {c: {"customer_id": c, "clv": clv, "churn_risk": risk} for c, clv, risk in found}
            if len(kept) + len(missing) <= SCORES_KEPT:
                kept.update({c: read.get(c) for c in missing})
            else:
                return {c: s for c in customers if (s := kept.get(c) or read.get(c)) is not None}
        return {c: s for c in customers if (s := kept[c]) is not None}

    def close(self) -> None:
        self.con.close()


def build(ws: Workspace) -> CustomerIndex:
    """A copy of the store's customer list as it is now (one snapshot: the stamp and the
    rows are read in one transaction)."""
    mem = duckdb.connect(":memory:")
    try:
        # A read-only transaction on a cursor of its own: the stamp and the rows are of the
        # same data, whatever commits meanwhile.
        cur = ws.con.cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
            stamp = data_stamp(Workspace(ws.path, cur))
            reader = cur.sql(sql.render("views/index/rows")).to_arrow_reader(BATCH_ROWS)
            size = _copy(reader, mem)
            cur.execute("COMMIT")
        finally:
            cur.close()
        index = CustomerIndex(stamp, mem, size)
        _sort(index)
        return index
    except BaseException:
        mem.close()
        raise


def _copy(reader: pa.RecordBatchReader, mem: duckdb.DuckDBPyConnection) -> int:
    """Every batch of ``reader`` into the table ``listed``, each row numbered (``pos``)."""
    size = 0
    for batch in reader:
        numbered = pa.Table.from_batches([batch]).add_column(
            0, "pos", pa.array(np.arange(size, size + batch.num_rows, dtype=np.int64))
        )
        _load(mem, numbered, "views/index/create" if size == 0 else "views/index/append")
        size += batch.num_rows
    if size == 0:  # no customer: the table, empty
        empty = pa.Table.from_batches([], schema=reader.schema)
        _load(mem, empty.add_column(0, "pos", pa.array([], pa.int64())), "views/index/create")
    return size


def _load(mem: duckdb.DuckDBPyConnection, rows: pa.Table, query: str) -> None:
    mem.register("incoming", rows)
    try:
        mem.execute(sql.render(query))
    finally:
        mem.unregister("incoming")


def _sort(index: CustomerIndex) -> None:
    """Every order the list offers, as positions (see the module's docstring)."""
    con = index.con
    by_id = np.asarray(
        con.execute(sql.render("views/index/id_order")).fetchnumpy()["pos"], dtype=POSITION
    )
    index.orders[("customer_id", False)] = by_id
    index.orders[("customer_id", True)] = by_id[::-1].copy()
    id_rank = np.empty(index.size, dtype=np.int64)
    id_rank[by_id] = np.arange(index.size)
    keys = con.execute(sql.render("views/index/sort_keys")).fetchnumpy()
    for name in VALUE_SORTS:
        missing = np.asarray(keys[f"{name}_null"], dtype=bool)
        nan = np.asarray(keys[f"{name}_nan"], dtype=bool)
        value = np.asarray(keys[name])
        value = np.where(nan, 0, value) if nan.any() else value
        # np.lexsort sorts by the last key first: missing last, then (descending) NaN first
        # and the larger values, or (ascending) the smaller values and NaN last; then the id.
        descending = np.lexsort((id_rank, -value, ~nan, missing))
        index.orders[(name, True)] = descending.astype(POSITION)
        index.orders[(name, False)] = np.lexsort((id_rank, value, nan, missing)).astype(POSITION)


class Keeper:
    """The server's current copy: handed out while the store's data is what it was made
    from, dropped when not, and made anew on a thread of its own (on a ``session`` of the
    server's workspace, so an erasure waits for it as for a request)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._guard = threading.Lock()
        self._index: CustomerIndex | None = None
        self._building: threading.Thread | None = None
        self._ready = threading.Condition(self._guard)
        #: The data no copy is made of again: a store without scores, or a copy that failed
        #: (the list reads the store; the next change of the data tries again).
        self._none_for: Hashable | None = None

    def current(self, ws: Workspace) -> CustomerIndex | None:
        """The copy of the data ``ws`` sees, or None while it is being made (the caller
        reads the store); a copy of other data is dropped, and the next one started."""
        stamp = data_stamp(ws)
        with self._guard:
            index = self._index
            if index is not None and index.stamp == stamp:
                return index
            self._drop()
            if stamp != self._none_for:
                self._start()
        return None

    def prepare(self) -> CustomerIndex | None:
        """Make the copy of the data as it is now, on this thread (the server's warm-up);
        None when the store has no scores."""
        from legame.store.bookkeeping import has_table

        with self._session() as ws:
            stamp = data_stamp(ws)
            try:
                if not has_table(ws, "customer_scores"):
                    self._none_for = stamp
                    return None
                index = build(ws)
            except Exception:
                self._none_for = stamp
                raise
        with self._guard:
            self._drop()
            self._index = index
            self._ready.notify_all()
        return index

    def drop(self) -> None:
        """Forget the copy now (an erasure: the erased customer must not stay in it)."""
        with self._guard:
            self._drop()

    def wait(self, timeout: float) -> CustomerIndex | None:
        """The copy, waiting up to ``timeout`` seconds for one being made."""
        with self._guard:
            self._ready.wait_for(lambda: self._index is not None or self._building is None, timeout)
            return self._index

    def close(self) -> None:
        """Wait for a copy being made (before the server closes its workspace), and drop
        the copy."""
        with self._guard:
            building = self._building
        if building is not None:
            building.join()
        self.drop()

    def _drop(self) -> None:
        # Requests still reading it hold their own cursors; the copy's memory goes with the
        # last of them.
        self._index = None

    def _start(self) -> None:
        if self._building is not None and self._building.is_alive():
            return
        self._building = threading.Thread(target=self._make, daemon=True, name="customer-index")
        self._building.start()

    def _make(self) -> None:
        try:
            self.prepare()
        except Exception:  # the list is read from the store meanwhile; the next try is later
            logging.getLogger("legame").warning(
                "Could not make the customer list's copy.", exc_info=True
            )
        finally:
            with self._guard:
                self._building = None
                self._ready.notify_all()


def kept(state: Any, ws: Workspace) -> CustomerIndex | None:
    """The copy the server keeps (its ``Keeper`` at ``state.customer_index``) for the data
    ``ws`` sees; None in a process without one, or while it is being made."""
    keeper = getattr(state, "customer_index", None)
    return keeper.current(ws) if isinstance(keeper, Keeper) else None


def kept_scores(
    state: Any, ws: Workspace
) -> Callable[[list[str]], dict[str, dict[str, Any]]] | None:
    """The current scores' lookup of the server's copy (:meth:`CustomerIndex.scores_of`),
    for the case queue; None without a copy."""
    index = kept(state, ws)
    return index.scores_of if index is not None else None
