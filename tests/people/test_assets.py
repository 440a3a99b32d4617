"""The persons assets through Dagster: a real run, a sensor tick, metadata and logs."""

import json
import logging

import pyarrow.parquet as pq
import pytest
from dagster import (
    DagsterInstance,
    Definitions,
    build_sensor_context,
    instance_for_test,
)

from platform_assets.people.definitions import people_defs
from platform_assets.people.quarantine import quarantine_key
from resources.postgres import PostgresResource
from resources.storage import StorageResource
from sensors.people import PersonFilesCursor, person_files_sensor
from tests.fixtures.run_results import materialization_metadata
from tests.ingest_metadata_checks import assert_ingest_metadata
from tests.people.person_files import (
    DIRTY_ROWS,
    EXPECTED_REJECTIONS,
    dirty_file,
    missing_column_file,
)
from tests.people.runs import run_file


@pytest.fixture
def storage(tmp_path):
    return StorageResource(url=str(tmp_path / "storage"))


@pytest.fixture
def instance():
    with DagsterInstance.ephemeral() as inst:
        yield inst


@pytest.fixture
def persistent_instance():
    # Sensors resolve partitioned run requests only on an instance with a ref (on disk), as
    # the daemon's is; DagsterInstance.ephemeral() has none.
    with instance_for_test() as inst:
        yield inst


def test_progress_names_each_stage(instance, storage, postgres, clean_postgres, monkeypatch):
    monkeypatch.setenv("SLUICE_PROGRESS_SECONDS", "0")  # a line at every stage
    result = run_file(instance, storage, postgres, "dirty.csv", dirty_file())
    lines = [e.user_message for e in instance.all_logs(result.run_id)]
    stages = [
        line.split(": ", 1)[1].split(",")[0]
        for line in lines
        if line.startswith("person_file dirty.csv: ")
    ]
    assert stages == ["reading", "validating and loading 10 rows into Postgres", "done"]


def test_dirty_file_run(instance, storage, postgres, clean_postgres):
    result = run_file(instance, storage, postgres, "dirty.csv", dirty_file())
    meta = materialization_metadata(result)
    assert meta["person"]["persons_inserted"] == 5 and meta["person"]["records_read"] == 10
    assert meta["gender"]["genders_inserted"] == 1
    assert meta["person_ip"]["person_ips_inserted"] == 6
    assert meta["quarantined_persons"]["quarantined"] == 4
    assert meta["quarantined_persons"]["quarantined_by_reason"] == {
        "invalid_email": 2,
        "invalid_ip": 2,
        "missing:first_name": 1,
        "missing:ip_address": 1,
    }
    # Nothing lost: valid + quarantined == read; every asset of the file reports the vocabulary.
    assert meta["person"]["valid"] + meta["quarantined_persons"]["quarantined"] == 10
    for asset, written in [
        ("gender", 1),
        ("person", 5),
        ("person_ip", 6),
        ("quarantined_persons", 4),
    ]:
        values = assert_ingest_metadata(meta[asset], row_count=written)
        assert values["records_read"] == 10
    assert meta["quarantined_persons"]["dagster/uri"] == storage.uri(quarantine_key("dirty.csv"))
    assert meta["quarantined_persons"]["bytes_written"] == len(
        storage.read_bytes(quarantine_key("dirty.csv"))
    )
    assert meta["person"]["dagster/uri"].endswith("?table=public.person")
    assert "@" not in meta["person"]["dagster/uri"]  # no user or password
    assert meta["person"]["bytes_written"] > 0  # the table grew

    table = pq.read_table(storage.uri(quarantine_key("dirty.csv"))).to_pylist()
    assert {r["line"]: r["reasons"] for r in table} == EXPECTED_REJECTIONS
    assert {r["source_key"] for r in table} == {"landing/persons/dirty.csv"}
    raw_line_3 = json.loads(next(r for r in table if r["line"] == 3)["raw_record"])
    assert raw_line_3 == dict(
        zip(
            ["id", "first_name", "last_name", "email", "gender", "ip_address", "signup_source"],
            DIRTY_ROWS[1] + ["web"],
        )
    )

    # The quarantine-rate check warns (4 of 10 rows) without failing the run.
    (check,) = result.get_asset_check_evaluations()
    assert check.passed is False

    rerun = materialization_metadata(run_file(instance, storage, postgres, "dirty.csv"))
    assert rerun["person"]["persons_inserted"] == 0 and rerun["person"]["persons_updated"] == 0
    assert rerun["person_ip"]["person_ips_inserted"] == 0


def test_missing_column_fails_and_quarantines_whole_file(
    instance, storage, postgres, clean_postgres
):
    result = run_file(
        instance, storage, postgres, "nocol.csv", missing_column_file(), raise_on_error=False
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.event_specific_data.error.message
    assert "landing/persons/nocol.csv" in message and "'email'" in message
    table = pq.read_table(storage.uri(quarantine_key("nocol.csv"))).to_pylist()
    assert [(r["line"], r["reasons"]) for r in table] == [
        (2, ["missing_column:email"]),
        (3, ["missing_column:email"]),
    ]
    with postgres.connection() as conn:
        assert conn.execute("select count(*) from person").fetchone()[0] == 0


def test_no_pii_in_logs_or_metadata(instance, storage, postgres, clean_postgres, caplog):
    caplog.set_level(logging.DEBUG)
    result = run_file(instance, storage, postgres, "pii.csv", dirty_file())
    logs = caplog.text + "\n".join(str(e.message) for e in instance.all_logs(result.run_id))
    metadata = json.dumps(materialization_metadata(result), default=str)
    checks = json.dumps(
        [{k: v.value for k, v in c.metadata.items()} for c in result.get_asset_check_evaluations()],
        default=str,
    )
    pii = {v.strip() for row in DIRTY_ROWS for v in (row[3], row[5]) if len(v.strip()) > 3}
    pii |= {v.strip().lower() for v in pii}
    for value in pii:
        assert value not in logs, f"PII value leaked into logs: {value!r}"
        assert value not in metadata, f"PII value leaked into metadata: {value!r}"
        assert value not in checks


def test_sensor_adds_partitions_and_requests_one_run_per_new_file(persistent_instance, storage):
    instance = persistent_instance
    storage.put_bytes("landing/persons/a.csv", dirty_file())
    storage.put_bytes("landing/persons/b.csv", dirty_file())
    storage.put_bytes("landing/persons/notes.txt", b"not a person file")

    # The sensor never touches Postgres; the resource is lazy, so no server is needed here.
    definitions = Definitions.merge(
        people_defs,
        Definitions(
            resources={
                "storage": storage,
                "postgres": PostgresResource(url="postgresql://unused/none"),
            }
        ),
    )

    def tick(cursor):
        ctx = build_sensor_context(
            instance=instance,
            instance_ref=instance.get_ref(),
            cursor=cursor,
            resources={"storage": storage},
            definitions=definitions,
        )
        return person_files_sensor.evaluate_tick(ctx)

    first = tick(None)
    assert [r.partition_key for r in first.run_requests] == ["a.csv", "b.csv"]
    assert [r.run_key for r in first.run_requests] == [
        "landing/persons/a.csv",
        "landing/persons/b.csv",
    ]
    (add,) = first.dynamic_partitions_requests
    assert add.partitions_def_name == "person_files" and list(add.partition_keys) == [
        "a.csv",
        "b.csv",
    ]
    assert PersonFilesCursor.parse(first.cursor).after == "landing/persons/notes.txt"
    # What the daemon does with the tick's requests.
    instance.add_dynamic_partitions("person_files", list(add.partition_keys))

    second = tick(first.cursor)
    assert second.run_requests == [] and second.skip_message  # nothing new, no rescan

    storage.put_bytes("landing/persons/zz.csv", dirty_file())
    third = tick(second.cursor)
    assert [r.partition_key for r in third.run_requests] == ["zz.csv"]
    instance.add_dynamic_partitions("person_files", ["zz.csv"])

    # A name sorting before the cursor is invisible to StartAfter; the reconciliation pass
    # (due here because the cursor says the last one was long ago) finds it, and only it.
    storage.put_bytes("landing/persons/c.csv", dirty_file())
    assert tick(third.cursor).run_requests == []
    stale = PersonFilesCursor.parse(third.cursor)
    stale.reconciled_at = 0
    fourth = tick(stale.dump())
    assert [r.partition_key for r in fourth.run_requests] == ["c.csv"]


def test_postgres_errors_are_described_without_row_values(postgres, clean_postgres):
    import psycopg

    from platform_assets.people.assets import _describe_load_error

    insert = (
        "insert into person (first_name, last_name, email) values ('A', 'B', 'secret@example.com')"
    )
    with pytest.raises(psycopg.Error) as err:
        with postgres.connection() as conn:
            conn.execute(insert)
            conn.execute(insert)
    assert "secret@example.com" in str(err.value.diag.message_detail)  # Postgres would leak it
    described = _describe_load_error(err.value)
    assert "secret@example.com" not in described
    assert "UniqueViolation" in described and "email_u" in described
