"""Running the customer assets through a real Dagster instance, and reading what they wrote."""

from __future__ import annotations

import io
import re

import pyarrow.parquet as pq
from dagster import materialize

from platform_assets.customers.assets import customer_file
from resources.storage import StorageResource
from tests.fixtures.run_results import materialization_metadata  # noqa: F401 (re-export)


def run_file(
    instance, storage: StorageResource, name: str, data: bytes | None = None, raise_on_error=True
):
    if data is not None:
        storage.put_bytes(f"landing/customers/{name}", data)
    instance.add_dynamic_partitions("customer_files", [name])
    return materialize(
        [customer_file],
        partition_key=name,
        instance=instance,
        raise_on_error=raise_on_error,
        resources={"storage": storage},
    )


def checks(result) -> dict[str, bool]:
    return {c.check_name: c.passed for c in result.get_asset_check_evaluations()}


def read_parquet(storage: StorageResource, key: str):
    return pq.read_table(io.BytesIO(storage.read_bytes(key)))


def keys(storage: StorageResource, prefix: str) -> list[str]:
    return [o.key for o in storage.list_objects(prefix)]


EMAIL = re.compile(r"[^\s,;\"'<>]+@[^\s,;\"'<>]+")


def emails_in(data: bytes) -> set[str]:
    """Every email-looking token of a file, as written and lowercased."""
    found = set(EMAIL.findall(data.decode("utf-8")))
    return {e.strip() for e in found} | {e.strip().lower() for e in found}
