"""What the operating system refuses a write for, said in one clear line.

DuckDB reports a full disk or a read-only file as an I/O error deep in a statement (often
at the commit, when the write-ahead log is flushed) and ends the transaction itself, so a
ROLLBACK after it finds none to roll back. ``rollback`` allows for that; ``storage_errors``
turns the I/O errors a user can act on into a ``StoreError`` that names the workspace and
says that nothing was written.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from legame.errors import StoreError

_FULL = ("no space left on device", "disk full", "not enough space", "file too large")
_READ_ONLY = ("read-only file system", "permission denied", "read only")


def explain(exc: BaseException, path: Path) -> StoreError | None:
    """A ``StoreError`` for a full disk or a read-only file; ``None`` for anything else."""
    text = str(exc).lower()
    if any(sign in text for sign in _FULL):
        return StoreError(
            f"The disk holding the workspace {path} is full ({_os_words(exc)}): nothing "
            "was written, the workspace is as it was. Free some space and run the command "
            "again."
        )
    if any(sign in text for sign in _READ_ONLY):
        return StoreError(
            f"The workspace {path} is read-only ({_os_words(exc)}): this command writes to "
            "it. Commands that only read (status, rejects, nps, export) still work; to "
            "write, make the file and its folder writable."
        )
    return None


def _os_words(exc: BaseException) -> str:
    text = str(exc)
    for sign in (*_FULL, *_READ_ONLY):
        at = text.lower().find(sign)
        if at >= 0:
            return text[at : at + len(sign)]
    return type(exc).__name__


@contextmanager
def storage_errors(path: Path) -> Iterator[None]:
    """Raise a clear ``StoreError`` for a full disk or a read-only file inside the block."""
    try:
        yield
    except (duckdb.Error, OSError) as exc:
        explained = explain(exc, path)
        if explained is None:
            raise
        raise explained from exc


def repeated_key(exc: BaseException) -> bool:
    """Whether a failed commit failed on a primary key or unique constraint: a key the
    transaction's rows repeat, found when DuckDB builds an index it was asked to build at
    the commit (``ALTER TABLE … ADD PRIMARY KEY``)."""
    return (
        isinstance(exc, duckdb.TransactionException) and "constraint violation" in str(exc).lower()
    )


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the open transaction, if the engine has not ended it already."""
    # An I/O error at the commit ends the transaction before we get here.
    with contextlib.suppress(duckdb.TransactionException):
        con.execute("ROLLBACK")
