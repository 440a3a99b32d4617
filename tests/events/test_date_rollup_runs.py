"""A date's compacted rollup through a real Dagster instance: the sensor asks for the dates
whose day is over, and the asset writes what readers then verify (hour_commits.py)."""

import pyarrow.parquet as pq
from dagster import AssetKey, DagsterInstance, build_sensor_context

from platform_assets.hour_commits import covers_of, daily_rollup_key, read_hour_commits
from resources.storage import StorageResource
from sensors.event_date_rollups import events_rollups_by_date_sensor, is_closed
from tests.events.conftest import event, hour, land, ms
from tests.events.test_dagster_runs import cli_env, materialize


def test_closed_dates_are_compacted_and_record_the_commits_they_cover(dagster_home, tmp_path):
    storage = StorageResource(url=str(tmp_path / "storage"))
    land(storage, hour(1, 22), "a.jsonl", [event("a", created_at=ms(hour(1, 22)), user_id="u1")])
    land(storage, hour(1, 23), "a.jsonl", [event("b", created_at=ms(hour(1, 23)), user_id="u2")])
    land(
        storage,
        hour(2, 0),
        "a.jsonl",
        [
            event("c", created_at=ms(hour(2, 0)), user_id="u1"),
            event("d", "order.paid", created_at=ms(hour(1, 21)), user_id="u1"),  # late: 01-01
        ],
    )
    env = cli_env(dagster_home, {"SLUICE_STORAGE_URL": storage.url})
    materialize(env, "--partition-range", "2025-01-01-22:00...2025-01-02-00:00")

    instance = DagsterInstance.get()
    context = build_sensor_context(instance=instance, resources={"storage": storage})
    result = events_rollups_by_date_sensor(context)
    # 2025-01-01 is over (its 23:00 hour and a later hour wrote into it); 2025-01-02 is not.
    assert [r.partition_key for r in result.run_requests] == ["2025-01-01"]

    materialize(env, "--partition", "2025-01-01", select="events_rollups_by_date")
    fs, base = storage.arrow_filesystem()
    with fs.open_input_file(f"{base}/{daily_rollup_key('2025-01-01')}") as f:
        parquet = pq.ParquetFile(f)
        covers = covers_of(parquet.metadata.metadata)
        users = parquet.read().column("user_id").drop_null().to_pylist()
    stems = ["2025-01-01T22", "2025-01-01T23", "2025-01-02T00"]
    commits = read_hour_commits(storage, stems).commits
    assert covers == {stem: commits[stem].commit_id for stem in stems}
    assert sorted(users) == ["u1", "u1", "u2"]  # (u1, order.paid), (u1, user_created), u2
    record = instance.get_latest_materialization_event(AssetKey("events_rollups_by_date"))
    assert record.asset_materialization.metadata["arrival_hours"].value == 3


def test_a_date_is_closed_by_a_later_arrival_date_or_its_own_last_hour():
    assert is_closed("2025-01-01", "2025-01-02-00:00")
    assert is_closed("2025-01-01", "2025-01-01-23:00")
    assert not is_closed("2025-01-01", "2025-01-01-22:00")
    assert not is_closed("2025-01-02", "2025-01-01-23:00")  # an event from the future
