"""Which files a date's KPIs read, split into tasks whose partial results merge exactly.

For event date D:
- rollups: list ``rollups/events/event_date=D/`` (one small prefix); a rollup counts only if
  the manifest of its arrival hour is complete and lists it (rollups.py), so a run still
  publishing, or killed, is never half counted.
- lake fallback: the date's lake files are found by a delimiter walk, not a listing of the
  lake: one delimiter listing of ``lake/events/`` gives the ``event_type=*`` prefixes (a few
  hundred), then each ``event_type=t/event_date=D/`` prefix is listed (in parallel threads).
  Event type is a path level above the date, so there is no single prefix to list; the
  manifests cannot be used either, because which arrival hours wrote into D (late events
  arrive days later) is unknown without reading all of them. The listing also gives the
  date's lake bytes. Lake files of arrival hours with trusted rollups are skipped; the others
  (hours ingested before rollups existed) are read.
- quarantine: the counts per reason in the manifests of D's 24 arrival hours (the ingest
  writes them); for hours whose manifest lacks them, the files under
  ``quarantine/events/ingest_date=D/ingest_hour=HH/`` (only their ``reasons`` column).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyarrow.fs as pafs

from platform_assets.lake_files import LAKE_PREFIX, QUARANTINE_PREFIX, rollup_date_prefix
from platform_assets.lake_manifests import MANIFEST_PREFIX
from resources.storage import StorageResource

LIST_THREADS = 16
TASK_MAX_FILES = 256  # ~ a second of S3 GETs per task at 8 threads: tasks stay short
TASK_MAX_BYTES = 64 << 20


@dataclass(frozen=True)
class FileRef:
    key: str  # relative to the storage root
    size: int


@dataclass(frozen=True)
class Task:
    kind: str  # "rollup" | "lake" | "quarantine"
    files: tuple[FileRef, ...]


@dataclass
class Plan:
    date: str
    tasks: list[Task]
    lake_bytes: int
    lake_files: int
    manifests_read: int = 0
    manifest_bytes: int = 0
    rollup_hours: list[str] = field(default_factory=list)  # arrival partitions read from rollups
    lake_hours: list[str] = field(default_factory=list)  # arrival partitions read from the lake
    quarantine_file_hours: list[str] = field(default_factory=list)  # read from quarantine files
    # Quarantine counts of the arrival hours whose manifests have them (the rest: files).
    quarantined: int = 0
    quarantine_reasons: Counter = field(default_factory=Counter)
    seconds: dict = field(default_factory=dict)  # where planning spent its time (not in the JSON)


def stem_of(key: str) -> str:
    """The arrival partition a file is named after ('2025-01-01T13')."""
    return key.rsplit("/", 1)[-1].split(".", 1)[0]


def _visible(info: pafs.FileInfo) -> bool:
    return info.type == pafs.FileType.File and not info.base_name.startswith((".", "_"))


def _list_files(fs: pafs.FileSystem, base: str, prefix: str) -> list[FileRef]:
    infos = fs.get_file_info(
        pafs.FileSelector(f"{base}/{prefix}".rstrip("/"), recursive=True, allow_not_found=True)
    )
    cut = len(base) + 1
    return sorted(
        (FileRef(i.path[cut:], i.size) for i in infos if _visible(i)), key=lambda f: f.key
    )


def _type_prefixes(fs: pafs.FileSystem, base: str) -> list[str]:
    """``lake/events/event_type=<t>/`` for every type: one delimiter listing."""
    infos = fs.get_file_info(
        pafs.FileSelector(f"{base}/{LAKE_PREFIX}".rstrip("/"), allow_not_found=True)
    )
    names = [
        i.base_name
        for i in infos
        if i.type == pafs.FileType.Directory and i.base_name.startswith("event_type=")
    ]
    return [f"{LAKE_PREFIX}{name}/" for name in sorted(names)]


def _read_manifests(
    storage: StorageResource, stems: list[str], plan: Plan
) -> dict[str, dict | None]:
    """Arrival partition -> its manifest (None when there is none), read in parallel."""

    def manifest(stem: str) -> bytes | None:
        try:
            return storage.read_bytes(f"{MANIFEST_PREFIX}{stem}.json")
        except FileNotFoundError:
            return None

    with ThreadPoolExecutor(LIST_THREADS) as pool:
        raw = dict(zip(stems, pool.map(manifest, stems), strict=True))
    found = [text for text in raw.values() if text is not None]
    plan.manifests_read = len(found)
    plan.manifest_bytes = sum(len(text) for text in found)
    return {stem: json.loads(text) if text is not None else None for stem, text in raw.items()}


def _committed(body: dict | None) -> bool:
    return body is not None and bool(body.get("complete"))


def _quarantine_from_manifests(manifests: dict, date: str, plan: Plan) -> set[str]:
    """Counts of the date's arrival hours whose complete manifest has them; their stems."""
    covered = set()
    for hour in range(24):
        body = manifests.get(f"{date}T{hour:02d}")
        if _committed(body) and "counts" in body:
            plan.quarantined += body["counts"]["quarantined"]
            plan.quarantine_reasons.update(body["counts"]["quarantined_by_reason"])
            covered.add(f"{date}T{hour:02d}")
    return covered


def chunk(kind: str, files: list[FileRef]) -> list[Task]:
    """Consecutive files into tasks of at most TASK_MAX_FILES files and ~TASK_MAX_BYTES."""
    tasks, current, size = [], [], 0
    for ref in files:
        if current and (len(current) >= TASK_MAX_FILES or size + ref.size > TASK_MAX_BYTES):
            tasks.append(Task(kind, tuple(current)))
            current, size = [], 0
        current.append(ref)
        size += ref.size
    if current:
        tasks.append(Task(kind, tuple(current)))
    return tasks


def plan_date(storage: StorageResource, date: str) -> Plan:
    """The tasks that compute ``date``'s KPIs (a 'YYYY-MM-DD' already validated)."""
    # The first request goes through the storage resource: a wrong root or endpoint fails
    # here with its clear StorageAccessError, before pyarrow's filesystem is used.
    began = time.perf_counter()
    rollups = [FileRef(o.key, o.size) for o in storage.list_objects(rollup_date_prefix(date))]
    rollups = [r for r in rollups if r.key.endswith(".parquet")]
    fs, base = storage.arrow_filesystem()
    with ThreadPoolExecutor(LIST_THREADS) as pool:
        per_type = pool.map(
            lambda prefix: _list_files(fs, base, f"{prefix}event_date={date}/"),
            _type_prefixes(fs, base),
        )
        lake = [ref for refs in per_type for ref in refs if ref.key.endswith(".parquet")]
    quarantine = _list_files(fs, base, f"{QUARANTINE_PREFIX}ingest_date={date}/")
    quarantine = [q for q in quarantine if q.key.endswith(".parquet")]

    plan = Plan(date, [], lake_bytes=sum(f.size for f in lake), lake_files=len(lake))
    plan.seconds["listing"] = time.perf_counter() - began
    # The manifests of the rollups' arrival hours (to trust them) and of the date's own
    # arrival hours (their quarantine counts): one small GET each.
    stems = sorted({stem_of(r.key) for r in rollups} | {f"{date}T{hour:02d}" for hour in range(24)})
    manifests = _read_manifests(storage, stems, plan)
    plan.seconds["manifests"] = time.perf_counter() - began - plan.seconds["listing"]
    trusted = [
        r
        for r in rollups
        if _committed(manifests[stem_of(r.key)])
        and r.key in manifests[stem_of(r.key)].get("rollups", ())
    ]
    covered = {stem_of(r.key) for r in trusted}
    fallback = [f for f in lake if stem_of(f.key) not in covered]
    counted = _quarantine_from_manifests(manifests, date, plan)
    quarantine = [q for q in quarantine if _ingest_stem(q.key) not in counted]
    plan.rollup_hours = sorted(covered)
    plan.lake_hours = sorted({stem_of(f.key) for f in fallback})
    plan.quarantine_file_hours = sorted({_ingest_stem(q.key) for q in quarantine})
    plan.tasks = (
        chunk("rollup", trusted) + chunk("lake", fallback) + chunk("quarantine", quarantine)
    )
    return plan


def _ingest_stem(key: str) -> str:
    """quarantine/events/ingest_date=D/ingest_hour=HH/... -> 'DTHH'."""
    date_dir, hour_dir = key.split("/")[2:4]
    return f"{date_dir.split('=', 1)[1]}T{hour_dir.split('=', 1)[1]}"
