"""raw_logins, user_logins and quarantined_logins report the shared metadata vocabulary."""

from tests.ingest_metadata_checks import assert_ingest_metadata
from tests.logins.conftest import drain, load_hours, materialization_metadata, send_records

GOOD = {"user_id": "u-1", "app_version": "2.3.0", "device_type": "android",
        "ip": "199.172.111.135", "locale": "RU", "device_id": "593-47-5928"}  # fmt: skip


def test_the_three_login_assets_report_the_vocabulary(login_resources, sqs_queue_url, moto_endpoint):
    records = [{**GOOD, "user_id": f"u-{i}"} for i in range(3)] + [{**GOOD, "ip": None}]
    send_records(sqs_queue_url, moto_endpoint, records)
    storage = login_resources["storage"]

    raw = assert_ingest_metadata(materialization_metadata(drain(login_resources), "raw_logins"), row_count=4)
    assert (raw["records_read"], raw["valid"], raw["quarantined"]) == (4, 4, 0)
    archive = [o for o in storage.list_objects("landing/logins/")]
    assert raw["bytes_written"] == sum(o.size for o in archive) > 0
    assert raw["dagster/uri"] == storage.uri("landing/logins/")

    (result,) = load_hours(login_resources, [o.key for o in archive])  # one batch, one hour
    loaded = assert_ingest_metadata(materialization_metadata(result, "user_logins"), row_count=3)
    assert (loaded["records_read"], loaded["valid"], loaded["quarantined"]) == (4, 3, 1)
    assert loaded["dagster/uri"].endswith("?table=public.user_logins") and loaded["bytes_written"] > 0
    quarantined = assert_ingest_metadata(materialization_metadata(result, "quarantined_logins"), row_count=1)
    assert quarantined["quarantined_by_reason"] == {"ip:missing": 1}
    assert quarantined["bytes_written"] == sum(o.size for o in storage.list_objects("quarantine/logins/"))
