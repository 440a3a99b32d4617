"""One arrival hour of login files -> validated, masked rows in Postgres + its quarantine file."""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

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
from platform_assets.logins.pii import protect
from platform_assets.logins.quarantine import QuarantineFile
from platform_assets.logins.validate import QuarantinedLogin, validate_messages
from platform_assets.progress import ProgressLog

# Messages validated and staged together (bounded memory; spans files).
CHUNK_SIZE = 20_000


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


def _chunks(iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(iterator, size)):
        yield chunk


def _rows(valid, keys, hour: datetime):
    create_date = hour.date()
    for record, protected in zip(
        valid.itertuples(index=False), protect(valid, keys.hmac_key, keys.encryption_key)
    ):
        masked_ip, masked_device_id, encrypted_ip, encrypted_device_id = protected
        yield (
            record.message_id, record.user_id, record.device_type, masked_ip, masked_device_id,
            record.locale, record.app_version, int(record.app_version_num), create_date,
            encrypted_ip, encrypted_device_id, keys.mask_key_id, hour, record.received_at,
            record.source_key, int(record.source_line),
        )  # fmt: skip


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


def _stage_and_merge(load: UserLoginsLoad, rows: list[tuple]):
    refused = load.stage(rows)
    load.merge()
    return refused


def _record(chunk, validated, refused, quarantine, result: HourResult, log) -> None:
    rejected = validated.quarantined + _refused_logins(chunk, refused, log)
    quarantine.add(rejected)
    result.read += len(chunk)
    result.valid += len(validated.valid) - len(refused)
    result.quarantined += len(rejected)
    result.reasons.update(r for q in rejected for r in q.reasons)


def _ingest_chunks(chunks, load, quarantine, keys, hour, result: HourResult, log) -> None:
    """Validate and protect each batch (Python, one core) while Postgres stages and merges
    the batch before it (another core). One loader thread: the connection is used by one
    thread at a time and batches merge in file order."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="login-merge") as loader:
        pending = None
        for chunk in chunks:
            validated = validate_messages(chunk)
            rows = list(_rows(validated.valid, keys, hour))
            if pending is not None:
                _record(*pending[1:], pending[0].result(), quarantine, result, log)
            pending = (loader.submit(_stage_and_merge, load, rows), chunk, validated)
        if pending is not None:
            _record(*pending[1:], pending[0].result(), quarantine, result, log)


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
        chunks = _chunks(_hour_messages(objects, storage, result, progress, log), chunk_size)
        _ingest_chunks(chunks, load, quarantine, keys, hour, result, log)
        result.inserted = load.upsert()
        # Inside the transaction: if the quarantine cannot be written, no rows are committed.
        keep_raw_copies(storage, LOGINS_LANDING.corrupt_files_prefix(hour), result.corrupt_files)
        if quarantine.publish(storage):
            result.quarantine_key = quarantine.key
    return result
