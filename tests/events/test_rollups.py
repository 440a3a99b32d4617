"""The per-date rollups the ingest writes with each arrival hour (events/rollups.py)."""

import json

import pyarrow.parquet as pq
import pytest

from platform_assets.events.ingest import ingest_hour
from platform_assets.events.layout import manifest_key
from platform_assets.hour_commits import commit_summary_key
from tests.events.conftest import event, hour, land, ms

ARRIVAL = hour(1, 10)  # 2025-01-01T10


def _rollup(storage, key):
    fs, base = storage.arrow_filesystem()
    with fs.open_input_file(f"{base}/{key}") as f:
        table = pq.read_table(f)
    hours = sorted(
        (r["event_type"], r["event_hour"], r["events"], r["late_events"])
        for r in table.to_pylist()
        if r["user_id"] is None
    )
    users = sorted(
        (r["event_type"], r["user_id"], r["events"]) for r in table.to_pylist() if r["user_id"]
    )
    return hours, users


@pytest.mark.parametrize("batch_size", [50_000, 1])  # 1: the hour spills, big cells stream
def test_an_hour_writes_one_rollup_per_event_date_listed_in_its_manifest(storage, batch_size):
    land(
        storage,
        ARRIVAL,
        "a.jsonl",
        [
            event("e1", "view", ms(hour(1, 10), 1), user_id="u1"),
            event("e2", "view", ms(hour(1, 10), 2), user_id="u1"),
            event("e3", "view", ms(hour(1, 10), 3), user_id="u2"),
            event("e4", "buy", ms(hour(1, 10), 4), user_id=7),  # not a string: no user
            event("e5", "buy", ms(hour(1, 8), 0), user_id="u2"),  # late, same date
            event(
                "e6", "view", ms(hour(1, 8), 0) - 24 * 3_600_000, user_id="u3"
            ),  # late, 2024-12-31
            event("e1", "view", ms(hour(1, 10), 1), user_id="u1"),  # a copy: not counted
            "{broken",
        ],
    )
    stats = ingest_hour(storage, ARRIVAL, batch_size=batch_size)
    keys = [
        "rollups/events/event_date=2024-12-31/2025-01-01T10.parquet",
        "rollups/events/event_date=2025-01-01/2025-01-01T10.parquet",
    ]
    assert stats.rollups == keys
    manifest = json.loads(storage.read_bytes(manifest_key(ARRIVAL)))
    assert manifest["complete"] and manifest["rollups"] == keys
    # The commit summary says what the committed manifest says, in a few hundred bytes.
    summary = json.loads(storage.read_bytes(commit_summary_key("2025-01-01T10")))
    assert summary == {
        "commit_id": manifest["commit_id"], "complete": True, "rollups": keys,
        "counts": manifest["counts"],
    }  # fmt: skip
    assert manifest["counts"]["quarantined"] == 2  # the copy and the broken line

    assert _rollup(storage, keys[0]) == ([("view", 8, 1, 1)], [("view", "u3", 1)])
    assert _rollup(storage, keys[1]) == (
        [("buy", 8, 1, 1), ("buy", 10, 1, 0), ("view", 10, 3, 0)],
        [("buy", "u2", 1), ("view", "u1", 2), ("view", "u2", 1)],
    )


def test_a_rerun_rewrites_the_rollups_and_removes_a_date_it_no_longer_touches(storage):
    key = land(
        storage,
        ARRIVAL,
        "a.jsonl",
        [
            event("e1", "view", ms(hour(1, 10), 1), user_id="u1"),
            event("e2", "view", ms(hour(1, 8), 0) - 24 * 3_600_000, user_id="u3"),
        ],
    )
    ingest_hour(storage, ARRIVAL)
    assert storage.exists("rollups/events/event_date=2024-12-31/2025-01-01T10.parquet")
    storage.delete(key)
    land(storage, ARRIVAL, "b.jsonl", [event("e9", "buy", ms(hour(1, 10), 5), user_id="u9")])
    first_commit = json.loads(storage.read_bytes(manifest_key(ARRIVAL)))["commit_id"]
    stats = ingest_hour(storage, ARRIVAL)

    summary = json.loads(storage.read_bytes(commit_summary_key("2025-01-01T10")))
    assert summary["commit_id"] != first_commit and summary["rollups"] == stats.rollups
    assert stats.rollups == ["rollups/events/event_date=2025-01-01/2025-01-01T10.parquet"]
    assert not storage.exists("rollups/events/event_date=2024-12-31/2025-01-01T10.parquet")
    assert json.loads(storage.read_bytes(manifest_key(ARRIVAL)))["rollups"] == stats.rollups
    assert _rollup(storage, stats.rollups[0]) == ([("buy", 10, 1, 0)], [("buy", "u9", 1)])


def test_an_hour_with_no_valid_event_writes_no_rollup(storage):
    land(storage, ARRIVAL, "a.jsonl", ["{broken", "[]"])
    assert ingest_hour(storage, ARRIVAL).rollups == []
    assert list(storage.list_objects("rollups/")) == []
