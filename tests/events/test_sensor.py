"""raw_events_sensor evaluated with the code location's own definitions and resources."""

import json

from dagster import DagsterInstance, build_sensor_context

from platform_assets.definitions import defs
from resources.storage import StorageResource
from tests.events.conftest import event, hour, land


def tick(instance, storage, cursor=None):
    sensor = defs.get_sensor_def("raw_events_sensor")
    context = build_sensor_context(
        instance=instance,
        repository_def=defs.get_repository_def(),
        resources={"storage": storage},
        cursor=cursor,
    )
    result = sensor.evaluate_tick(context)
    return result.run_requests, result.cursor


def test_one_run_per_new_arrival_hour_then_only_what_is_new(storage, monkeypatch):
    instance = DagsterInstance.ephemeral()
    land(storage, hour(1, 10), "f-01.jsonl", [event("a")])
    land(storage, hour(1, 10), "f-02.jsonl.gz", [event("b")])
    land(storage, hour(1, 12), "f-01.jsonl", [event("c")])
    storage.put_bytes("landing/events/2025/01/01/12/notes.txt", b"ignored: not a landing file")

    requests, cursor = tick(instance, storage)
    assert [r.partition_key for r in requests] == ["2025-01-01-10:00", "2025-01-01-12:00"]
    assert all(r.run_key for r in requests) and len({r.run_key for r in requests}) == 2
    assert json.loads(cursor)["after"] == "landing/events/2025/01/01/12/notes.txt"

    assert tick(instance, storage, cursor)[0] == []  # nothing new: no runs

    # A file arriving later in an already-ingested hour re-runs that hour, even when its
    # name sorts before keys already seen (here: before notes.txt), and even one hour late.
    land(storage, hour(1, 12), "f-02.jsonl", [event("d")])
    land(storage, hour(1, 11), "f-09.jsonl", [event("d2")])
    land(storage, hour(1, 13), "f-01.jsonl", [event("e")])
    requests, cursor = tick(instance, storage, cursor)
    assert [r.partition_key for r in requests] == [
        "2025-01-01-11:00",
        "2025-01-01-12:00",
        "2025-01-01-13:00",
    ]
    assert tick(instance, storage, cursor)[0] == []


def test_a_tick_lists_a_bounded_number_of_keys(local_storage, monkeypatch):
    monkeypatch.setenv("SLUICE_SENSOR_MAX_KEYS", "3")
    instance = DagsterInstance.ephemeral()
    for h in (1, 2):
        for i in range(2):
            land(local_storage, hour(2, h), f"f-{i}.jsonl", [event(f"{h}-{i}")])
    land(local_storage, hour(2, 3), "f-0.jsonl", [event("x")])

    requests, cursor = tick(instance, local_storage)
    # 3 keys listed: hour 01 whole, hour 02 only half -> held back for the next tick.
    assert [r.partition_key for r in requests] == ["2025-01-02-01:00"]
    assert json.loads(cursor)["after"] < "landing/events/2025/01/02/02/"
    requests, cursor = tick(instance, local_storage, cursor)
    assert [r.partition_key for r in requests] == ["2025-01-02-02:00", "2025-01-02-03:00"]
    assert tick(instance, local_storage, cursor)[0] == []


def test_hours_before_the_first_partition_are_skipped_not_failed(local_storage):
    land(local_storage, hour(1, 0).replace(year=2024), "old.jsonl", [event("z")])
    requests, cursor = tick(DagsterInstance.ephemeral(), local_storage)
    assert requests == [] and json.loads(cursor)["after"].endswith("old.jsonl")


def test_sensor_uses_the_code_location_resources_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SLUICE_STORAGE_URL", str(tmp_path / "env-storage"))
    land(StorageResource(), hour(1, 5), "f.jsonl", [event("a")])
    sensor = defs.get_sensor_def("raw_events_sensor")
    context = build_sensor_context(
        instance=DagsterInstance.ephemeral(),
        repository_def=defs.get_repository_def(),
        resources=defs.resources,
    )
    assert [r.partition_key for r in sensor.evaluate_tick(context).run_requests] == [
        "2025-01-01-05:00"
    ]


def test_a_max_keys_below_one_is_a_clear_error_not_a_stuck_sensor(storage, monkeypatch):
    import pytest

    from sensors.hourly_runs import SensorConfigError

    for bad in ("0", "-1", "many"):
        monkeypatch.setenv("SLUICE_SENSOR_MAX_KEYS", bad)
        with pytest.raises(
            SensorConfigError,
            match=r"SLUICE_SENSOR_MAX_KEYS=.* must be a whole number of keys >= 1",
        ):
            tick(DagsterInstance.ephemeral(), storage)
