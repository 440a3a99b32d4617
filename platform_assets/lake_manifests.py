"""The lake files of given event dates, as committed by the arrival hours' manifests; and the
event dates an arrival hour wrote. Shared by the serving domain and its sensor.

A glob of ``lake/events/`` could catch an hour half-published; the manifest of an arrival
hour (``state/events/manifests/<YYYY-MM-DDTHH>.json``, docs/events.md) lists the hour's files
once they are all in place. An event is at most ~25 h younger than its arrival hour (the
ingest's future tolerance) and may be days older, so the dates D.. are found in the manifests
of arrival hours from D - 2 days on: one listing and one small read per hour, shared by every
date of a run.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta

from resources.storage import StorageResource

MANIFEST_PREFIX = "state/events/manifests/"
_READ_THREADS = 16  # small objects: on S3 one GET each, latency-bound


def committed_files(body: dict) -> list[str]:
    """The lake files a manifest says readers may see: all of a finished hour's; for an hour
    being re-published, the files last committed when the manifest format records them apart
    ("planned"), else none (the older format lists planned and stale files together)."""
    if body.get("complete") or "planned" in body:
        return list(body.get("lake_files", []))
    return []


def _read_manifest(storage: StorageResource, key: str) -> list[str]:
    try:
        return committed_files(json.loads(storage.read_bytes(key)))
    except FileNotFoundError:  # removed since it was listed
        return []


def manifest_keys_from(storage: StorageResource, first_arrival_date: date) -> list[str]:
    # Keys are <prefix><YYYY-MM-DDTHH>.json: the bare date sorts just before its first hour.
    start_after = f"{MANIFEST_PREFIX}{first_arrival_date:%Y-%m-%d}"
    return [
        o.key
        for o in storage.list_objects(MANIFEST_PREFIX, start_after=start_after)
        if o.key.endswith(".json")
    ]


def lake_files_by_date(storage: StorageResource, event_dates: list[str]) -> dict[str, list[str]]:
    """Every committed lake file key of each of ``event_dates`` (``YYYY-MM-DD``), sorted."""
    if not event_dates:
        return {}
    first = date.fromisoformat(min(event_dates)) - timedelta(days=2)
    wanted = {f"/event_date={d}/": d for d in event_dates}
    found: dict[str, set[str]] = {d: set() for d in event_dates}
    keys = manifest_keys_from(storage, first)
    with ThreadPoolExecutor(max_workers=_READ_THREADS) as pool:
        for files in pool.map(lambda key: _read_manifest(storage, key), keys):
            for lake_key in files:
                start = lake_key.find("/event_date=")
                d = wanted.get(lake_key[start : start + 23]) if start >= 0 else None
                if d is not None:
                    found[d].add(lake_key)
    return {d: sorted(keys) for d, keys in found.items()}


def manifest_key(arrival_hour: datetime) -> str:
    return f"{MANIFEST_PREFIX}{arrival_hour:%Y-%m-%dT%H}.json"


def arrival_hour_event_dates(storage: StorageResource, arrival_hour: datetime) -> list[str]:
    """The event dates whose lake files the arrival hour's manifest lists (as committed)."""
    return event_dates_of(_read_manifest(storage, manifest_key(arrival_hour)))


def event_dates_of(lake_keys: list[str]) -> list[str]:
    """The event dates among lake file keys (what an arrival hour wrote)."""
    dates = set()
    for key in lake_keys:
        start = key.find("/event_date=")
        if start >= 0:
            dates.add(key[start + 12 : start + 22])
    return sorted(dates)
