"""An arrival hour's manifest: which lake files are committed, and which a run may be writing.

``state/events/manifests/<YYYY-MM-DDTHH>.json`` is the hour's commit record. A run first
announces every file it may write (``planned``, ``complete: false``), writes them, and
commits the manifest last (``complete: true``, ``lake_files`` = exactly the hour's files).
Readers take an hour's files from its committed ``lake_files`` only (platform_assets/
lake_files.py), so they never see an hour half published. While a run re-publishes an
hour, ``lake_files`` still lists what the last run committed, and no committed file is
deleted before the new manifest is committed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from platform_assets.events.layout import manifest_key


@dataclass
class Manifest:
    lake_files: list[str] = field(default_factory=list)  # committed: what readers read
    complete: bool = True
    planned: list[str] = field(default_factory=list)  # what a run in progress may write
    stale: list[str] = field(default_factory=list)  # no longer the hour's, still to delete
    # rollups/events/... keys (rollups.py): written, or announced while not complete
    rollups: list[str] = field(default_factory=list)
    counts: dict | None = None  # what the quarantine KPIs need, without reading the quarantine
    commit_id: str | None = None  # a new random id per commit (platform_assets/hour_commits.py)

    @property
    def every_file(self) -> set[str]:
        """Every lake file an earlier run wrote or may have written for the hour."""
        return set(self.lake_files) | set(self.planned) | set(self.stale)


def read_manifest(storage, arrival_hour: datetime) -> Manifest | None:
    try:
        body = json.loads(storage.read_bytes(manifest_key(arrival_hour)))
    except FileNotFoundError:
        return None
    if not body["complete"] and "planned" not in body:
        # The first manifest format: an unfinished run's lake_files were its plan.
        return Manifest([], False, planned=body["lake_files"], rollups=body.get("rollups", []))
    return Manifest(
        body["lake_files"],
        body["complete"],
        body.get("planned", []),
        body.get("stale", []),
        body.get("rollups", []),
    )


def write_manifest(
    storage, arrival_hour: datetime, manifest: Manifest, lease_generation: int | None
) -> None:
    body = {
        "arrival_hour": arrival_hour.isoformat(),
        "complete": manifest.complete,
        "lake_files": sorted(manifest.lake_files),
        "planned": sorted(manifest.planned),
        "stale": sorted(manifest.stale),
        "rollups": sorted(manifest.rollups),
        # The fencing token of the run that wrote it (platform_assets/partition_lease.py).
        "lease_generation": lease_generation,
    }
    if manifest.counts is not None:
        body["counts"] = manifest.counts
    if manifest.commit_id is not None:
        body["commit_id"] = manifest.commit_id
    storage.put_bytes(manifest_key(arrival_hour), json.dumps(body, indent=1).encode())
