"""A UTF-8 byte order mark opening an events file is not part of its first record (issue 13, #9)."""

from __future__ import annotations

import gzip

from platform_assets.events.ingest import ingest_hour
from platform_assets.events.landing_reader import file_blocks
from tests.events.conftest import event, hour
from tests.fixtures.lake_storage import lake_ids, quarantine_rows

H = hour(1, 10)
BOM = "\ufeff".encode()


def test_a_bom_is_dropped_in_plain_and_gzip_files(lake_storage):
    body = ("\n".join([event("first"), event("second")]) + "\n").encode()
    lake_storage.put_bytes("landing/events/2025/01/01/10/a.jsonl", BOM + body)
    lake_storage.put_bytes(
        "landing/events/2025/01/01/10/b.jsonl.gz",
        gzip.compress(BOM + body.replace(b"first", b"third").replace(b"second", b"fourth")),
    )
    stats = ingest_hour(lake_storage, H)
    assert (stats.valid, stats.quarantined) == (4, 0)
    assert lake_ids(lake_storage) == ["first", "fourth", "second", "third"]
    assert quarantine_rows(lake_storage) == []


def test_only_a_leading_bom_is_dropped(local_lake):
    """A BOM anywhere else is data: inside a line it makes that line invalid JSON."""
    body = BOM + event("a").encode() + b"\n" + BOM + event("b").encode() + b"\n"
    local_lake.put_bytes("landing/events/2025/01/01/10/a.jsonl", body)
    stats = ingest_hour(local_lake, H)
    assert (stats.valid, stats.reasons["invalid_json"]) == (1, 1)
    assert quarantine_rows(local_lake) == [
        ("landing/events/2025/01/01/10/a.jsonl", 2, "invalid_json")
    ]


def test_a_bom_split_across_reads_is_still_dropped(local_lake):
    local_lake.put_bytes("landing/events/2025/01/01/10/a.jsonl", BOM + b'{"x":1}\n')
    blocks = list(file_blocks(local_lake, "landing/events/2025/01/01/10/a.jsonl", block_bytes=2))
    assert [text for texts, _, _ in blocks for text in texts] == [b'{"x":1}']
