"""Issue 13 on the logins loader (#2, #5, #9): one bad message never blocks its hour."""

import base64
import io
import json
from datetime import UTC, date, datetime

import psycopg
import pyarrow.parquet as pq
import pytest
from dagster import materialize

from platform_assets.logins.assets import user_logins
from platform_assets.logins.layout import quarantine_key
from platform_assets.logins.load import COLUMNS, UserLoginsLoad
from resources.secrets import ENCRYPTION_KEY_VARIABLE, HMAC_KEY_VARIABLE, PiiKeysResource

HOUR_KEY = "landing/logins/2025/03/01/09/"
PARTITION = "2025-03-01-09:00"
HOUR = datetime(2025, 3, 1, 9, tzinfo=UTC)


@pytest.fixture
def pii_keys(monkeypatch):
    monkeypatch.setenv(HMAC_KEY_VARIABLE, base64.b64encode(bytes(range(32))).decode())
    monkeypatch.setenv(ENCRYPTION_KEY_VARIABLE, base64.b64encode(bytes(range(32, 64))).decode())
    return PiiKeysResource()


def body(user_id: str, **extra) -> dict:
    return {"user_id": user_id, "device_type": "ios", "ip": "10.0.0.1", "device_id": "d-1",
            "locale": "en_US", "app_version": "2.3.0", **extra}  # fmt: skip


def load_hour(storage, postgres, pii_keys):
    return materialize(
        [user_logins],
        partition_key=PARTITION,
        raise_on_error=False,
        resources={"storage": storage, "postgres": postgres, "pii_keys": pii_keys},
    )


def loaded_users(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute("select user_id from user_logins order by user_id")]


def quarantine(storage) -> list[tuple]:
    rows = pq.read_table(io.BytesIO(storage.read_bytes(quarantine_key(HOUR)))).to_pylist()
    return sorted((r["source_key"], r["source_line"], tuple(r["reasons"])) for r in rows)


def test_nul_in_user_id_is_quarantined_and_the_hour_loads(
    storage, postgres, clean_postgres, pii_keys
):
    lines = [json.dumps(body("alice")), json.dumps(body("bad\u0000id")), json.dumps(body("carol"))]
    storage.put_bytes(HOUR_KEY + "a.jsonl", "\n".join(lines).encode() + b"\n")
    result = load_hour(storage, postgres, pii_keys)
    assert result.success
    assert loaded_users(clean_postgres) == ["alice", "carol"]
    assert quarantine(storage) == [(HOUR_KEY + "a.jsonl", 2, ("user_id:nul_byte",))]


def test_invalid_utf8_in_a_value_is_quarantined_not_replaced(
    storage, postgres, clean_postgres, pii_keys
):
    bad = json.dumps(body("bob-XX")).encode().replace(b"XX", b"\xff\xfe")
    envelope_bad = (
        json.dumps({"message_id": "m-2", "body": json.dumps(body("dan-XX")), "received_at": None})
        .encode()
        .replace(b"XX", b"\xc3\x28")
    )
    data = b"\n".join([json.dumps(body("alice")).encode(), bad, envelope_bad]) + b"\n"
    storage.put_bytes(HOUR_KEY + "b.jsonl", data)
    result = load_hour(storage, postgres, pii_keys)
    assert result.success
    assert loaded_users(clean_postgres) == ["alice"]
    assert quarantine(storage) == [
        (HOUR_KEY + "b.jsonl", 2, ("body:invalid_utf8",)),
        (HOUR_KEY + "b.jsonl", 3, ("body:invalid_utf8",)),
    ]
    # The raw bytes survive in the quarantine, escaped, so the record can be repaired.
    raw = (
        pq.read_table(io.BytesIO(storage.read_bytes(quarantine_key(HOUR))))
        .column("raw_body")
        .to_pylist()
    )
    assert any("\\xff\\xfe" in r for r in raw)


def test_a_bom_at_the_start_of_a_login_file_is_not_a_bad_record(
    storage, postgres, clean_postgres, pii_keys
):
    storage.put_bytes(HOUR_KEY + "bom.jsonl", b"\xef\xbb\xbf" + json.dumps(body("alice")).encode())
    storage.put_bytes(HOUR_KEY + "bom.json", b"\xef\xbb\xbf" + json.dumps([body("bob")]).encode())
    result = load_hour(storage, postgres, pii_keys)
    assert result.success
    assert loaded_users(clean_postgres) == ["alice", "bob"]


def _row(message_id: str, user_id: str, line: int) -> tuple:
    values = {
        "message_id": message_id, "user_id": user_id, "device_type": "ios", "masked_ip": "m",
        "masked_device_id": "m", "locale": None, "app_version": "1", "app_version_num": 1_000_000,
        "create_date": date(2025, 3, 1), "encrypted_ip": "e", "encrypted_device_id": "e",
        "mask_key_id": "abcd1234", "arrival_hour": HOUR, "received_at": None,
        "source_key": HOUR_KEY + "c.jsonl", "source_line": line,
    }  # fmt: skip
    return tuple(values[c] for c in COLUMNS)


def test_a_row_postgres_refuses_is_isolated_and_named(postgres, clean_postgres):
    rows = [_row(f"m-{i}", f"user-{i}", i) for i in range(1, 10)]
    rows[3] = _row("m-4", "x" * 200, 4)  # longer than varchar(128)
    rows[6] = _row("m-\x007", "user-7", 7)  # NUL in text
    with postgres.connection() as conn:
        load = UserLoginsLoad(conn)
        refused = load.stage(rows)
        inserted = load.upsert()
    assert inserted == 7
    assert [(r.source_key, r.source_line, r.reason) for r in refused] == [
        (HOUR_KEY + "c.jsonl", 4, "postgres:22001"),
        (HOUR_KEY + "c.jsonl", 7, "postgres:22000"),  # psycopg refuses NUL itself: class 22
    ]
    assert len(loaded_users(clean_postgres)) == 7


def test_a_corrupt_gzip_contributes_nothing_is_quarantined_whole_and_a_fixed_file_loads(
    storage, postgres, clean_postgres, pii_keys
):
    import gzip

    storage.put_bytes(HOUR_KEY + "a.jsonl", (json.dumps(body("alice")) + "\n").encode())
    good = gzip.compress("\n".join(json.dumps(body(u)) for u in ("bob", "carol")).encode())
    damaged = bytearray(good)
    damaged[-8] ^= 0xFF  # the CRC no longer matches: every byte before it still decodes
    storage.put_bytes(HOUR_KEY + "b.jsonl.gz", bytes(damaged))

    result = load_hour(storage, postgres, pii_keys)
    assert result.success
    assert loaded_users(postgres.url) == ["alice"]  # nothing of the damaged file
    assert quarantine(storage) == [(HOUR_KEY + "b.jsonl.gz", 0, ("corrupt_file",))]
    copy = "quarantine/logins/ingest_date=2025-03-01/ingest_hour=09/corrupt_files/b.jsonl.gz"
    with storage.backend.open_read(copy) as raw:  # the raw bytes are kept, as they arrived
        assert raw.read() == bytes(damaged)

    storage.put_bytes(HOUR_KEY + "b.jsonl.gz", good)  # the producer re-sends the file
    assert load_hour(storage, postgres, pii_keys).success
    assert loaded_users(postgres.url) == ["alice", "bob", "carol"]
    assert not list(
        storage.list_objects(
            "quarantine/logins/ingest_date=2025-03-01/ingest_hour=09/corrupt_files/"
        )
    )
