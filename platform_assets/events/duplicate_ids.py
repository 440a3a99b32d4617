"""Count event ids that occur more than once across a set of lake files."""

from __future__ import annotations

import duckdb
import pyarrow.dataset as ds

from resources.storage import StorageResource

# The check runs once per arrival hour, so what it holds is one hour's ids at most;
# the cap keeps DuckDB from sizing itself by the machine instead.
DUCKDB_MEMORY_LIMIT = "256MB"


def count_duplicate_ids(storage: StorageResource, lake_keys: list[str]) -> int:
    """Surplus copies (rows minus distinct ids) over ``lake_keys``; DuckDB streams the scan."""
    if not lake_keys:
        return 0
    filesystem, base = storage.arrow_filesystem()
    dataset = ds.dataset([f"{base}/{key}" for key in lake_keys], filesystem=filesystem, format="parquet")
    with duckdb.connect(config={"memory_limit": DUCKDB_MEMORY_LIMIT, "threads": 2}) as con:
        con.register("lake_files", dataset)
        rows, distinct = con.execute("SELECT count(*), count(DISTINCT event_id) FROM lake_files").fetchone()
    return rows - distinct
