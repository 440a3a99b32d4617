"""customer_files_sensor and customers_schedule: real ticks against a real instance."""

from datetime import UTC, datetime

import pytest
from dagster import (
    DefaultScheduleStatus,
    DefaultSensorStatus,
    Definitions,
    build_schedule_context,
    build_sensor_context,
)

from platform_assets.customers.definitions import customers_defs
from sensors.customers import (
    CustomersConfigError,
    build_customers_schedule,
    customer_files_sensor,
    customers_schedule,
)
from tests.customers.runs import run_file


def repository(storage):
    return Definitions.merge(
        customers_defs,
        Definitions(
            sensors=[customer_files_sensor],
            schedules=[customers_schedule],
            resources={"storage": storage},
        ),
    ).get_repository_def()


def test_both_run_by_default():
    assert customer_files_sensor.default_status == DefaultSensorStatus.RUNNING
    assert customers_schedule.default_status == DefaultScheduleStatus.RUNNING
    assert customers_schedule.cron_schedule == "0 * * * *"
    assert customers_schedule.execution_timezone == "UTC"
    assert customer_files_sensor.job_name == customers_schedule.job_name == "customer_files_job"


def test_sensor_adds_partitions_and_requests_one_run_per_new_file(instance, storage, files):
    for name in ("a.csv", "b.csv"):
        storage.put_bytes(f"landing/customers/{name}", files["customers_001.csv"])
    storage.put_bytes("landing/customers/notes.txt", b"not a customer file")
    storage.put_bytes("landing/customers/old/c.csv", files["customers_001.csv"])
    repo = repository(storage)

    def tick(cursor):
        # Contexts hold instances and resources: close them (`with`), as the daemon does.
        with build_sensor_context(
            instance=instance,
            instance_ref=instance.get_ref(),
            cursor=cursor,
            repository_def=repo,
            resources={"storage": storage},
        ) as context:
            return customer_files_sensor.evaluate_tick(context)

    first = tick(None)
    assert [r.partition_key for r in first.run_requests] == ["a.csv", "b.csv"]
    assert [r.run_key for r in first.run_requests] == [
        "landing/customers/a.csv",
        "landing/customers/b.csv",
    ]
    (add,) = first.dynamic_partitions_requests
    assert add.partitions_def_name == "customer_files" and list(add.partition_keys) == [
        "a.csv",
        "b.csv",
    ]
    assert first.cursor == "landing/customers/old/c.csv"
    instance.add_dynamic_partitions("customer_files", list(add.partition_keys))  # the daemon's part

    second = tick(first.cursor)
    assert second.run_requests == [] and "no new files" in second.skip_message

    storage.put_bytes("landing/customers/zz.csv", files["customers_002.csv"])
    third = tick(second.cursor)
    assert [r.partition_key for r in third.run_requests] == ["zz.csv"]


def test_schedule_sweeps_missed_and_changed_files_only(instance, storage, files):
    repo = repository(storage)
    run_file(instance, storage, "done.csv", files["customers_001.csv"])
    run_file(
        instance, storage, "broken.csv", files["customers_missing_email.csv"], raise_on_error=False
    )
    storage.put_bytes("landing/customers/missed.csv", files["customers_002.csv"])

    def sweep():
        # The context opens its own instance from the ref: close it (`with`), as the daemon does.
        with build_schedule_context(
            instance=instance,
            resources={"storage": storage},
            scheduled_execution_time=datetime(2025, 1, 1, 10, tzinfo=UTC),
            repository_def=repo,
        ) as context:
            return customers_schedule.evaluate_tick(context)

    first = sweep()
    # The processed file and the file rejected whole are not retried; the missed one runs,
    # and its partition now exists.
    assert [(r.partition_key, r.tags["sluice/sweep_reason"]) for r in first.run_requests] == [
        ("missed.csv", "not processed")
    ]
    assert "missed.csv" in instance.get_dynamic_partitions("customer_files")

    storage.put_bytes("landing/customers/done.csv", files["customers_002.csv"])  # replaced
    run_file(instance, storage, "missed.csv")
    second = sweep()
    assert [(r.partition_key, r.tags["sluice/sweep_reason"]) for r in second.run_requests] == [
        ("done.csv", "changed")
    ]
    assert second.run_requests[0].run_key.startswith("landing/customers/done.csv@")

    run_file(instance, storage, "done.csv")
    third = sweep()
    assert third.run_requests == [] and "processed and unchanged" in third.skip_message


def test_cron_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("SLUICE_CUSTOMERS_CRON", "*/15 * * * *")
    assert build_customers_schedule().cron_schedule == "*/15 * * * *"
    monkeypatch.setenv("SLUICE_CUSTOMERS_CRON", "every hour")
    with pytest.raises(CustomersConfigError, match="SLUICE_CUSTOMERS_CRON='every hour'"):
        build_customers_schedule()
    monkeypatch.delenv("SLUICE_CUSTOMERS_CRON")
    assert build_customers_schedule().cron_schedule == "0 * * * *"
