"""Person files, customer files and login hours are leased like events hours: a run of a
partition another run holds fails at once naming that run, and touches nothing."""

from __future__ import annotations

import json

from dagster import DagsterInstance, Definitions, materialize

from platform_assets.customers.assets import customer_file
from platform_assets.logins.assets import user_logins
from platform_assets.logins.definitions import load_user_logins_job
from platform_assets.partition_lease import acquire
from platform_assets.people.assets import person_file
from tests.customers.customer_files import boundary_file
from tests.logins.conftest import (  # noqa: F401 - fixtures
    login_queue,
    pii_env,
    s3_storage,
    sqs_queue_url,
)
from tests.people.person_files import dirty_file


def failure_message(result) -> str:
    (failure,) = result.get_step_failure_events()
    return failure.event_specific_data.error.cause.message


def test_a_person_file_held_by_another_run_is_not_loaded(local_lake, postgres, clean_postgres):
    import psycopg

    local_lake.put_bytes("landing/persons/dirty.csv", dirty_file())
    with DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions("person_files", ["dirty.csv"])
        run = lambda: materialize(  # noqa: E731
            [person_file], partition_key="dirty.csv", instance=instance, raise_on_error=False,
            resources={"storage": local_lake, "postgres": postgres},
        )  # fmt: skip
        lease = acquire(local_lake, "persons", "dirty.csv", holder="run other-42")
        result = run()
        assert not result.success
        assert "persons dirty.csv is being processed by run other-42" in failure_message(result)
        with psycopg.connect(clean_postgres) as conn:
            assert conn.execute("select count(*) from person").fetchone()[0] == 0
        lease.release()
        assert run().success
        with psycopg.connect(clean_postgres) as conn:
            assert conn.execute("select count(*) from person").fetchone()[0] > 0


def test_a_customer_file_held_by_another_run_is_not_touched(local_lake):
    local_lake.put_bytes("landing/customers/c.csv", boundary_file())
    with DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions("customer_files", ["c.csv"])
        run = lambda: materialize(  # noqa: E731
            [customer_file], partition_key="c.csv", instance=instance, raise_on_error=False,
            resources={"storage": local_lake},
        )  # fmt: skip
        lease = acquire(local_lake, "customers", "c.csv", holder="run other-43")
        result = run()
        assert not result.success
        assert "customers c.csv is being processed by run other-43" in failure_message(result)
        assert [o.key for o in local_lake.list_objects("")] == [
            "landing/customers/c.csv",
            "state/leases/customers/c.csv.json",
        ]
        lease.release()
        assert run().success


def test_a_login_hour_held_by_another_run_is_not_loaded(
    s3_storage,  # noqa: F811
    clean_postgres,
    pii_env,  # noqa: F811
):
    from resources.postgres import PostgresResource
    from resources.secrets import PiiKeysResource

    record = {
        "user_id": "u1",
        "device_type": "ios",
        "ip": "10.0.0.1",
        "device_id": "d1",
        "locale": "en",
        "app_version": "1",
    }
    s3_storage.put_bytes("landing/logins/2025/03/01/10/a.json", json.dumps(record).encode())
    postgres = PostgresResource(url=clean_postgres)
    resources = {"storage": s3_storage, "postgres": postgres, "pii_keys": PiiKeysResource()}
    job = Definitions(
        assets=[user_logins], jobs=[load_user_logins_job], resources=resources
    ).resolve_job_def("load_user_logins")
    tags = {
        "dagster/asset_partition_range_start": "2025-03-01-09:00",
        "dagster/asset_partition_range_end": "2025-03-01-10:00",
    }
    lease = acquire(s3_storage, "logins", "2025-03-01-10:00", holder="run other-44")
    try:
        result = job.execute_in_process(
            instance=DagsterInstance.ephemeral(), tags=tags, raise_on_error=False
        )
        assert not result.success
        assert "logins 2025-03-01-10:00 is being processed by run other-44" in failure_message(
            result
        )
        # Its other hour was not taken either: the run took no lease and released what it had.
        assert s3_storage.read_versioned("state/leases/logins/2025-03-01-09%3A00.json") is None
    finally:
        lease.release()
    result = job.execute_in_process(
        instance=DagsterInstance.ephemeral(), tags=tags, raise_on_error=False
    )
    assert result.success
    postgres.close()


def test_a_person_file_whose_run_found_it_busy_is_requested_again(
    local_lake, postgres, clean_postgres
):
    from dagster import build_sensor_context, instance_for_test

    from platform_assets.definitions import defs
    from sensors.people import person_files_sensor

    local_lake.put_bytes("landing/persons/a.csv", dirty_file())
    with instance_for_test() as instance:

        def tick(cursor):
            context = build_sensor_context(
                instance=instance, instance_ref=instance.get_ref(), cursor=cursor,
                resources={"storage": local_lake}, repository_def=defs.get_repository_def(),
            )  # fmt: skip
            return person_files_sensor.evaluate_tick(context)

        first = tick(None)
        assert [r.partition_key for r in first.run_requests] == ["a.csv"]
        instance.add_dynamic_partitions("person_files", ["a.csv"])
        lease = acquire(local_lake, "persons", "a.csv", holder="run other-45")
        failed = materialize(
            [person_file], partition_key="a.csv", instance=instance, raise_on_error=False,
            resources={"storage": local_lake, "postgres": postgres},
        )  # fmt: skip
        assert not failed.success
        assert tick(first.cursor).run_requests == []  # still held
        lease.release()
        (retry,) = tick(first.cursor).run_requests
        assert (retry.partition_key, retry.run_key) == (
            "a.csv",
            f"persons:a.csv:retry-of:{failed.run_id}",
        )
