"""The issue's CLI range run on an S3 storage root (moto): events ingested to the lake on S3,
then every event model of three dates built in one `dagster asset materialize` run."""

from __future__ import annotations

import os

import duckdb
import pytest
from dagster import DagsterInstance

from platform_assets.marts.duckdb_session import configure
from resources.migrations import apply_migrations
from resources.storage import StorageResource
from tests.fixtures.dagster_cli import materialize as run_cli
from tests.marts.expected import EVENT_MARTS, lake_marts, published
from tools.generate.events import generate_events

EVENT_MODELS = (
    "staging/stg_events,product/events_daily,"
    "engagement/user_daily_activity,engagement/daily_active_users"
)


def materialize(env: dict, select: str, partition_range: str) -> str:
    done = run_cli(env, select, "--partition-range", partition_range, timeout=600)
    return done.stderr


@pytest.mark.s3
def test_cli_range_run_builds_the_event_marts_from_s3(
    moto_endpoint, s3_bucket, postgres_database_factory, dagster_home, tmp_path
):
    url = postgres_database_factory("sluice_marts_s3")
    apply_migrations(url)
    storage = StorageResource(url=f"s3://{s3_bucket}/sluice", s3_endpoint_url=moto_endpoint)
    generate_events(
        storage, events=1500, start="2025-01-01T00", hours=72, files_per_hour=1, seed=21
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    env.update(
        DAGSTER_HOME=str(dagster_home),
        SLUICE_STORAGE_URL=storage.url,
        SLUICE_S3_ENDPOINT_URL=moto_endpoint,
        SLUICE_POSTGRES_URL=url,
    )
    materialize(env, "events_lake,quarantined_events", "2025-01-01-00:00...2025-01-03-23:00")

    log = materialize(env, EVENT_MODELS, "2025-01-01...2025-01-03")
    assert "dbt build" in log
    runs = DagsterInstance.get().get_runs()
    assert len(runs) == 2  # the ingest and ONE run for the three dates of every event model

    con = duckdb.connect()
    configure(con, storage.url, moto_endpoint, attach_postgres=False)
    expected = lake_marts(None, "2025-01-01", "2025-01-04", uri=storage.uri("lake/events"), con=con)
    for table in EVENT_MARTS:
        assert published(url, table) == expected[table], table
    assert {row[0].isoformat() for row in expected["product.events_daily"]} == {
        "2025-01-01",
        "2025-01-02",
        "2025-01-03",
    }
