"""The issue's CLI commands, through a real Dagster instance (SQLite, empty dagster.yaml)."""

import os
import subprocess

from dagster import AssetKey, DagsterEventType, DagsterInstance, EventRecordsFilter

from resources.storage import StorageResource
from tests.events.conftest import event, hour, land, ms
from tests.events.lake_queries import query
from tests.fixtures.dagster_cli import materialize as run_cli
from tests.ingest_metadata_checks import assert_ingest_metadata

SELECT = "events_lake,quarantined_events"


def materialize(
    env: dict, *partition_args: str, select: str = SELECT
) -> subprocess.CompletedProcess:
    return run_cli(env, select, *partition_args, timeout=300)


def land_three_hours(storage):
    land(storage, hour(1, 0), "f-1.jsonl", [event("a", created_at=ms(hour(1, 0), 1)), "oops"])
    land(
        storage,
        hour(1, 1),
        "f-1.jsonl.gz",
        [event("b", created_at=ms(hour(1, 1), 2)), event("a", created_at=ms(hour(1, 0), 1))],
    )
    land(
        storage, hour(1, 2), "f-1.jsonl", [event("c", "order.paid", created_at=ms(hour(1, 0), 30))]
    )


def cli_env(dagster_home, storage_env: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    env.update(storage_env, DAGSTER_HOME=str(dagster_home))
    return env


def check_three_hours(storage):
    rows = query(
        storage,
        "lake/events/",
        "SELECT event_id, event_type, CAST(event_hour AS INT) FROM t ORDER BY 1",
    )
    assert rows == [("a", "user_created", 0), ("b", "user_created", 1), ("c", "order.paid", 0)]
    quarantine = query(
        storage, "quarantine/events/", "SELECT CAST(ingest_hour AS INT), reason FROM t ORDER BY 1"
    )
    assert quarantine == [(0, "invalid_json"), (1, "duplicate_id")]


def test_range_run_then_single_hour_rerun_locally(dagster_home, tmp_path):
    storage = StorageResource(url=str(tmp_path / "storage"))
    land_three_hours(storage)
    env = cli_env(dagster_home, {"SLUICE_STORAGE_URL": storage.url, "SLUICE_PROGRESS_SECONDS": "0"})

    done = materialize(env, "--partition-range", "2025-01-01-00:00...2025-01-01-02:00")
    check_three_hours(storage)
    # Progress lines (here after every batch) say which hour of how many the run is on.
    assert (
        "ingest_events: hour 3 of 3 (2025-01-01 02:00): 0 of 1 files, 1 records read, 5 in the run"
        in done.stderr
    )
    # One step: it runs in the run's own process, with no second import of the code location.
    assert "Executing steps in process" in done.stderr
    instance = DagsterInstance.get()
    runs = instance.get_runs()
    assert len(runs) == 1  # one run for the whole range (single-run backfill policy)
    event_record = instance.get_latest_materialization_event(AssetKey("quarantined_events"))
    metadata = event_record.asset_materialization.metadata
    assert metadata["records_read"].value == 5 and metadata["quarantined"].value == 2
    assert metadata["quarantined_by_reason"].value == {"duplicate_id": 1, "invalid_json": 1}
    quarantine = assert_ingest_metadata(metadata, row_count=2)
    assert quarantine["dagster/uri"] == storage.uri("quarantine/events/")
    lake_metadata = instance.get_latest_materialization_event(
        AssetKey("events_lake")
    ).asset_materialization.metadata
    assert lake_metadata["valid"].value == 3 and lake_metadata["types_seen"].value == 2
    lake = assert_ingest_metadata(lake_metadata, row_count=3)
    assert lake["dagster/uri"] == storage.uri("lake/events/")
    lake_bytes = sum(o.size for o in storage.list_objects("lake/events/"))
    quarantine_bytes = sum(o.size for o in storage.list_objects("quarantine/events/"))
    assert (lake["bytes_written"], quarantine["bytes_written"]) == (lake_bytes, quarantine_bytes)
    assert "user_created" in lake_metadata["top_types"].value
    records = instance.event_log_storage.get_event_records(
        EventRecordsFilter(event_type=DagsterEventType.ASSET_CHECK_EVALUATION)
    )
    evaluations = [r.event_log_entry.dagster_event.event_specific_data for r in records]
    # 2 of 5 records quarantined is above the default 5% threshold: the warning check fails.
    assert {e.check_name: e.passed for e in evaluations} == {
        "no_duplicate_event_ids": True,
        "quarantine_rate_below_threshold": False,
    }

    before = {o.key: storage.read_bytes(o.key) for o in storage.list_objects("lake/")}
    materialize(env, "--partition", "2025-01-01-01:00")
    check_three_hours(storage)
    after = {o.key: storage.read_bytes(o.key) for o in storage.list_objects("lake/")}
    assert after.keys() == before.keys()


def test_range_run_on_s3(dagster_home, moto_endpoint, s3_bucket):
    storage = StorageResource(url=f"s3://{s3_bucket}/lakehouse", s3_endpoint_url=moto_endpoint)
    land_three_hours(storage)
    env = cli_env(
        dagster_home, {"SLUICE_STORAGE_URL": storage.url, "SLUICE_S3_ENDPOINT_URL": moto_endpoint}
    )
    materialize(env, "--partition-range", "2025-01-01-00:00...2025-01-01-02:00")
    check_three_hours(storage)
    materialize(
        env, "--partition-range", "2025-01-01-00:00...2025-01-01-02:00"
    )  # re-run: no change
    check_three_hours(storage)
