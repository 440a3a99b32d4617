"""The two logins sensors against real storage (moto S3) and a real (moto) SQS queue."""

import json

from dagster import DagsterInstance, RunRequest, SensorResult, SkipReason, build_sensor_context

from resources.queue import LoginQueueResource
from sensors.logins import login_files_sensor, login_queue_sensor
from tests.logins.conftest import send_records


def _tick(sensor, instance, cursor=None, **resources):
    context = build_sensor_context(instance=instance, cursor=cursor, resources=resources)
    result = sensor(context)
    if isinstance(result, SensorResult):
        return result.run_requests or [result.skip_reason], result.cursor
    return (result if isinstance(result, list) else [result]), context.cursor


def test_files_sensor_requests_each_new_hour_once(s3_storage):
    instance = DagsterInstance.ephemeral()
    for key in [
        "landing/logins/2025/01/01/10/a.jsonl",
        "landing/logins/2025/01/01/10/b.json",
        "landing/logins/2025/01/01/11/c.jsonl",
        "landing/logins/2025/01/01/11/notes.txt",
        "landing/logins/stray.jsonl",
    ]:
        s3_storage.put_bytes(key, b"{}\n")
    requests, cursor = _tick(login_files_sensor, instance, storage=s3_storage)
    assert [r.partition_key for r in requests] == ["2025-01-01-10:00", "2025-01-01-11:00"]
    # the cursor stays inside the hour layout: "stray.jsonl" sorts after every hour folder
    assert json.loads(cursor)["after"] == "landing/logins/2025/01/01/11/notes.txt"
    # nothing new: no request (the same listing as raw_events_sensor remembers the window)
    [skip], same_cursor = _tick(login_files_sensor, instance, cursor=cursor, storage=s3_storage)
    assert isinstance(skip, SkipReason) and same_cursor == cursor

    # a file whose name sorts before the cursor, in the newest hour, is still found
    s3_storage.put_bytes("landing/logins/2025/01/01/11/b.jsonl", b"{}\n")
    later, cursor = _tick(login_files_sensor, instance, cursor=cursor, storage=s3_storage)
    assert [r.partition_key for r in later] == ["2025-01-01-11:00"]
    assert later[0].run_key != requests[1].run_key

    s3_storage.put_bytes("landing/logins/2025/01/01/12/e.jsonl", b"{}\n")
    newer, newer_cursor = _tick(login_files_sensor, instance, cursor=cursor, storage=s3_storage)
    assert [r.partition_key for r in newer] == ["2025-01-01-12:00"]
    assert json.loads(newer_cursor)["after"] == "landing/logins/2025/01/01/12/e.jsonl"


def test_queue_sensor_requests_a_drain_only_when_messages_wait(
    login_queue, sqs_queue_url, moto_endpoint, sample_records
):
    instance = DagsterInstance.ephemeral()
    [skip], _ = _tick(login_queue_sensor, instance, login_queue=login_queue)
    assert isinstance(skip, SkipReason) and "empty" in skip.skip_message
    send_records(sqs_queue_url, moto_endpoint, sample_records[:5])
    [request], _ = _tick(login_queue_sensor, instance, login_queue=login_queue)
    assert isinstance(request, RunRequest) and request.tags["sluice/queue_depth"] == "5"
    [unset], _ = _tick(login_queue_sensor, instance, login_queue=LoginQueueResource())
    assert "SLUICE_LOGIN_QUEUE_URL" in unset.skip_message
