"""Users without a queue drop files: a sensor tick, then one single-run backfill over two hours."""

import io
import json

import pyarrow.parquet as pq
from dagster import DagsterInstance, build_sensor_context

from platform_assets.logins.definitions import load_user_logins_job
from platform_assets.logins.messages import derived_message_id
from sensors.logins import login_files_sensor
from tests.logins.conftest import materialization_metadata, table_rows

SAMPLE_KEY = "landing/logins/2025/03/01/09/sample_data.json"
DROP_KEY = "landing/logins/2025/03/01/10/handmade.jsonl"


def _run_range(resources, start: str, end: str, instance):
    from dagster import Definitions

    from platform_assets.logins.assets import user_logins

    job = Definitions(
        assets=[user_logins], jobs=[load_user_logins_job], resources=resources
    ).resolve_job_def("load_user_logins")
    return job.execute_in_process(
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": start,
            "dagster/asset_partition_range_end": end,
        },
    )


def test_dropped_files_load_by_hour_with_stable_ids(login_resources, sample_data, sample_records):
    storage = login_resources["storage"]
    storage.put_bytes(
        SAMPLE_KEY, (sample_data / "fetch-sqs-logins" / "sample_data.json").read_bytes()
    )
    extra = {**sample_records[0], "user_id": "hand-made-user", "app_version": "7"}
    storage.put_bytes(DROP_KEY, (json.dumps(extra) + "\n" + "{truncated\n").encode())
    instance = DagsterInstance.ephemeral()

    context = build_sensor_context(instance=instance, resources={"storage": storage})
    requests = login_files_sensor(context).run_requests
    assert [r.partition_key for r in requests] == ["2025-03-01-09:00", "2025-03-01-10:00"]

    resources = {k: login_resources[k] for k in ("storage", "postgres", "pii_keys")}
    result = _run_range(resources, "2025-03-01-09:00", "2025-03-01-10:00", instance)
    meta = materialization_metadata(result, "user_logins")
    assert (meta["records_read"], meta["valid"], meta["quarantined"], meta["inserted"]) == (
        102,
        100,
        2,
        100,
    )
    assert meta["quarantined_by_reason"] == {
        "app_version:missing": 1, "body:invalid_json": 1, "device_id:missing": 1,
        "device_type:missing": 1, "ip:missing": 1, "user_id:missing": 1,
    }  # fmt: skip

    rows = {r["message_id"]: r for r in table_rows(login_resources["postgres"].url)}
    assert len(rows) == 100
    first = rows[derived_message_id(SAMPLE_KEY, 0)]
    assert (first["user_id"], first["source_key"], first["source_line"]) == (
        sample_records[0]["user_id"],
        SAMPLE_KEY,
        0,
    )
    assert str(first["create_date"]) == "2025-03-01"
    hand = rows[derived_message_id(DROP_KEY, 1)]
    assert (hand["app_version"], hand["app_version_num"], str(hand["arrival_hour"])) == (
        "7", 7_000_000, "2025-03-01 10:00:00+00:00",
    )  # fmt: skip
    assert hand["masked_ip"] == first["masked_ip"]  # same ip, same mask: duplicates stay visible

    quarantine = {
        o.key: pq.read_table(io.BytesIO(storage.read_bytes(o.key))).to_pylist()
        for o in storage.list_objects("quarantine/logins/")
    }
    assert sorted(quarantine) == [
        "quarantine/logins/ingest_date=2025-03-01/ingest_hour=09/2025-03-01-09.parquet",
        "quarantine/logins/ingest_date=2025-03-01/ingest_hour=10/2025-03-01-10.parquet",
    ]
    [bad_line] = quarantine[
        "quarantine/logins/ingest_date=2025-03-01/ingest_hour=10/2025-03-01-10.parquet"
    ]
    assert (bad_line["source_line"], bad_line["raw_body"], bad_line["reasons"]) == (
        2,
        "{truncated",
        ["body:invalid_json"],
    )

    # the same range again: nothing new, same table
    before = table_rows(login_resources["postgres"].url)
    again = materialization_metadata(
        _run_range(resources, "2025-03-01-09:00", "2025-03-01-10:00", instance), "user_logins"
    )
    assert again["inserted"] == 0 and table_rows(login_resources["postgres"].url) == before


def test_a_truncated_gzip_is_quarantined_whole_and_the_hour_goes_on(login_resources):
    import gzip

    from platform_assets.logins.ingest import ingest_hour
    from platform_assets.logins.layout import hour_of_key

    key = "landing/logins/2025/03/02/00/broken.jsonl.gz"
    login_resources["storage"].put_bytes(key, gzip.compress(b'{"a": 1}\n' * 1000)[:50])
    result = ingest_hour(hour_of_key(key), login_resources["storage"],
                         login_resources["postgres"].connection,
                         login_resources["pii_keys"].get_keys())  # fmt: skip
    assert (result.read, result.quarantined, result.corrupt_files) == (1, 1, [key])
    assert result.reasons == {"corrupt_file": 1}
    assert table_rows(login_resources["postgres"].url) == []
