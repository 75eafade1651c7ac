"""Delta Lake tables for the Spark engine, without Delta's jars: delta-rs resolves a table's
current snapshot (its transaction log) and Spark reads exactly those Parquet files; a table
whose protocol needs a reader feature that plain Parquet cannot honour (deletion vectors,
column mapping) is refused, naming the table and the feature."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import pyarrow as pa

from legame.errors import StoreError

if TYPE_CHECKING:
    from deltalake.table import ProtocolVersions
    from pyspark.sql import DataFrame, SparkSession


#: The Delta reader features whose tables are read right as their snapshot's Parquet files.
DELTA_READER_FEATURES = frozenset({"timestampNtz", "vacuumProtocolCheck"})

#: What goes wrong when a reader ignores a feature, for the refusal's message.
_DELTA_FEATURE_HARM = {
    "deletionVectors": "rows deleted through deletion vectors would come back",
    "columnMapping": "the Parquet files name the columns differently from the table",
    "typeWidening": "older files hold narrower types than the table's",
    "variantType": "variant columns",
}


def is_delta_table(path: str) -> bool:
    """A folder with a ``_delta_log``: local paths are looked at, others asked of delta-rs."""
    parsed = urlparse(path)
    if parsed.scheme in ("", "file"):
        return (Path(parsed.path if parsed.scheme else path) / "_delta_log").is_dir()
    return bool(_deltalake(path).DeltaTable.is_deltatable(path))


def _deltalake(path: str) -> ModuleType:
    try:
        import deltalake
    except ImportError as exc:
        raise StoreError(
            f"Reading the Delta table at {path} needs the deltalake package: "
            "pip install 'legame[spark]'."
        ) from exc
    return deltalake


def check_delta_protocol(table: str, protocol: ProtocolVersions) -> None:
    """Refuse a Delta table whose protocol needs a reader feature that reading the
    snapshot's files as plain Parquet cannot honour."""
    if protocol.min_reader_version == 2:  # reader version 2 is column mapping
        needs = ["columnMapping"]
    elif protocol.min_reader_version > 3:
        needs = [f"reader version {protocol.min_reader_version}"]
    else:
        needs = sorted(set(protocol.reader_features or ()) - DELTA_READER_FEATURES)
    if needs:
        harm = "; ".join(
            f"{feature}: {_DELTA_FEATURE_HARM[feature]}"
            for feature in needs
            if feature in _DELTA_FEATURE_HARM
        )
        raise StoreError(
            f"The Delta table {table!r} needs the reader feature(s) {', '.join(needs)}, "
            f"which legame's Spark engine does not support ({harm or 'unknown to it'}): it "
            "reads a snapshot's data files as plain Parquet. Rewrite the table without them "
            "(Delta's ALTER TABLE ... DROP FEATURE), or export it to Parquet."
        )


def read_delta(spark: SparkSession, table: str, path: str) -> DataFrame:
    """The current snapshot of the Delta table at ``path``: exactly its active files, read
    by Spark as Parquet, with the partition columns from the hive-style folders typed as
    the table says (delta-rs reads the transaction log, so Spark needs no Delta jars)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    deltalake = _deltalake(path)
    try:
        delta = deltalake.DeltaTable(path)
        protocol = delta.protocol()
        files = delta.file_uris()
        partitions = delta.metadata().partition_columns
        schema = from_arrow_schema(pa.schema(delta.schema().to_arrow()), prefer_timestamp_ntz=False)
    except (deltalake.exceptions.DeltaError, OSError) as exc:
        raise StoreError(f"Cannot read the Delta table {table!r} at {path}: {exc}") from exc
    check_delta_protocol(table, protocol)
    if not files:
        return spark.createDataFrame([], schema)
    unpartitioned = [
        file
        for file in files
        if not all(f"/{column}=" in file for column in partitions)  # hive-style folders
    ]
    if unpartitioned:
        raise StoreError(
            f"The Delta table {table!r} is partitioned by {', '.join(partitions)}, but its "
            f"file {unpartitioned[0]} is not in a folder named column=value: legame's Spark "
            "engine reads partition values from the folders. Rewrite the table (e.g. with "
            "delta-rs or Spark's Delta writer, which make such folders)."
        )
    frame = spark.read.schema(schema).option("basePath", delta.table_uri).parquet(*files)
    return frame.select(*schema.names)  # the table's column order, partition columns too
