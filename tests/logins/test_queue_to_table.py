"""The sample's 100 messages through a real (moto) SQS queue into Postgres, end to end."""

import hashlib
import hmac
import io
import json

import pyarrow.parquet as pq

from platform_assets.logins.pii import decrypt
from platform_assets.logins.reveal import main as reveal_main
from tests.logins.conftest import (
    HMAC_KEY,
    drain,
    load_hours,
    materialization_metadata,
    send_records,
    table_rows,
)

MALFORMED_INDEX = 12


def _archive_keys(storage):
    return [o.key for o in storage.list_objects("landing/logins/")]


def test_sample_messages_drain_load_and_rerun(
    login_resources, sqs_queue_url, moto_endpoint, sample_records, capsys
):
    ids = send_records(sqs_queue_url, moto_endpoint, sample_records)
    storage, url = login_resources["storage"], login_resources["postgres"].url

    drained = materialization_metadata(drain(login_resources, archive_batch_size=40), "raw_logins")
    assert (drained["received"], drained["archived"], drained["deleted"]) == (100, 100, 100)
    assert login_resources["login_queue"].approximate_depth() == 0
    archive = _archive_keys(storage)
    assert len(archive) == 3 and all(k.endswith(".jsonl") for k in archive)

    results = load_hours(login_resources, archive)  # one hour, or two if the drain straddled one
    rows = table_rows(url)
    expected = {ids[i]: r for i, r in enumerate(sample_records) if i != MALFORMED_INDEX}
    keys = login_resources["pii_keys"].get_keys()
    assert len(rows) == 99 and {r["message_id"] for r in rows} == set(expected)
    for row in rows:
        record = expected[row["message_id"]]
        assert row["user_id"] == record["user_id"]
        assert row["device_type"] == record["device_type"]
        assert row["locale"] == record["locale"]
        assert row["app_version"] == record["app_version"]
        major, minor, patch = ([int(p) for p in record["app_version"].split(".")] + [0, 0])[:3]
        assert row["app_version_num"] == major * 1_000_000 + minor * 1_000 + patch
        assert (
            row["masked_ip"]
            == hmac.new(HMAC_KEY, record["ip"].encode(), hashlib.sha256).hexdigest()
        )
        assert (
            row["masked_device_id"]
            == hmac.new(HMAC_KEY, record["device_id"].encode(), hashlib.sha256).hexdigest()
        )
        assert (
            record["ip"] not in row["encrypted_ip"]
            and record["device_id"] not in row["encrypted_device_id"]
        )
        assert decrypt(row["encrypted_ip"], keys.decryption_keys, "ip") == record["ip"]
        assert (
            decrypt(row["encrypted_device_id"], keys.decryption_keys, "device_id")
            == record["device_id"]
        )
        assert row["create_date"] == row["arrival_hour"].date()

    # the malformed message: quarantined once, raw, with every reason
    [qkey] = [o.key for o in storage.list_objects("quarantine/logins/")]
    assert qkey.startswith("quarantine/logins/ingest_date=") and "/ingest_hour=" in qkey
    quarantine = pq.read_table(io.BytesIO(storage.read_bytes(qkey))).to_pylist()
    assert len(quarantine) == 1
    assert quarantine[0]["message_id"] == ids[MALFORMED_INDEX]
    assert json.loads(quarantine[0]["raw_body"]) == {"foo": "oops_wrong_msg_type", "bar": "123"}
    assert quarantine[0]["reasons"] == [
        "user_id:missing", "device_type:missing", "ip:missing", "device_id:missing",
        "app_version:missing",
    ]  # fmt: skip

    metas = [materialization_metadata(r, "user_logins") for r in results]
    totals = {
        k: sum(m[k] for m in metas) for k in ("records_read", "valid", "quarantined", "inserted")
    }
    assert totals == {"records_read": 100, "valid": 99, "quarantined": 1, "inserted": 99}
    assert sum(m["quarantined_by_reason"].get("ip:missing", 0) for m in metas) == 1
    assert all(check.passed for r in results for check in r.get_asset_check_evaluations())

    # re-running the hours changes nothing
    before = table_rows(url)
    reruns = load_hours(login_resources, archive)
    assert sum(materialization_metadata(r, "user_logins")["inserted"] for r in reruns) == 0
    assert table_rows(url) == before
    assert [o.key for o in storage.list_objects("quarantine/logins/")] == [qkey]

    # an empty queue drains to nothing and writes no file
    assert materialization_metadata(drain(login_resources), "raw_logins")["received"] == 0
    assert _archive_keys(storage) == archive

    # reveal round-trips through the CLI, by message id and by user id
    capsys.readouterr()
    assert reveal_main(["--message-id", ids[0], "--postgres-url", url]) == 0
    revealed = json.loads(capsys.readouterr().out)
    assert (revealed["ip"], revealed["device_id"]) == (
        sample_records[0]["ip"],
        sample_records[0]["device_id"],
    )
    assert reveal_main(["--user-id", sample_records[5]["user_id"], "--postgres-url", url]) == 0
    assert json.loads(capsys.readouterr().out)["device_id"] == sample_records[5]["device_id"]
    assert reveal_main(["--message-id", "nope", "--postgres-url", url]) == 1
