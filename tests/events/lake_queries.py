"""Read back what an ingest published, as a user would: DuckDB over the Parquet files."""

import duckdb
import pyarrow.dataset as ds

from resources.storage import StorageResource


def read_parquet_tree(storage: StorageResource, prefix: str) -> duckdb.DuckDBPyRelation | None:
    keys = [o.key for o in storage.list_objects(prefix) if o.key.endswith(".parquet")]
    if not keys:
        return None
    filesystem, base = storage.arrow_filesystem()
    dataset = ds.dataset(
        [f"{base}/{k}" for k in keys], filesystem=filesystem, format="parquet",
        partitioning="hive", partition_base_dir=f"{base}/{prefix}".rstrip("/"),
    )
    return dataset


def query(storage: StorageResource, prefix: str, sql: str) -> list[tuple]:
    """Run ``sql`` against a view named ``t`` over every Parquet file under ``prefix``."""
    dataset = read_parquet_tree(storage, prefix)
    con = duckdb.connect()
    if dataset is None:
        return []
    con.register("t", dataset)
    return con.execute(sql).fetchall()
