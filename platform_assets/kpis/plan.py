"""Which files a date's KPIs read, split into tasks whose partial results merge exactly.

For event date D:
- rollups: list ``rollups/events/event_date=D/`` (one small prefix); a rollup counts only if
  the commit of its arrival hour is complete and lists it (rollups.py), so a run still
  publishing, or killed, is never half counted. Commits are read from the hours' small commit
  summaries, or their manifests where there is none (platform_assets/hour_commits.py).
- the date's compacted rollup (events_rollups_by_date) replaces the hours it covers when each
  of them is still committed with the commit id its footer records; the trusted hours it does
  not cover are added from their own rollups.
- lake fallback: the date's lake files are found by a delimiter walk, not a listing of the
  lake: one delimiter listing of ``lake/events/`` gives the ``event_type=*`` prefixes (a few
  hundred), then each ``event_type=t/event_date=D/`` prefix is listed (in parallel threads).
  Event type is a path level above the date, so there is no single prefix to list; the
  manifests cannot be used either, because which arrival hours wrote into D (late events
  arrive days later) is unknown without reading all of them. The listing also gives the
  date's lake bytes. Lake files of arrival hours with trusted rollups are skipped; the others
  (hours ingested before rollups existed) are read.
- quarantine: the counts per reason in the commits of D's 24 arrival hours (the ingest
  writes them); for hours whose commit lacks them, the files under
  ``quarantine/events/ingest_date=D/ingest_hour=HH/`` (only their ``reasons`` column).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from platform_assets.hour_commits import (
    HourCommit,
    covers_of,
    daily_rollup_key,
    read_hour_commits,
    stem_of,
    trusted_rollups,
    usable_covers,
)
from platform_assets.lake_files import LAKE_PREFIX, QUARANTINE_PREFIX, rollup_date_prefix
from resources.storage import StorageResource

LIST_THREADS = 16
TASK_MAX_FILES = 256  # ~ a second of S3 GETs per task at 8 threads: tasks stay short
TASK_MAX_BYTES = 64 << 20
FOOTER_READ_BYTES = 16 << 10  # one ranged GET holds a compacted rollup's footer (~2 KB)


@dataclass(frozen=True)
class FileRef:
    key: str  # relative to the storage root
    size: int
    # A compacted rollup's: the hours and commit ids it was planned for (JSON, sorted keys).
    covers: str = ""


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
    summaries_read: int = 0  # hour commit summaries (platform_assets/hour_commits.py)
    summary_bytes: int = 0
    footers_read: int = 0  # the compacted rollup's footer, read to check what it covers
    footer_bytes: int = 0
    daily_rollup_hours: list[str] = field(default_factory=list)  # covered by the compacted one
    rollup_hours: list[str] = field(default_factory=list)  # arrival partitions read from rollups
    lake_hours: list[str] = field(default_factory=list)  # arrival partitions read from the lake
    quarantine_file_hours: list[str] = field(default_factory=list)  # read from quarantine files
    # Quarantine counts of the arrival hours whose manifests have them (the rest: files).
    quarantined: int = 0
    quarantine_reasons: Counter = field(default_factory=Counter)
    seconds: dict = field(default_factory=dict)  # where planning spent its time (not in the JSON)


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


def _committed(commit: HourCommit | None) -> bool:
    return commit is not None and commit.complete


def _quarantine_from_commits(commits: dict, date: str, plan: Plan) -> set[str]:
    """Counts of the date's arrival hours whose complete commit has them; their stems."""
    covered = set()
    for hour in range(24):
        commit = commits.get(f"{date}T{hour:02d}")
        if _committed(commit) and commit.counts is not None:
            plan.quarantined += commit.counts["quarantined"]
            plan.quarantine_reasons.update(commit.counts["quarantined_by_reason"])
            covered.add(f"{date}T{hour:02d}")
    return covered


def _daily_rollup(fs, base: str, date: str, plan: Plan) -> tuple[FileRef, dict[str, str]] | None:
    """The date's compacted rollup and the hours it covers, from its footer (one ranged read
    of its tail), or None when there is none."""
    key = daily_rollup_key(date)
    try:
        with fs.open_input_file(f"{base}/{key}") as f:
            size = f.size()
            tail = f.read_at(min(size, FOOTER_READ_BYTES), max(0, size - FOOTER_READ_BYTES))
            footer = int.from_bytes(tail[-8:-4], "little") + 8
            if footer > len(tail):  # a footer bigger than the guess: read exactly it
                tail = f.read_at(footer, size - footer)
    except FileNotFoundError:
        return None
    plan.footer_bytes += len(tail)
    plan.footers_read += 1
    covers = covers_of(pq.read_metadata(pa.BufferReader(tail)).metadata)
    return FileRef(key, size), covers


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
    # What the rollups' arrival hours (to trust them) and the date's own arrival hours (their
    # quarantine counts) committed: a small commit summary each, the manifest where none.
    stems = sorted({stem_of(r.key) for r in rollups} | {f"{date}T{hour:02d}" for hour in range(24)})
    reads = read_hour_commits(storage, stems)
    commits = reads.commits
    plan.summaries_read, plan.summary_bytes = reads.summaries, reads.summary_bytes
    plan.manifests_read, plan.manifest_bytes = reads.manifests, reads.manifest_bytes
    trusted_keys = set(trusted_rollups(commits, [r.key for r in rollups]))
    trusted = [r for r in rollups if r.key in trusted_keys]
    daily = _daily_rollup(fs, base, date, plan)
    plan.seconds["commits"] = time.perf_counter() - began - plan.seconds["listing"]
    covered = {stem_of(r.key) for r in trusted}
    if daily is not None and usable_covers(daily[1], commits, covered):
        # The compacted rollup stands for the hours it covers; the others' own rollups add.
        plan.daily_rollup_hours = sorted(daily[1])
        checked = FileRef(daily[0].key, daily[0].size, json.dumps(daily[1], sort_keys=True))
        trusted = [checked, *(r for r in trusted if stem_of(r.key) not in daily[1])]
    fallback = [f for f in lake if stem_of(f.key) not in covered]
    counted = _quarantine_from_commits(commits, date, plan)
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
