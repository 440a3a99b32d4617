"""Fixtures of the logins tests: PII keys, a real (moto) SQS queue, S3 storage, the sample."""

from __future__ import annotations

import base64
import json
import uuid

import boto3
import pytest

from resources.queue import LoginQueueResource
from resources.secrets import ENCRYPTION_KEY_VARIABLE, HMAC_KEY_VARIABLE, keys_from_env
from resources.storage import StorageResource

# Fixed test keys, so expected masks can be computed independently in the tests.
HMAC_KEY = bytes(range(32))
ENCRYPTION_KEY = bytes(range(32, 64))


@pytest.fixture
def pii_env(monkeypatch):
    monkeypatch.setenv(HMAC_KEY_VARIABLE, base64.b64encode(HMAC_KEY).decode())
    monkeypatch.setenv(ENCRYPTION_KEY_VARIABLE, base64.b64encode(ENCRYPTION_KEY).decode())
    return keys_from_env()


@pytest.fixture
def sample_records(sample_data) -> list[dict]:
    return json.loads((sample_data / "fetch-sqs-logins" / "sample_data.json").read_text())


@pytest.fixture
def sqs_queue_url(moto_endpoint) -> str:
    sqs = boto3.client("sqs", endpoint_url=moto_endpoint, region_name="us-east-1")
    return sqs.create_queue(QueueName=f"login-queue-{uuid.uuid4().hex[:10]}")["QueueUrl"]


@pytest.fixture
def login_queue(moto_endpoint, sqs_queue_url) -> LoginQueueResource:
    # No long-poll wait in tests: an empty receive returns at once.
    return LoginQueueResource(
        queue_url=sqs_queue_url, endpoint_url=moto_endpoint, wait_time_seconds=0
    )


@pytest.fixture
def s3_storage(moto_endpoint, s3_bucket) -> StorageResource:
    return StorageResource(url=f"s3://{s3_bucket}/sluice", s3_endpoint_url=moto_endpoint)


def send_records(queue_url: str, endpoint: str, records: list[dict]) -> dict[int, str]:
    """Send each record as the seed's producer does (json.dumps); return index -> MessageId."""
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1")
    ids: dict[int, str] = {}
    for start in range(0, len(records), 10):
        entries = [
            {"Id": str(start + i), "MessageBody": json.dumps(r)}
            for i, r in enumerate(records[start : start + 10])
        ]
        response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        assert not response.get("Failed")
        ids.update({int(ok["Id"]): ok["MessageId"] for ok in response["Successful"]})
    return ids


@pytest.fixture
def login_resources(s3_storage, login_queue, clean_postgres, pii_env):
    """Every resource the logins assets need, on real services, with an empty database."""
    from resources.postgres import PostgresResource
    from resources.secrets import PiiKeysResource

    postgres = PostgresResource(url=clean_postgres)
    yield {
        "storage": s3_storage,
        "login_queue": login_queue,
        "postgres": postgres,
        "pii_keys": PiiKeysResource(),
    }
    postgres.close()


def drain(resources, instance=None, max_messages=50_000, archive_batch_size=1000):
    from dagster import materialize

    from platform_assets.logins.assets import raw_logins

    return materialize(
        [raw_logins],
        resources={k: resources[k] for k in ("storage", "login_queue")},
        instance=instance,
        run_config={
            "ops": {
                "raw_logins": {
                    "config": {
                        "max_messages": max_messages,
                        "archive_batch_size": archive_batch_size,
                    }
                }
            }
        },
    )


def load_hours(resources, archive_keys, instance=None):
    """Materialize user_logins for every arrival hour the archive keys fall in."""
    from dagster import materialize

    from platform_assets.logins.assets import user_logins
    from platform_assets.logins.layout import hour_of_key

    results = []
    for hour in sorted({hour_of_key(k) for k in archive_keys}):
        results.append(
            materialize(
                [user_logins],
                resources={k: resources[k] for k in ("storage", "postgres", "pii_keys")},
                partition_key=f"{hour:%Y-%m-%d-%H}:00",
                instance=instance,
            )
        )
    return results


def table_rows(url: str) -> list[dict]:
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute("select * from user_logins order by message_id").fetchall()


def materialization_metadata(result, asset: str) -> dict:
    """The run's metadata for ``asset`` (a range run records it once per hour, identically)."""
    events = [
        e
        for e in result.get_asset_materialization_events()
        if e.asset_key.to_user_string() == asset
    ]
    metadata = [{k: v.value for k, v in e.materialization.metadata.items()} for e in events]
    assert metadata and all(m == metadata[0] for m in metadata)
    return metadata[0]
