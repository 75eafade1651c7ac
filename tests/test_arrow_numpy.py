"""Numeric columns between Arrow and NumPy without pyarrow's bridge to pandas
(legame/arrow_numpy.py), and a score that never loads pandas."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from legame.arrow_numpy import to_arrow, to_numpy


@pytest.mark.parametrize(
    "type_", [pa.float64(), pa.float32(), pa.int64(), pa.int32(), pa.int16(), pa.uint8()]
)
def test_a_numeric_column_reads_as_its_values(type_: pa.DataType) -> None:
    values = pa.chunked_array([pa.array([1, 2, 3], type=type_), pa.array([4, 5], type=type_)])
    out = to_numpy(values)
    assert out.dtype == np.dtype(type_.to_pandas_dtype())
    assert out.tolist() == [1, 2, 3, 4, 5]
    # a slice starts where it starts, not at its buffer's first value
    assert to_numpy(pa.array([7, 8, 9, 10], type=type_).slice(1, 2)).tolist() == [8, 9]
    assert to_numpy(pa.array([], type=type_)).tolist() == []
    assert to_numpy(pa.chunked_array([], type=type_)).tolist() == []


def test_other_columns_read_as_pyarrow_reads_them() -> None:
    with_nulls = to_numpy(pa.array([1.5, None, 2.5]))
    assert with_nulls[0] == 1.5 and np.isnan(with_nulls[1]) and with_nulls[2] == 2.5
    assert to_numpy(pa.array([True, False])).tolist() == [True, False]


def test_an_array_goes_to_arrow_with_its_type_or_the_one_asked() -> None:
    assert to_arrow(np.array([1.0, 2.0])).equals(pa.array([1.0, 2.0]))
    assert to_arrow(np.array([3, 4], dtype=np.int64), pa.int32()).equals(
        pa.array([3, 4], type=pa.int32())
    )
    strided = np.arange(10.0)[::3]  # not contiguous: copied first
    assert to_arrow(strided).to_pylist() == [0.0, 3.0, 6.0, 9.0]
    assert to_arrow(np.array([], dtype=np.float64)).to_pylist() == []


def test_nulls_go_where_the_mask_says() -> None:
    values = np.array([1.0, np.inf, 3.0, np.nan, 5.0, 6.0, 7.0, 8.0, 9.0])
    out = to_arrow(values, null=~np.isfinite(values))
    assert out.null_count == 2
    assert out.to_pylist() == [1.0, None, 3.0, None, 5.0, 6.0, 7.0, 8.0, 9.0]
    assert to_arrow(values[:2], null=np.array([False, False])).null_count == 0


def test_what_it_cannot_convert_is_refused() -> None:
    with pytest.raises(TypeError, match="no Arrow numeric type"):
        to_arrow(np.array(["a"]))
    with pytest.raises(ValueError, match="one-dimensional"):
        to_arrow(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="null mask"):
        to_arrow(np.zeros(3), null=np.zeros(2, dtype=bool))


def test_a_score_never_loads_pandas(sim_db, tmp_path: Path) -> None:
    """pyarrow's own conversions import pandas (0.3-0.4 s of a fresh process); a score,
    in a process of its own as `legame score` runs, converts without them."""
    import shutil

    db = tmp_path / "ws.duckdb"
    shutil.copy(sim_db[0], db)
    code = (
        "import json, sys\n"
        "from legame.scoring import score\n"
        "from legame.store import Workspace\n"
        f"with Workspace.open({str(db)!r}) as ws:\n"
        "    report = score(ws, keep_summary=False)\n"
        "print(json.dumps({'rows': report.rows, 'pandas': 'pandas' in sys.modules}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["rows"] > 0
    assert out["pandas"] is False
