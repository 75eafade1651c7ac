"""English words that depend on a count, for the sentences the library and the command line
write in English: ``counted(1, "warning")`` is ``1 warning``, ``counted(2, "warning")``
``2 warnings``, by the English plural rule (CLDR: "one" for exactly 1 written without
decimals; 0, 1.5 and 1.0 take the plural). The dashboard and the report say counts in
their reader's language from the catalogues instead (``Catalogue.plural``).
"""

from __future__ import annotations

from numbers import Integral
from typing import Any


def is_one(n: Any) -> bool:
    """Whether ``n`` takes the singular in English: a whole number (not a float) of 1. (A
    count may come from a JSON payload, hence ``Any``.)"""
    return isinstance(n, Integral) and not isinstance(n, bool) and abs(int(n)) == 1


def noun(n: Any, singular: str, plural: str | None = None) -> str:
    """``singular`` for one, else ``plural`` (default: ``singular`` + "s")."""
    return singular if is_one(n) else (plural or f"{singular}s")


def counted(n: Any, singular: str, plural: str | None = None) -> str:
    """The count, with thousands separators, and its noun: ``1 row``, ``1,200 rows``."""
    return f"{n:,} {noun(n, singular, plural)}"
