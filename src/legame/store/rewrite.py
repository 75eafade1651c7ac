"""Rewrite a workspace file so that what was deleted from it is gone from its bytes too.

DuckDB marks the blocks of deleted rows free and reuses them later; until then their old
bytes stay in the file, where ``grep -a`` finds an erased comment even after a checkpoint.
So after an erasure the whole database is copied, table by table (``COPY FROM DATABASE``:
tables, keys, indexes, sequences, views), into a new file beside it, which is flushed to
disk and then renamed over the old one: a crash or a kill at any moment leaves either the
old file or the new one, both holding the same rows. The old file is closed first, so its
write-ahead log is checkpointed into it and no log is left to replay over the new file.
"""

from __future__ import annotations

import mmap
import os
import re
from collections.abc import Iterable
from pathlib import Path

import duckdb

from legame.store.moments import reached

#: The new file is written here (beside the workspace, on the same file system).
SUFFIX = ".rewrite"


def rewrite_file(path: Path) -> int:
    """Copy the closed workspace at ``path`` into a new file and put it in its place;
    return the new file's size in bytes. The workspace must not be open anywhere."""
    tmp = path.with_name(path.name + SUFFIX)
    discard(path)
    con = duckdb.connect(config={"threads": 1})
    try:
        con.execute("ATTACH ? AS old_file (READ_ONLY)", [str(path)])
        con.execute("ATTACH ? AS new_file", [str(tmp)])
        con.execute("COPY FROM DATABASE old_file TO new_file")
        con.execute("DETACH new_file")
        con.execute("DETACH old_file")
    except BaseException:
        con.close()
        discard(path)
        raise
    con.close()
    _fsync(tmp)
    reached("erasure.copied")
    os.replace(tmp, path)
    _fsync(path.parent)
    reached("erasure.renamed")
    return path.stat().st_size


def discard(path: Path) -> None:
    """Remove what an interrupted rewrite of ``path`` left beside it."""
    new = path.with_name(path.name + SUFFIX)
    for leftover in (new, new.with_name(new.name + ".wal")):
        leftover.unlink(missing_ok=True)


def occurrences(path: Path, needles: Iterable[str]) -> int:
    """How many times any of ``needles`` appears in the file's bytes (ignoring case)."""
    words = sorted({n.encode() for n in needles if n}, key=len, reverse=True)
    if not words or not path.exists() or path.stat().st_size == 0:
        return 0
    pattern = re.compile(b"|".join(re.escape(w) for w in words), re.IGNORECASE)
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return sum(1 for _ in pattern.finditer(data))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
