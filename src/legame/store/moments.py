"""Named moments of a write, where a test can stop the process and kill it.

Every write that must survive a crash marks its moments with ``reached("ingest.written")``
and the like: after reading, before the commit, after it, between the steps of an
erasure's file rewrite. In normal use this does nothing. When the environment names a
moment (``LEGAME_STOP_AT=ingest.written``), the process that reaches it writes the
moment's name to ``LEGAME_STOP_FILE`` and stops itself (SIGSTOP, again whenever something
continues it), so the test that started it kills it (``kill -9``) at exactly that moment,
however busy the machine is: no timer guesses when the moment comes.
"""

from __future__ import annotations

import os
import signal

STOP_AT = "LEGAME_STOP_AT"
STOP_FILE = "LEGAME_STOP_FILE"

#: Every moment legame marks, in the order a run reaches them.
MOMENTS = (
    "ingest.reading",  # a batch of the file is read and validated, maybe more to come
    "ingest.staged",  # the file is read and validated into a temporary table
    "ingest.written",  # every row is written, the transaction not yet committed
    "ingest.committed",
    "score.staged",  # the summary is written in the open transaction
    "score.fitted",  # the models are fitted, nothing of the new scores written but the summary
    "score.written",  # every table and view is written, not yet committed
    "score.committed",
    "erasure.deleted",  # the rows are deleted and mentions replaced, not yet committed
    "erasure.committed",  # committed; the file not yet rewritten
    "erasure.copied",  # the new file is written beside the old one, not yet renamed
    "erasure.renamed",  # the new file is in place, not yet opened
)


def reached(moment: str) -> None:
    """Mark a moment; stop here if a test asked to (see the module's docstring)."""
    if os.environ.get(STOP_AT) != moment:
        return
    path = os.environ.get(STOP_FILE)
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(moment)
    # For good: the kernel continues a stopped process on its own when the process group
    # it is in becomes orphaned (SIGHUP, then SIGCONT: another child of the test's worker
    # ending is enough), and the write would then go on past its moment before the test's
    # kill -9 lands. Stopped again at once, it never gets past this line.
    while True:
        os.kill(os.getpid(), signal.SIGSTOP)
