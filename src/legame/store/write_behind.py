"""Write-behind: what a transaction has written to the workspace file so far, sent to disk
before its commit, so that the commit's own flush has less to wait for.

DuckDB writes a large table's blocks to the database file as it inserts them, and at the
commit waits for the disk (fdatasync) for every block of the transaction at once: at 10M
orders a score's 300 MB took 0.08 s there, the cores idle. The score's summary is staged on a
thread beside the fits (:func:`legame.scoring.stage_beside`); that thread then has its blocks
flushed while the fits run, and the commit waits for the predictions' only.

Flushing blocks that no committed state points to yet changes nothing of what a crash
leaves: the commit still writes the file's header last.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Where Linux lists the process's open files.
PROC_FDS = Path("/proc/self/fd")


def flush_file(path: str | Path) -> bool:
    """Wait until the pages written to ``path`` are on disk (fdatasync), through a file
    descriptor the process already holds on it (DuckDB's, found in ``/proc/self/fd``).

    Not through one opened here: POSIX record locks belong to the process and the file, and
    closing *any* descriptor of that file drops them all, DuckDB's lock on the workspace
    included. False (nothing done) where there is no ``/proc`` (not Linux), no fdatasync, or
    no descriptor on the file."""
    if not hasattr(os, "fdatasync") or not PROC_FDS.is_dir():
        return False
    target = os.path.realpath(path)
    with os.scandir(PROC_FDS) as entries:
        for entry in entries:
            try:
                if os.readlink(entry.path) != target:
                    continue
                # If the descriptor was closed and its number reused since the readlink,
                # this flushes another file: harmless.
                os.fdatasync(int(entry.name))
            except OSError:  # closed meanwhile, or not a file that can be flushed
                continue
            return True
    return False
