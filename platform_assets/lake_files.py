"""The events lake as readers must see it: only the files of completely published hours.

An arrival hour's lake files are renamed (or uploaded) into place one by one, so a glob of
``lake/events/`` can see part of an hour being published. Each hour's manifest
(``state/events/manifests/<YYYY-MM-DDTHH>.json``, docs/events.md) is committed after all its
files are in place and lists exactly them under ``lake_files``; while an hour is re-published
it still lists the files last committed. Every reader the platform ships (the catalog's
views; marts, the API and KPIs) takes its file list from ``published_lake_files``, never from
a glob (``lake_manifests.py`` gives the same files by event date). Dagster-free and
domain-free: it reads the storage contract only.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from platform_assets.lake_manifests import MANIFEST_PREFIX, committed_files
from resources.storage import StorageResource, StoredObject

# The events lake's public paths that readers in other domains need (storage contract).
LAKE_PREFIX = "lake/events/"
QUARANTINE_PREFIX = "quarantine/events/"
ROLLUP_PREFIX = "rollups/events/"
_READ_THREADS = 16  # manifests are small: on S3 one GET each, latency-bound


def _committed(storage: StorageResource, key: str) -> list[str]:
    try:
        return committed_files(json.loads(storage.read_bytes(key)))
    except FileNotFoundError:  # removed since listed
        return []


def rollup_date_prefix(date: str) -> str:
    """The prefix of one event date's rollups (written by the ingest with each arrival hour)."""
    return f"{ROLLUP_PREFIX}event_date={date}/"


def committed_lake_keys(storage: StorageResource) -> set[str]:
    """Every lake file listed as committed by an arrival hour's manifest."""
    keys = [obj.key for obj in storage.list_objects(MANIFEST_PREFIX) if obj.key.endswith(".json")]
    with ThreadPoolExecutor(max_workers=_READ_THREADS) as pool:
        return {
            lake_key
            for files in pool.map(lambda key: _committed(storage, key), keys)
            for lake_key in files
        }


def published_lake_files(
    storage: StorageResource, event_date: str | None = None, event_type: str | None = None
) -> list[StoredObject]:
    """The lake files of completely published hours (key and size, in key order), optionally
    of one ``event_date`` (``YYYY-MM-DD``) and/or one ``event_type``."""
    prefix = LAKE_PREFIX
    if event_type is not None:
        prefix += f"event_type={event_type}/"
        if event_date is not None:
            prefix += f"event_date={event_date}/"
    committed = committed_lake_keys(storage)
    date_part = f"/event_date={event_date}/" if event_date is not None else ""
    return [
        obj for obj in storage.list_objects(prefix) if obj.key in committed and date_part in obj.key
    ]
