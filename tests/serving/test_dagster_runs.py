"""events_by_user through a real Dagster instance: CLI range runs (single-run backfill), and
the sensor that re-requests exactly the event dates each ingest wrote."""

import os
from datetime import timedelta

from dagster import AssetKey, DagsterInstance, build_sensor_context

from platform_assets.definitions import defs
from platform_assets.lake_manifests import arrival_hour_event_dates
from resources.storage import StorageResource
from tests.fixtures.dagster_cli import materialize as run_cli
from tests.serving.lake_fixtures import START, lake_rows
from tools.generate.events import generate_events

HOURS = [START + timedelta(hours=h) for h in range(3)]


def materialize(env: dict, select: str, partition_range: str) -> None:
    run_cli(env, select, "--partition-range", partition_range, timeout=300)


def tick(instance, storage, cursor=None):
    context = build_sensor_context(
        instance=instance,
        repository_def=defs.get_repository_def(),
        resources={"storage": storage},
        cursor=cursor,
    )
    return defs.get_sensor_def("events_by_user_sensor").evaluate_tick(context)


def copy_rows(storage: StorageResource) -> list[tuple]:
    import duckdb
    import pyarrow.dataset as ds

    fs, base = storage.arrow_filesystem()
    keys = [
        o.key for o in storage.list_objects("lake/events_by_user/") if o.key.endswith(".parquet")
    ]
    con = duckdb.connect()
    con.register("copy", ds.dataset([f"{base}/{k}" for k in keys], filesystem=fs, format="parquet"))
    return con.execute(
        "SELECT user_id, event_id, event_type, epoch_ms(created_at), attributes, meta FROM copy "
        "ORDER BY user_id, created_at, event_id"
    ).fetchall()


def test_ingest_then_sensor_then_one_range_run_copies_every_user_event(dagster_home, tmp_path):
    storage = StorageResource(url=str(tmp_path / "storage"))
    generate_events(
        storage, events=3_000, start=START, hours=3, types=20, late_rate=0.1, users=40, seed=5
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    env.update(
        DAGSTER_HOME=str(dagster_home), SLUICE_STORAGE_URL=storage.url, SLUICE_USER_BUCKETS="8"
    )
    materialize(env, "events_lake,quarantined_events", "2025-03-01-00:00...2025-03-01-02:00")

    instance = DagsterInstance.get()
    result = tick(instance, storage)
    wanted = sorted({d for hour in HOURS for d in arrival_hour_event_dates(storage, hour)})
    assert len(wanted) > 2  # late events: the hours wrote several dates
    assert [r.partition_key for r in result.run_requests] == wanted
    assert all(r.job_name in (None, "events_by_user_job") for r in result.run_requests)
    assert tick(instance, storage, result.cursor).run_requests == []  # nothing new

    materialize(env, "events_by_user", f"{wanted[0]}...{wanted[-1]}")
    copy_runs = [
        r for r in instance.get_runs() if AssetKey("events_by_user") in (r.asset_selection or set())
    ]
    assert len(copy_runs) == 1  # the whole range in one run (single-run backfill policy)
    expected = [row[:6] for row in lake_rows(storage)]
    assert copy_rows(storage) == expected and expected

    # Re-ingesting one hour asks again for exactly the dates that hour holds.
    materialize(env, "events_lake,quarantined_events", "2025-03-01-01:00...2025-03-01-01:00")
    again = tick(instance, storage, result.cursor)
    assert [r.partition_key for r in again.run_requests] == arrival_hour_event_dates(
        storage, HOURS[1]
    )


def test_sensor_prefers_the_event_dates_the_ingest_recorded(tmp_path):
    # When events_lake's metadata lists its event dates (the marts' ingest change), no manifest
    # is read: this storage holds none.
    from dagster import AssetMaterialization

    storage = StorageResource(url=str(tmp_path / "storage"))
    instance = DagsterInstance.ephemeral()
    instance.report_runless_asset_event(
        AssetMaterialization(
            "events_lake",
            partition="2025-03-02-05:00",
            metadata={"event_dates": ["2025-02-27", "2025-03-02"]},
        )
    )
    instance.report_runless_asset_event(
        AssetMaterialization("events_lake", partition="2025-03-02-06:00")
    )
    result = tick(instance, storage)
    assert [r.partition_key for r in result.run_requests] == ["2025-02-27", "2025-03-02"]
    assert tick(instance, storage, result.cursor).run_requests == []
