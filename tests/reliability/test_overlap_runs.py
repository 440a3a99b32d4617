"""Overlapping Dagster runs of one events hour: the later fails at once naming the hour and
the run holding it, and raw_events_sensor asks for the hour again once it is free (a used
run key is not proof that the hour was ingested)."""

from __future__ import annotations

import dagster as dg

from platform_assets.definitions import defs
from platform_assets.events.assets import ingest_events
from platform_assets.partition_lease import acquire
from tests.events.conftest import event, hour, land
from tests.fixtures.lake_storage import lake_ids

H = hour(1, 10)
PARTITION = "2025-01-01-10:00"


def tick(instance, lake_storage, cursor):
    context = dg.build_sensor_context(
        instance=instance,
        repository_def=defs.get_repository_def(),
        resources={"storage": lake_storage},
        cursor=cursor,
    )
    result = defs.get_sensor_def("raw_events_sensor").evaluate_tick(context)
    return result.run_requests, result.cursor


def materialize(instance, lake_storage, tags=None):
    return dg.materialize(
        [ingest_events],
        partition_key=PARTITION,
        instance=instance,
        resources={"storage": lake_storage},
        raise_on_error=False,
        tags=tags,
    )


def test_an_hour_whose_run_found_it_busy_is_requested_again_once_free(dagster_home, local_lake):
    instance = dg.DagsterInstance.get()
    land(local_lake, H, "f.jsonl", [event("x1"), event("x2")])
    requests, cursor = tick(instance, local_lake, None)
    assert [r.partition_key for r in requests] == [PARTITION]

    holding = acquire(local_lake, "events", "2025-01-01T10", holder="run manual-rerun-42")
    failed = materialize(instance, local_lake)
    assert not failed.success
    (failure,) = failed.get_step_failure_events()
    message = (
        failure.event_specific_data.error.cause.message
    )  # what the UI shows under the step error
    assert "events 2025-01-01T10 is being processed by run manual-rerun-42" in message
    assert lake_ids(local_lake) == []

    assert tick(instance, local_lake, cursor)[0] == []  # still held: not yet
    holding.release()
    (retry,), _ = tick(instance, local_lake, cursor)
    assert retry.partition_key == PARTITION
    assert retry.run_key == f"raw_events:{PARTITION}:retry-of:{failed.run_id}"
    assert retry.tags["sluice/attempt"] == "2"

    assert materialize(instance, local_lake, tags=retry.tags).success
    assert lake_ids(local_lake) == ["x1", "x2"]
    assert tick(instance, local_lake, cursor)[0] == []  # the latest run succeeded


def test_an_hour_that_keeps_failing_is_given_up_after_max_attempts(
    dagster_home, local_lake, monkeypatch
):
    monkeypatch.setenv("SLUICE_EVENTS_MAX_ATTEMPTS", "2")
    instance = dg.DagsterInstance.get()
    land(local_lake, H, "f.jsonl", [event("x1")])
    _, cursor = tick(instance, local_lake, None)
    holding = acquire(local_lake, "events", "2025-01-01T10", holder="run stuck")
    assert not materialize(instance, local_lake, tags={"sluice/attempt": "2"}).success
    holding.release()
    assert tick(instance, local_lake, cursor)[0] == []
