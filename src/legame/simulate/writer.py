"""Write the tables as CSV (one file per table) and the truth as ``truth.json``.

CSV: comma-separated, UTF-8, a header row, timestamps ``YYYY-MM-DD HH:MM:SS`` (UTC), ``.``
as the decimal mark, an empty field for NULL, quotes only where a value needs them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from legame.errors import InputError

_NEEDS_QUOTES = '[",\\r\\n]'


def prepare_dir(out_dir: str | Path) -> Path:
    path = Path(out_dir)
    if path.exists() and not path.is_dir():
        raise InputError(f"Output folder {str(path)!r} is a file; give a folder path.")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"Cannot create output folder {str(path)!r}: {exc.strerror}.") from exc
    return path


def _as_text(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """One column as CSV fields: strings quoted only when they hold a comma, a quote or a
    line break; timestamps ``YYYY-MM-DD HH:MM:SS``; decimals with ``.``; NULL empty."""
    if pa.types.is_string(arr.type):
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(arr, '"', '""'), '"', "")
        text = pc.if_else(pc.match_substring_regex(arr, _NEEDS_QUOTES), quoted, arr)
    else:
        text = pc.cast(arr, pa.string())
    return pc.fill_null(text, "")


def write_csv(table: pa.Table, path: Path) -> Path:
    """Write ``table`` as a CSV file with a header row."""
    header = ",".join(table.column_names)
    if table.num_rows == 0:
        path.write_text(header + "\n", encoding="utf-8")
        return path
    cols = [_as_text(table.column(i)) for i in range(table.num_columns)]
    lines = pc.binary_join_element_wise(*cols, ",") if len(cols) > 1 else cols[0]
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(header + "\n")
        for chunk in lines.chunks:
            if len(chunk):
                fh.write("\n".join(chunk.to_pylist()) + "\n")
    return path


def write_truth(truth: dict[str, object], path: Path) -> Path:
    text = json.dumps(truth, indent=2, ensure_ascii=False, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path
