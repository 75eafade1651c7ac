"""Memory budgets given to DuckDB, read from the environment: one reading of a size for all.

``LEGAME_INGEST_MEMORY_LIMIT`` and ``LEGAME_SCORE_MEMORY_LIMIT`` take sizes as DuckDB reads
them (``1GB`` is 10**9 bytes, ``512MiB`` 512 * 2**20, ``4000000B`` bytes). They are read
when they are used (an ingest, a score), never at import: a value that is not a size is an
``InputError`` naming the variable, which the CLI prints as one line (and the commands that
do not use it still work).
"""

from __future__ import annotations

import os
import re

from legame.errors import InputError

_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGT]?)(i?)B", re.IGNORECASE)


def size_bytes(size: str) -> int:
    """``1GB`` -> 10**9, ``512MiB`` -> 512 * 2**20 (DuckDB's reading of the same text)."""
    found = _SIZE.fullmatch(size.strip())
    if found is None:
        raise InputError(f"{size!r} is not a size such as 1GB or 512MB.")
    number, unit, binary = found.groups()
    base = 1024 if binary else 1000
    return int(float(number) * base ** ("_KMGT".index(unit.upper() or "_")))


def memory_setting(variable: str, default: str) -> str:
    """The size in the environment variable ``variable`` (else ``default``), checked."""
    value = os.environ.get(variable) or default
    if not _SIZE.fullmatch(value.strip()):
        raise InputError(f"{variable}={value!r} is not a size such as 1GB or 512MB.")
    return value
