"""An hour in many batches (protect process, bulk COPY, fallback to stage + merge) loads the
same rows as the hour in one batch (masked and encrypted in process)."""

import json

import psycopg

from platform_assets.logins.ingest import ingest_hour
from platform_assets.logins.layout import hour_of_key
from platform_assets.logins.pii import decrypt
from tests.logins.conftest import ENCRYPTION_KEY, table_rows

KEY = "landing/logins/2025/03/01/09/logins-a.jsonl"


def envelope(message_id: str, user_id: str, ip: str = "10.0.0.1") -> str:
    body = {"user_id": user_id, "device_type": "ios", "ip": ip, "device_id": f"d-{user_id}",
            "locale": None, "app_version": "2.3.0"}  # fmt: skip
    return json.dumps(
        {
            "message_id": message_id,
            "body": json.dumps(body),
            "received_at": "2025-03-01T09:10:00+00:00",
        }  # fmt: skip
    )


LINES = [
    envelope("m1", "alice"),
    envelope("m2", "bob", "2001:DB8::1"),
    envelope("m3", "carol"),
    json.dumps({"message_id": "m4", "body": '{"foo": 1}'}),  # malformed: quarantined
    envelope("m5", "dave"),
    envelope("m2", "bob-again"),  # a later copy of m2 in another batch: the first one wins
    envelope("m6", "erin"),
    envelope("m6", "erin-again"),  # a copy within one batch of 3 (lines 7-9)
    envelope("m7", "frank"),
]


def loaded(url: str) -> list[tuple]:
    return [
        (r["message_id"], r["user_id"], r["source_line"], r["masked_ip"], r["masked_device_id"],
         decrypt(r["encrypted_ip"], [ENCRYPTION_KEY], "ip"), r["received_at"].isoformat())
        for r in table_rows(url)
    ]  # fmt: skip


def run(resources, chunk_size: int):
    return ingest_hour(
        hour_of_key(KEY),
        resources["storage"],
        resources["postgres"].connection,
        resources["pii_keys"].get_keys(),
        chunk_size=chunk_size,
    )


def test_many_batches_load_what_one_batch_loads(login_resources, clean_postgres):
    login_resources["storage"].put_bytes(KEY, ("\n".join(LINES) + "\n").encode())
    one = run(login_resources, chunk_size=20_000)
    in_one_batch = loaded(clean_postgres)
    with psycopg.connect(clean_postgres) as conn:
        conn.execute("truncate user_logins")
    many = run(login_resources, chunk_size=3)
    assert loaded(clean_postgres) == in_one_batch
    assert [(r[0], r[1], r[2]) for r in in_one_batch] == [
        ("m1", "alice", 1), ("m2", "bob", 2), ("m3", "carol", 3), ("m5", "dave", 5),
        ("m6", "erin", 7), ("m7", "frank", 9),
    ]  # fmt: skip
    assert in_one_batch[1][5] == "2001:DB8::1"  # encrypted as sent, masked canonical
    for result in (one, many):
        assert (result.read, result.inserted, result.quarantined) == (9, 6, 1)
        assert dict(result.reasons) == {"user_id:missing": 1, "device_type:missing": 1,
                                        "ip:missing": 1, "device_id:missing": 1,
                                        "app_version:missing": 1}  # fmt: skip
    again = run(login_resources, chunk_size=3)
    assert (again.read, again.inserted) == (9, 0)
    assert loaded(clean_postgres) == in_one_batch


def test_batches_are_bounded_in_messages_and_in_body_text():
    from platform_assets.logins.ingest import Batches
    from platform_assets.logins.messages import LoginMessage

    messages = [LoginMessage(f"m{i}", "x" * (100 if i == 5 else 10), "k", i) for i in range(30)]
    batches = Batches(iter(messages), size=8, max_chars=95)
    sizes = []
    for chunk in batches:
        sizes.append(len(chunk))
        assert not batches.exhausted or sum(sizes) == 30
    assert batches.exhausted
    # First a quarter of 8, then 8 a batch, but message 5's 100 characters end its batch.
    assert sizes == [2, 4, 8, 8, 8]
    one = Batches(iter(messages[:1]), 8)
    assert len(next(iter(one))) == 1 and one.exhausted  # known at once: loaded in process
