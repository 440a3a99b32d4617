"""Read an arrival hour's landing files as numbered lines, in batches.

Files are read in blocks and split with ``bytes.split``, not line by line, into
``LineBatch``es: a line costs no Python object beyond its own bytes.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import datetime

import numpy as np

from platform_assets.events.envelope import Rejection
from platform_assets.events.layout import LANDING_SUFFIXES, landing_hour_prefix
from platform_assets.events.line_batch import LineBatch
from resources.storage import StorageResource

UNREADABLE_FILE = "unreadable_file"
# One read of a landing stream. read1 returns at most this much and at most one read of
# the underlying stream, so a truncated gzip file still yields what precedes the damage.
READ_BLOCK_BYTES = 1 << 20


def landing_keys(storage: StorageResource, arrival_hour: datetime) -> list[tuple[str, int]]:
    """The hour's landing files in key order (the order that decides which copy wins)."""
    return [
        (obj.key, obj.size)
        for obj in storage.list_objects(landing_hour_prefix(arrival_hour))
        if obj.key.endswith(LANDING_SUFFIXES)
    ]


def file_blocks(
    storage: StorageResource, key: str, block_bytes: int = READ_BLOCK_BYTES
) -> Iterator[tuple[list[bytes], np.ndarray, int]]:
    """(non-blank lines, their 1-based line numbers, physical lines so far) per block read.

    Lines split on LF; a trailing CR is removed (CRLF files), and lines of only
    whitespace are blank: they are not records, but they keep the numbering true."""
    number = 0  # physical lines seen before this block
    carry: list[bytes] = []  # the start of the line the next blocks complete
    with storage.open_read(key) as stream:
        read = getattr(stream, "read1", stream.read)
        while True:
            block = read(block_bytes)
            if not block:
                break
            pieces = block.split(b"\n")
            if len(pieces) == 1:  # a line longer than the block goes on
                carry.append(block)
                continue
            if carry:
                pieces[0] = b"".join(carry) + pieces[0]
            last = pieces.pop()  # the line the next block completes
            carry = [last] if last else []
            texts, numbers = _non_blank(pieces, number)
            number += len(pieces)
            yield texts, numbers, number
    if carry:
        texts, numbers = _non_blank([b"".join(carry)], number)
        yield texts, numbers, number + 1


def _non_blank(pieces: list[bytes], lines_before: int) -> tuple[list[bytes], np.ndarray]:
    if any(piece.endswith(b"\r") for piece in pieces):
        pieces = [piece.rstrip(b"\r") for piece in pieces]
    blank = [index for index, piece in enumerate(pieces) if not piece or piece.isspace()]
    numbers = np.arange(lines_before + 1, lines_before + 1 + len(pieces), dtype=np.int64)
    if not blank:
        return pieces, numbers
    keep = np.ones(len(pieces), dtype=bool)
    keep[blank] = False
    blank_set = set(blank)
    return [piece for index, piece in enumerate(pieces) if index not in blank_set], numbers[keep]


def read_batches(storage, keys, batch_size, unreadable: list[Rejection]) -> Iterator[LineBatch]:
    """The keys' lines, in key then line order, in batches of ``batch_size`` lines (the last
    may be shorter). A file that cannot be read to the end keeps what was read; the rest is
    recorded in ``unreadable`` as one rejection naming the file, the line and the error."""
    batch = LineBatch()
    for key in keys:
        lines_read = 0
        try:
            for texts, numbers, lines_read in file_blocks(storage, key):
                start = 0
                while start < len(texts):
                    take = min(batch_size - len(batch), len(texts) - start)
                    batch.texts.extend(texts[start : start + take])
                    batch.line_numbers.append(numbers[start : start + take])
                    _add_source(batch, key, take)
                    start += take
                    if len(batch) >= batch_size:
                        yield batch
                        batch = LineBatch(first_seq=batch.first_seq + len(batch))
        except (OSError, EOFError, ValueError, zlib.error) as err:
            # A corrupt or truncated file: what was read is kept, the rest is recorded as
            # one quarantined record naming the file, the line and the reason.
            unreadable.append(
                Rejection(
                    raw=f"{type(err).__name__}: {err}",
                    reasons=[UNREADABLE_FILE],
                    source_key=key,
                    line_number=lines_read + 1,  # the first line it could not read
                )
            )
    if len(batch):
        yield batch


def _add_source(batch: LineBatch, key: str, rows: int) -> None:
    if batch.sources and batch.sources[-1][0] == key:
        batch.sources[-1] = (key, batch.sources[-1][1] + rows)
    else:
        batch.sources.append((key, rows))
