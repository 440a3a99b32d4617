"""Kill the drain between archiving a batch and deleting it: nothing lost, nothing doubled."""

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

from tests.logins.conftest import (
    drain,
    load_hours,
    materialization_metadata,
    send_records,
    table_rows,
)

ROOT = Path(__file__).resolve().parents[2]


def test_sigkill_between_archive_and_delete(
    login_resources, sqs_queue_url, moto_endpoint, s3_bucket, sample_records
):
    ids = send_records(sqs_queue_url, moto_endpoint, sample_records)
    storage = login_resources["storage"]
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.logins.drain_until_killed", sqs_queue_url, moto_endpoint, f"s3://{s3_bucket}/sluice"],
        cwd=ROOT, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        assert child.stdout.readline().startswith(b"archived"), "child never reached the delete"
        first = [o.key for o in storage.list_objects("landing/logins/")]
        assert len(first) == 1
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    # the 50 archived messages are still owed by the queue: nothing was deleted
    assert storage.read_bytes(first[0]).count(b"\n") == 50

    time.sleep(2.5)  # the killed consumer's visibility timeout runs out; SQS redelivers
    drained = materialization_metadata(drain(login_resources), "raw_logins")
    assert drained["received"] == 100 and drained["deleted"] == 100
    keys = [o.key for o in storage.list_objects("landing/logins/")]
    assert len(keys) == 2

    results = load_hours(login_resources, keys)
    metas = [materialization_metadata(r, "user_logins") for r in results]
    assert sum(m["records_read"] for m in metas) == 150  # 50 messages were archived twice
    assert sum(m["inserted"] for m in metas) == 99
    rows = table_rows(login_resources["postgres"].url)
    assert len(rows) == 99
    assert {r["message_id"] for r in rows} == {ids[i] for i in range(100) if i != 12}

    quarantined = [
        row
        for o in storage.list_objects("quarantine/logins/")
        for row in pq.read_table(io.BytesIO(storage.read_bytes(o.key))).to_pylist()
    ]
    assert [q["message_id"] for q in quarantined] == [ids[12]]
