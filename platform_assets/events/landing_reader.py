"""Read an arrival hour's landing files as numbered lines, in batches."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from platform_assets.events.envelope import RawLine, Rejection
from platform_assets.events.layout import LANDING_SUFFIXES, landing_hour_prefix
from resources.storage import StorageResource

UNREADABLE_FILE = "unreadable_file"


def landing_keys(storage: StorageResource, arrival_hour: datetime) -> list[tuple[str, int]]:
    """The hour's landing files in key order (the order that decides which copy wins)."""
    return [
        (obj.key, obj.size)
        for obj in storage.list_objects(landing_hour_prefix(arrival_hour))
        if obj.key.endswith(LANDING_SUFFIXES)
    ]


def file_lines(storage: StorageResource, key: str) -> Iterator[tuple[int, bytes]]:
    """(line number, line) for every non-blank line; CRLF and blank lines tolerated."""
    with storage.open_read(key) as stream:
        for number, line in enumerate(stream, 1):
            line = line.rstrip(b"\r\n")
            if line.strip():
                yield number, line


def read_batches(storage, keys, batch_size, unreadable: list[Rejection]) -> Iterator[list[RawLine]]:
    batch: list[RawLine] = []
    seq = 0
    for key in keys:
        last_line = 0
        try:
            for number, text in file_lines(storage, key):
                last_line = number
                batch.append(RawLine(text, key, number, seq))
                seq += 1
                if len(batch) >= batch_size:
                    yield batch
                    batch = []
        except (OSError, EOFError, ValueError) as err:
            # A corrupt or truncated file: what was read is kept, the rest is recorded as
            # one quarantined record naming the file, the line and the reason.
            unreadable.append(
                Rejection(
                    raw=f"{type(err).__name__}: {err}",
                    reasons=[UNREADABLE_FILE],
                    source_key=key,
                    line_number=last_line + 1,
                )
            )
    if batch:
        yield batch
