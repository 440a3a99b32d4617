"""What an arrival hour committed, read cheaply; and a date's compacted rollup (issue 16).

An hour's manifest (``state/events/manifests/<hour>.json``) lists every lake file of the hour,
so it is big (~130 KB for a 40k-event hour); readers of rollups need only a few of its keys.
The ingest therefore also writes a **commit summary** ``state/events/commits/<hour>.json``:
``commit_id``, ``rollups`` and ``counts`` of the committed manifest. Protocol (publish.py):
the summary is deleted before a run announces anything (before the manifest goes
incomplete), and written again only after the manifest's commit. So a summary, when present,
says what the complete manifest says; when absent (a run in progress, a crash, an hour
ingested before summaries) readers read the manifest itself.

``commit_id`` (a random id written with each commit) identifies one commit of an hour: a
re-run that commits gets a new one. The **compacted rollup of a date**
(``rollups/events_by_date/event_date=<D>/rollup.parquet``, written by a per-date step after
the ingest) holds the union of the per-hour rollups it read and records in its Parquet footer
the ``commit_id`` of every hour it covers. A reader uses it only if each covered hour is still
trusted for the date with that same commit id; hours it does not cover are merged from their
own rollups. Dagster-free and domain-free (the events ingest writes, kpis reads).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from platform_assets.lake_manifests import MANIFEST_PREFIX
from resources.storage import StorageResource

COMMIT_PREFIX = "state/events/commits/"
DAILY_ROLLUP_PREFIX = "rollups/events_by_date/"
COVERS_KEY = b"sluice.covers"  # footer metadata of a compacted rollup: {arrival stem: commit id}
_READ_THREADS = 16


def commit_summary_key(stem: str) -> str:
    """``stem``: an arrival partition, 'YYYY-MM-DDTHH'."""
    return f"{COMMIT_PREFIX}{stem}.json"


def daily_rollup_key(date: str) -> str:
    return f"{DAILY_ROLLUP_PREFIX}event_date={date}/rollup.parquet"


def summary_body(commit_id: str, rollups: list[str], counts: dict | None) -> bytes:
    body = {"commit_id": commit_id, "complete": True, "rollups": sorted(rollups)}
    if counts is not None:
        body["counts"] = counts
    return json.dumps(body).encode()


@dataclass
class HourCommit:
    """An arrival hour's commit as a reader of rollups needs it."""

    complete: bool
    commit_id: str | None = None  # None: committed before commit ids existed
    rollups: list[str] = field(default_factory=list)
    counts: dict | None = None


@dataclass
class CommitReads:
    commits: dict[str, HourCommit | None]  # stem -> its commit (None: no manifest)
    summaries: int = 0  # objects read and their bytes, by kind
    summary_bytes: int = 0
    manifests: int = 0
    manifest_bytes: int = 0


def _get(storage: StorageResource, key: str) -> bytes | None:
    try:
        return storage.read_bytes(key)
    except FileNotFoundError:
        return None


def commit_of(body: dict) -> HourCommit:
    """The commit a summary or a manifest body records."""
    return HourCommit(
        bool(body.get("complete")), body.get("commit_id"), body.get("rollups", []),
        body.get("counts"),
    )  # fmt: skip


def read_hour_commits(storage: StorageResource, stems: list[str]) -> CommitReads:
    """Each hour's commit from its summary, or from its manifest where there is no summary."""

    def one(stem: str) -> tuple[bytes | None, bytes | None]:
        summary = _get(storage, commit_summary_key(stem))
        if summary is not None:
            return summary, None
        return None, _get(storage, f"{MANIFEST_PREFIX}{stem}.json")

    with ThreadPoolExecutor(_READ_THREADS) as pool:
        raw = list(pool.map(one, stems))
    reads = CommitReads({})
    for stem, (summary, manifest) in zip(stems, raw, strict=True):
        if summary is not None:
            reads.summaries += 1
            reads.summary_bytes += len(summary)
        if manifest is not None:
            reads.manifests += 1
            reads.manifest_bytes += len(manifest)
        text = summary if summary is not None else manifest
        reads.commits[stem] = commit_of(json.loads(text)) if text is not None else None
    return reads


def trusted_rollups(commits: dict[str, HourCommit | None], rollup_keys: list[str]) -> list[str]:
    """The rollup keys a complete commit of their arrival hour lists: the only ones to count."""
    trusted = []
    for key in rollup_keys:
        commit = commits.get(stem_of(key))
        if commit is not None and commit.complete and key in commit.rollups:
            trusted.append(key)
    return trusted


def stem_of(key: str) -> str:
    """The arrival partition a file is named after ('2025-01-01T13')."""
    return key.rsplit("/", 1)[-1].split(".", 1)[0]


def covers_of(footer_metadata: dict | None) -> dict[str, str]:
    """{arrival stem: commit id} a compacted rollup's footer records."""
    raw = (footer_metadata or {}).get(COVERS_KEY)
    return json.loads(raw) if raw else {}


def usable_covers(
    covers: dict[str, str], commits: dict[str, HourCommit | None], trusted_stems: set[str]
) -> bool:
    """A compacted rollup stands for exactly the hours it covers as they are committed now:
    each covered hour is trusted for the date and has the commit id recorded. (A union of
    user pairs cannot have one hour taken out, so one stale hour spoils the whole file.)"""
    return bool(covers) and all(
        stem in trusted_stems
        and commits.get(stem) is not None
        and commits[stem].commit_id == commit_id
        for stem, commit_id in covers.items()
    )
