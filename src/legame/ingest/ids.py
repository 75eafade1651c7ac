"""Customer ids: one rule for every place an id enters legame (files, the API, the CLI).

The rule, in this order:

1. surrounding whitespace is removed: space, TAB, LF, CR, VT, FF and the Unicode spaces
   (no-break space U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000);
2. what remains must hold no control character (U+0000-U+001F, U+007F-U+009F: TAB, NUL,
   ...) and no invisible format character (zero-width spaces and joiners U+200B-U+200F,
   direction marks U+2028-U+202E and U+2066-U+2069, U+2060-U+2064, the BOM U+FEFF): such an
   id is refused with a reason, never stored as a new customer;
3. an empty id is missing;
4. letters keep their case, or the ASCII letters are folded to lower (``a-z``) or upper
   (``A-Z``) case, as the workspace policy's ``[ingest] customer_id_case`` says
   (``preserve``, the default; ``lower``; ``upper``). Other letters keep theirs: Unicode
   case mappings differ between Python and DuckDB (``ß``, ``İ``, final sigma), and a rule
   applied in two places must give one answer.

:func:`clean_customer_id` applies it to one value (the API and the CLI),
:func:`clean_customer_ids` to an Arrow column (an audience file); ingestion applies
the same rule in SQL (``validate.py``, from :data:`SPACES_RE2` and :data:`CONTROL_RE2`, so the
two cannot differ). Steps 1 and 2 apply to every id column (``order_id``, ``ticket_id``,
...); the case folding to customer ids only.
"""

from __future__ import annotations

import os
import re

import pyarrow as pa
import pyarrow.compute as pc

from legame.errors import InputError
from legame.policy import IdCase, load_policy, policy_path_for

#: The whitespace removed around an id (the same characters in Python and in SQL).
SPACES = (
    " \t\n\r\v\f\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)
#: The same characters as an RE2 class (DuckDB's and Arrow's regular expressions).
SPACES_RE2 = "[" + "".join(f"\\x{{{ord(c):X}}}" for c in SPACES) + "]"
#: Characters an id may not hold once trimmed: control and invisible format characters.
_CONTROL_RANGES = (
    (0x00, 0x1F),
    (0x7F, 0x9F),
    (0x200B, 0x200F),
    (0x2028, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x2069),
    (0xFEFF, 0xFEFF),
)
_CONTROL = re.compile("[" + "".join(f"\\u{a:04x}-\\u{b:04x}" for a, b in _CONTROL_RANGES) + "]")
#: The same class in RE2 syntax (DuckDB's regular expressions).
CONTROL_RE2 = "[" + "".join(f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in _CONTROL_RANGES) + "]"
#: An id with nothing to trim and nothing to refuse, as an RE2 pattern matched against the
#: whole value: printable ASCII (U+0020-U+007E) without a space at either end. One test
#: of this instead of the two of the rule (whitespace, then control characters) is what
#: most ids cost.
PLAIN_RE2 = "[!-~](?:[ -~]*[!-~])?"
#: Why an id with a control character is refused (the same words in every interface).
CONTROL_REASON = (
    "holds a control or invisible character (such as TAB or NUL) inside the id; "
    "remove it from the source"
)


def plain_mask(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Which texts of an Arrow string column are plain: :data:`PLAIN_RE2` matched against
    the whole value (true, false, or null for a null), by Arrow's string kernels. The same
    answer as the pattern in DuckDB at about a quarter of its CPU (10 million orders, four
    columns: 0.85 s against 3 s), on the thread that reads the file; ingestion computes it
    while reading (``load.py``) and the SQL reads it as the column's ``p3``."""
    printable = pc.and_(pc.ascii_is_printable(values), pc.greater(pc.binary_length(values), 0))
    spaced = pc.or_(pc.starts_with(values, " "), pc.ends_with(values, " "))
    return pc.and_(printable, pc.invert(spaced))


def clean_customer_id(
    value: object, *, case: IdCase = "preserve", name: str = "customer_id"
) -> str:
    """``value`` as a customer id under the rule above; ``InputError`` naming ``name`` if it
    is empty or holds a control character."""
    text = "" if value is None else str(value).strip(SPACES)
    if not text:
        raise InputError(f"{name} must be a non-empty identifier; got {value!r}.")
    found = _CONTROL.search(text)
    if found:
        raise InputError(
            f"{name} {value!r} {CONTROL_REASON} (U+{ord(found[0]):04X} at position "
            f"{found.start() + 1})."
        )
    return fold(text, case)


UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOWER = "abcdefghijklmnopqrstuvwxyz"
_TO_LOWER = str.maketrans(UPPER, LOWER)
_TO_UPPER = str.maketrans(LOWER, UPPER)


def fold(text: str, case: IdCase) -> str:
    """``text`` with its ASCII letters folded as ``case`` says (step 4)."""
    if case == "lower":
        return text.translate(_TO_LOWER)
    if case == "upper":
        return text.translate(_TO_UPPER)
    return text


def workspace_customer_id(
    db_path: str | os.PathLike[str], value: object, *, name: str = "customer_id"
) -> str:
    """:func:`clean_customer_id` with the case folding of the workspace's policy file."""
    case = load_policy(policy_path_for(db_path)).ingest.customer_id_case
    return clean_customer_id(value, case=case, name=name)


def clean_customer_ids(
    ids: pa.Array, *, case: IdCase = "preserve", what: str = "Audience row"
) -> pa.Array:
    """A string column of customer ids under the rule above (Arrow's trim, RE2 and ASCII
    case folding: the same characters as in SQL); ``InputError`` naming the first row that
    is empty or holds a control character (``what`` and its 1-based position)."""
    array = pc.utf8_trim(ids.cast(pa.string()), characters=SPACES)
    blank = pc.fill_null(pc.equal(array, ""), True)
    if pc.any(blank).as_py():
        first = pc.index(blank, True).as_py()
        raise InputError(f"{what} {first + 1} has an empty customer_id; every row needs one.")
    control = pc.match_substring_regex(array, CONTROL_RE2)
    if pc.any(control).as_py():
        first = pc.index(control, True).as_py()
        raise InputError(
            f"{what} {first + 1}: customer_id {ids[first].as_py()!r} {CONTROL_REASON}."
        )
    if case == "lower":
        return pc.ascii_lower(array)
    if case == "upper":
        return pc.ascii_upper(array)
    return array
