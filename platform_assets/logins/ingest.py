"""One arrival hour of login files -> validated, masked rows in Postgres + its quarantine file."""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain

import pyarrow as pa

from platform_assets.compressed_files import (
    CORRUPT_FILE,
    CorruptFileError,
    keep_raw_copies,
    verified_stream,
)
from platform_assets.landing_hours import LOGINS_LANDING
from platform_assets.logins.layout import hour_prefix, is_readable, quarantine_key
from platform_assets.logins.load import UserLoginsLoad
from platform_assets.logins.messages import LoginMessage, derived_message_id, read_login_file
from platform_assets.logins.protect_worker import InProcessProtector, ProtectWorker
from platform_assets.logins.quarantine import QuarantineFile
from platform_assets.logins.validate import QuarantinedLogin, validate_messages
from platform_assets.progress import ProgressLog

# Messages validated and staged together (bounded memory; spans files). Three batches are
# held at a time (validated, being masked, being copied), each of at most CHUNK_CHARS of body
# text: SQS allows 256 KB a message, 20k of which would be 5 GB.
CHUNK_SIZE = 20_000
CHUNK_CHARS = 16_000_000


class LoginFileError(RuntimeError):
    """A landing file could not be read at all (a storage error); names the key. A damaged
    .gz is not this: it is quarantined whole as corrupt_file and the hour loads."""


@dataclass
class HourResult:
    hour: datetime
    files: int = 0
    skipped_files: list[str] = field(default_factory=list)
    read: int = 0
    valid: int = 0
    quarantined: int = 0
    reasons: Counter = field(default_factory=Counter)
    inserted: int = 0
    quarantine_key: str | None = None
    corrupt_files: list[str] = field(default_factory=list)


class Batches:
    """The hour's messages as lists of at most ``size`` messages and ``max_chars`` characters
    of body text, so memory is bounded in bytes whatever the bodies' sizes. The first list
    is a quarter of ``size``: the protect process and Postgres wait for it, so a small one
    gets all three working sooner. ``exhausted`` tells when the messages have run out."""

    def __init__(self, messages, size: int, max_chars: int = CHUNK_CHARS):
        self._messages, self._size, self._max_chars = messages, size, max_chars
        self.exhausted = False

    def __iter__(self) -> Iterator[list]:
        limit = max(1, self._size // 4)
        while not self.exhausted:
            chunk, chars = [], 0
            for message in self._messages:
                chunk.append(message)
                chars += len(message.body)
                if len(chunk) >= limit or chars >= self._max_chars:
                    break
            else:
                self.exhausted = True
            if chunk:
                yield chunk
            limit = self._size


def _protect_request(valid) -> tuple[list, list, list]:
    """What the protect process needs: canonical ips (for masks), ips and device ids as sent."""
    return valid["ip_canonical"].tolist(), valid["ip"].tolist(), valid["device_id"].tolist()


def _staging_table(validated, protected, keys, hour: datetime) -> pa.Table:
    """The batch's rows in COLUMNS order as Arrow columns (built whole, not row by row)."""
    masked_ip, masked_device_id, encrypted_ip, encrypted_device_id = protected
    valid, messages, n = validated.valid, validated.messages, len(validated.valid)
    received = {}  # one text per distinct time: an archive file's messages share one
    for m in messages:
        if m.received_at not in received:
            received[m.received_at] = None if m.received_at is None else m.received_at.isoformat()
    columns = {
        "message_id": [m.message_id for m in messages], "user_id": valid["user_id"],
        "device_type": valid["device_type"], "masked_ip": masked_ip,
        "masked_device_id": masked_device_id, "locale": valid["locale"],
        "app_version": valid["app_version"],
        "app_version_num": pa.array(valid["app_version_num"].to_numpy(), pa.int64()),
        "create_date": [hour.date().isoformat()] * n, "encrypted_ip": encrypted_ip,
        "encrypted_device_id": encrypted_device_id, "mask_key_id": [keys.mask_key_id] * n,
        "arrival_hour": [hour.isoformat()] * n,
        # isoformat keeps the offset (or its absence, read in the session's time zone).
        "received_at": [received[m.received_at] for m in messages],
        "source_key": [m.source_key for m in messages],
        "source_line": pa.array([m.source_line for m in messages], pa.int64()),
    }  # fmt: skip
    return pa.table(
        {
            name: values if isinstance(values, pa.Array) else pa.array(values, pa.string())
            for name, values in columns.items()
        }
    )


def _batch_files(chunk) -> str:
    """The files a batch spans, for an error message (keys only, no values)."""
    first, last = chunk[0].source_key, chunk[-1].source_key
    return first if first == last else f"{first} .. {last}"


def _hour_messages(objects, storage, result: HourResult, progress, log) -> Iterator:
    """Every message of the hour's readable files, file after file, so batches span files
    (an archive file holds only ~1,000 messages; validation has a fixed cost per batch)."""
    for done, obj in enumerate(objects):
        if progress is not None:
            progress.files(done, len(objects))
        if not is_readable(obj.key):
            result.skipped_files.append(obj.key)
            log(f"skipping {obj.key}: not a .json/.jsonl login file")
            continue
        result.files += 1
        try:
            with verified_stream(storage, obj.key) as stream:
                yield from _counted(read_login_file(obj.key, stream), progress)
        except CorruptFileError as err:
            # A damaged .gz contributes no message: one quarantined record stands for it,
            # and its raw bytes are kept (keep_raw_copies) until a good file replaces it.
            result.corrupt_files.append(obj.key)
            log(f"{err}: quarantined whole as {CORRUPT_FILE}")
            yield LoginMessage(
                derived_message_id(obj.key, 0), str(err), obj.key, 0, problem=CORRUPT_FILE
            )
        except (OSError, EOFError, zlib.error) as err:
            # Bad records are quarantined one by one; an unreadable file fails the hour
            # (and rolls it back) so it can be fixed and re-run, not silently skipped.
            raise LoginFileError(f"{obj.key}: cannot read login file: {err}") from err


def _counted(messages, progress, every: int = 5000) -> Iterator:
    """The messages, reported to ``progress`` as read (every ``every`` and at the file's end)."""
    count = 0
    for count, message in enumerate(messages, start=1):
        yield message
        if progress is not None and count % every == 0:
            progress.add(every)
    if progress is not None and count % every:
        progress.add(count % every)


def _record(chunk, validated, refused, quarantine, result: HourResult, log) -> None:
    rejected = validated.quarantined + _refused_logins(chunk, refused, log)
    quarantine.add(rejected)
    result.read += len(chunk)
    result.valid += len(validated.valid) - len(refused)
    result.quarantined += len(rejected)
    result.reasons.update(r for q in rejected for r in q.reasons)


def _ingest_chunks(batches: Batches, load, quarantine, keys, hour, result: HourResult, log):
    """Three batches in flight, on three workers: this thread reads and validates batch k+1
    while the protect process masks and encrypts batch k and the loader thread has Postgres
    stage and merge batch k-1. One loader thread: the connection is used by one thread at a
    time and batches merge in file order. Each hand-off waits for the step before it, so at
    most three batches are held."""
    chunks = iter(batches)
    first = next(chunks, None)
    if first is None:
        return
    protector_type = InProcessProtector if batches.exhausted else ProtectWorker
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="login-merge") as loader,
        protector_type(keys.hmac_key, keys.encryption_key) as protector,
    ):
        protecting = loading = None

        def hand_over(chunk, validated):
            nonlocal loading
            table = _staging_table(validated, protector.result(), keys, hour)
            if loading is not None:
                _record(*loading[1:], loading[0].result(), quarantine, result, log)
            loading = (loader.submit(load.insert_new, table), chunk, validated)

        for chunk in chain([first], chunks):
            validated = validate_messages(chunk)
            if protecting is not None:
                hand_over(*protecting)
            protector.submit(_protect_request(validated.valid), _batch_files(chunk))
            protecting = (chunk, validated)
        if protecting is not None:
            hand_over(*protecting)
        if loading is not None:
            _record(*loading[1:], loading[0].result(), quarantine, result, log)


def _refused_logins(chunk, refused, log) -> list[QuarantinedLogin]:
    """Rows Postgres refused after validation, as quarantine records named by file and line."""
    if not refused:
        return []
    by_position = {(m.source_key, m.source_line): m for m in chunk}
    out = []
    for row in refused:
        log(
            f"{row.source_key} line {row.source_line}: Postgres refused the message "
            f"({row.reason}); quarantined"
        )
        out.append(QuarantinedLogin(by_position[(row.source_key, row.source_line)], (row.reason,)))
    return out


def ingest_hour(
    hour: datetime,
    storage,
    connection: Callable,
    keys,
    *,
    chunk_size: int = CHUNK_SIZE,
    log: Callable[[str], None] = lambda _msg: None,
    progress: ProgressLog | None = None,
) -> HourResult:
    """Load every readable file under the hour's landing prefix, in one transaction.

    ``connection()`` is a context manager giving a psycopg connection whose block is one
    transaction; ``keys`` has ``hmac_key``, ``encryption_key`` and ``mask_key_id``.
    """
    result = HourResult(hour)
    quarantine = QuarantineFile(quarantine_key(hour), hour)
    with connection() as conn:
        load = UserLoginsLoad(conn)
        objects = list(storage.list_objects(hour_prefix(hour)))  # one hour's files
        batches = Batches(_hour_messages(objects, storage, result, progress, log), chunk_size)
        _ingest_chunks(batches, load, quarantine, keys, hour, result, log)
        result.inserted = load.upsert()
        # Inside the transaction: if the quarantine cannot be written, no rows are committed.
        keep_raw_copies(storage, LOGINS_LANDING.corrupt_files_prefix(hour), result.corrupt_files)
        if quarantine.publish(storage):
            result.quarantine_key = quarantine.key
    return result
