"""The byte-identical backup of a landing file, which also fixes the file's ingestion time.

Re-ingesting the same bytes reuses the earliest existing backup with the same sha256 (no
second copy) and takes its time as the ingestion time, so a re-run reproduces the same
``is_future`` flags and the same outputs. New bytes get a new backup named after "now".
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from platform_assets.customers.layout import backup_key, backup_listing_prefix, backup_time
from resources.storage import StorageResource


@dataclass(frozen=True)
class Backup:
    key: str
    ingested_at: datetime  # aware UTC, whole seconds: the time in the backup's name
    reused: bool


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def find_identical_backup(
    storage: StorageResource, stem: str, size: int, sha256: str
) -> Backup | None:
    for obj in storage.list_objects(backup_listing_prefix(stem)):
        when = backup_time(stem, obj.key)
        # Key order is time order within one stem: the first match is the earliest backup.
        if when is not None and obj.size == size and storage.sha256(obj.key) == sha256:
            return Backup(obj.key, when, reused=True)
    return None


def ensure_backup(storage: StorageResource, stem: str, data: bytes, now: datetime) -> Backup:
    """The backup of ``data``: an identical existing one, or a new one written atomically."""
    sha256 = sha256_hex(data)
    existing = find_identical_backup(storage, stem, len(data), sha256)
    if existing is not None:
        return existing
    when = now.replace(microsecond=0)
    # Other bytes backed up in the same second (a file replaced twice within it): never
    # overwrite a backup, take the next free second.
    while storage.exists(backup_key(stem, when)):
        when += timedelta(seconds=1)
    key = backup_key(stem, when)
    storage.put_bytes(key, data)
    return Backup(key, when, reused=False)
