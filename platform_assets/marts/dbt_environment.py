"""What the dbt subprocess must know of the run's resources, handed over as the platform's
own variables (the DuckDB session plugin reads them; see duckdb_session.py).

dagster-dbt copies ``os.environ`` when it starts dbt, so they are set only around that call.
Secrets never go into ``--vars``, which appear in the run's logs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from resources.postgres import PostgresResource, ensure_migrated
from resources.storage import StorageResource


@contextmanager
def dbt_environment(storage: StorageResource, postgres: PostgresResource) -> Iterator[None]:
    url = postgres.resolved_url
    ensure_migrated(url)  # the staging models read the platform's tables
    values = {
        "SLUICE_POSTGRES_URL": url,
        "SLUICE_STORAGE_URL": storage.resolved_url,
        "SLUICE_S3_ENDPOINT_URL": storage.s3_endpoint_url
        or os.environ.get("SLUICE_S3_ENDPOINT_URL")
        or "",
    }
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
