"""raw_logins, user_logins and quarantined_logins report the shared metadata vocabulary."""

from tests.ingest_metadata_checks import assert_ingest_metadata
from tests.logins.conftest import drain, load_hours, materialization_metadata, send_records

GOOD = {"user_id": "u-1", "app_version": "2.3.0", "device_type": "android",
        "ip": "199.172.111.135", "locale": "RU", "device_id": "593-47-5928"}  # fmt: skip


def test_the_three_login_assets_report_the_vocabulary(
    login_resources, sqs_queue_url, moto_endpoint
):
    records = [{**GOOD, "user_id": f"u-{i}"} for i in range(3)] + [{**GOOD, "ip": None}]
    send_records(sqs_queue_url, moto_endpoint, records)
    storage = login_resources["storage"]

    raw = assert_ingest_metadata(
        materialization_metadata(drain(login_resources), "raw_logins"), row_count=4
    )
    assert (raw["records_read"], raw["valid"], raw["quarantined"]) == (4, 4, 0)
    archive = [o for o in storage.list_objects("landing/logins/")]
    assert raw["bytes_written"] == sum(o.size for o in archive) > 0
    assert raw["dagster/uri"] == storage.uri("landing/logins/")

    (result,) = load_hours(login_resources, [o.key for o in archive])  # one batch, one hour
    loaded = assert_ingest_metadata(materialization_metadata(result, "user_logins"), row_count=3)
    assert (loaded["records_read"], loaded["valid"], loaded["quarantined"]) == (4, 3, 1)
    assert (
        loaded["dagster/uri"].endswith("?table=public.user_logins") and loaded["bytes_written"] > 0
    )
    quarantined = assert_ingest_metadata(
        materialization_metadata(result, "quarantined_logins"), row_count=1
    )
    assert quarantined["quarantined_by_reason"] == {"ip:missing": 1}
    assert quarantined["bytes_written"] == sum(
        o.size for o in storage.list_objects("quarantine/logins/")
    )


def test_a_range_run_logs_progress_by_hour(login_resources, monkeypatch):
    import json

    from dagster import DagsterInstance, Definitions

    from platform_assets.logins.assets import user_logins
    from platform_assets.logins.definitions import load_user_logins_job

    monkeypatch.setenv("SLUICE_PROGRESS_SECONDS", "0")  # a line for every chunk
    storage = login_resources["storage"]
    for key, count in [
        ("2025-03-01/09/a.jsonl", 2),
        ("2025-03-01/09/b.jsonl", 1),
        ("2025-03-01/10/c.jsonl", 3),
    ]:
        day, hh, name = key.split("/")
        lines = [json.dumps({**GOOD, "user_id": f"{name}-{i}"}) for i in range(count)]
        storage.put_bytes(
            f"landing/logins/{day.replace('-', '/')}/{hh}/{name}", "\n".join(lines).encode()
        )
    resources = {k: login_resources[k] for k in ("storage", "postgres", "pii_keys")}
    job = Definitions(
        assets=[user_logins], jobs=[load_user_logins_job], resources=resources
    ).resolve_job_def("load_user_logins")
    instance = DagsterInstance.ephemeral()
    result = job.execute_in_process(instance=instance, tags={
        "dagster/asset_partition_range_start": "2025-03-01-09:00",
        "dagster/asset_partition_range_end": "2025-03-01-10:00",
    })  # fmt: skip
    assert result.success
    messages = [
        e.user_message
        for e in instance.all_logs(result.run_id)
        if e.user_message.startswith("user_logins: ")
    ]
    assert messages == [
        "user_logins: hour 1 of 2 (2025-03-01 09:00): 0 of 2 files, 2 records read"
        + messages[0].split("read", 1)[1],
        "user_logins: hour 1 of 2 (2025-03-01 09:00): 1 of 2 files, 3 records read"
        + messages[1].split("read", 1)[1],
        "user_logins: hour 2 of 2 (2025-03-01 10:00): 0 of 1 files, 3 records read, 6 in the run"
        + messages[2].split("in the run", 1)[1],
    ]
    assert all(m.endswith(" records/s") for m in messages)
