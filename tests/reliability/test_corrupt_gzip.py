"""A .jsonl.gz that does not decompress to its end contributes no record (issue 13, #4): it is
quarantined whole as corrupt_file, its raw bytes kept; replaced and re-run, it is ingested."""

from __future__ import annotations

import gzip

import pytest

from platform_assets.events.ingest import ingest_hour
from platform_assets.events.layout import corrupt_files_prefix
from tests.events.conftest import event, hour, land, ms
from tests.fixtures.lake_storage import lake_ids, quarantine_rows

H = hour(1, 10)
KEY = "landing/events/2025/01/01/10/damaged.jsonl.gz"
IDS = [f"g{i}" for i in range(400)]


def packed() -> bytes:
    # Long, varied lines: the damage falls well inside the compressed stream.
    lines = [
        event(i, f"type_{n % 5}", created_at=ms(H, n % 50), pad="x" * (n % 97))
        for n, i in enumerate(IDS)
    ]
    return gzip.compress(("\n".join(lines) + "\n").encode())


def bad_crc(data: bytes) -> bytes:
    return data[:-8] + bytes([data[-8] ^ 0xFF]) + data[-7:]  # the CRC32 of the trailer


def flipped_byte(data: bytes) -> bytes:
    middle = len(data) // 2  # corrupts the deflate stream: garbage, or a CRC that fails
    return data[:middle] + bytes([data[middle] ^ 0x55]) + data[middle + 1 :]


DAMAGE = {
    "bad_crc": bad_crc,
    "flipped_byte": flipped_byte,
    "truncated": lambda data: data[: len(data) * 2 // 3],
    "trailing_garbage": lambda data: data + b"this is not gzip",
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_gzip_contributes_nothing_and_is_kept_whole(lake_storage, damage):
    raw = DAMAGE[damage](packed())
    lake_storage.put_bytes(KEY, raw)
    land(lake_storage, H, "fine.jsonl", [event("ok-1"), event("ok-2")])

    stats = ingest_hour(lake_storage, H)
    assert (stats.records_read, stats.valid, stats.quarantined) == (3, 2, 1)
    assert stats.reasons == {"corrupt_file": 1} and stats.corrupt_files == [KEY]
    assert lake_ids(lake_storage) == ["ok-1", "ok-2"]  # not one record of the damaged file
    assert quarantine_rows(lake_storage) == [(KEY, None, "corrupt_file")]
    copy = f"{corrupt_files_prefix(H)}damaged.jsonl.gz"
    with lake_storage.backend.open_read(copy) as kept:
        assert kept.read() == raw  # the raw bytes, for the producer to look at

    # The producer sends the file again, whole; the hour is run again.
    lake_storage.put_bytes(KEY, packed())
    again = ingest_hour(lake_storage, H)
    assert (again.records_read, again.valid, again.quarantined) == (402, 402, 0)
    assert lake_ids(lake_storage) == sorted(IDS + ["ok-1", "ok-2"])
    assert quarantine_rows(lake_storage) == [] and not lake_storage.exists(copy)


def test_trailing_zero_padding_is_not_damage(local_lake):
    """Some writers pad a gzip file with zero bytes; gzip readers accept it, so do we."""
    local_lake.put_bytes(KEY, packed() + b"\0" * 512)
    assert ingest_hour(local_lake, H).valid == len(IDS)
