"""What starts logins runs: messages waiting on the queue, and new files in the landing area."""

from __future__ import annotations

import hashlib

from dagster import (
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    sensor,
)

from platform_assets.logins.layout import LANDING_PREFIX, hour_of_key, hour_prefix, is_readable
from platform_assets.logins.partitions import login_arrival_hours
from resources.queue import LoginQueueResource
from resources.storage import StorageResource

drain_login_queue_job = define_asset_job("drain_login_queue", selection=["raw_logins"])
load_user_logins_job = define_asset_job(
    "load_user_logins", selection=["user_logins", "quarantined_logins"], partitions_def=login_arrival_hours
)

_ACTIVE = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]
FILES_PER_TICK = 1000


@sensor(job=drain_login_queue_job, minimum_interval_seconds=30, default_status=DefaultSensorStatus.RUNNING)
def login_queue_sensor(context: SensorEvaluationContext, login_queue: LoginQueueResource):
    """Start a drain when the login queue has messages and no drain is already running."""
    if not login_queue.is_configured:
        return SkipReason("SLUICE_LOGIN_QUEUE_URL is not set: no login queue to watch")
    depth = login_queue.approximate_depth()
    if depth == 0:
        return SkipReason("login queue is empty")
    running = context.instance.get_runs(
        filters=RunsFilter(job_name=drain_login_queue_job.name, statuses=_ACTIVE), limit=1
    )
    if running:
        return SkipReason(f"{depth} messages waiting; drain run {running[0].run_id} is still in progress")
    return RunRequest(tags={"sluice/queue_depth": str(depth)})


def _listing(storage, cursor: str | None):
    """New keys after the cursor, plus every key of the cursor's own hour again.

    Keys of one hour are not written in name order (a user may drop "a.jsonl" after
    "z.jsonl"), so the newest hour is re-listed each tick; older hours are final.
    """
    seen = {}
    hour = hour_of_key(cursor) if cursor else None
    if hour is not None:
        for obj in storage.list_objects(hour_prefix(hour), limit=FILES_PER_TICK):
            seen[obj.key] = obj
    for obj in storage.list_objects(LANDING_PREFIX, start_after=cursor, limit=FILES_PER_TICK):
        seen[obj.key] = obj
    return [seen[key] for key in sorted(seen)]


@sensor(job=load_user_logins_job, minimum_interval_seconds=30, default_status=DefaultSensorStatus.RUNNING)
def login_files_sensor(context: SensorEvaluationContext, storage: StorageResource):
    """Load the arrival hour of every new file under landing/logins/ (archive or user drop).

    The cursor is the last key seen: keys are hour-prefixed, so listing after it touches only
    new files (bounded per tick), plus the cursor's hour once more for late-named files. The
    run key fingerprints the hour's files, so an unchanged hour never runs twice and a new
    file re-runs its hour (idempotently).
    """
    files_by_hour: dict[str, list[str]] = {}
    last_key = context.cursor or None
    partitions = set(login_arrival_hours.get_partition_keys())  # ~9k keys a year: cheap
    for obj in _listing(storage, context.cursor or None):
        hour = hour_of_key(obj.key)
        if hour is None:
            # Not under YYYY/MM/DD/HH/: such a name (e.g. "stray.jsonl") sorts after every hour
            # directory, so the cursor must not move past it or later hours would be skipped.
            context.log.warning(f"ignoring {obj.key}: expected landing/logins/YYYY/MM/DD/HH/<name>.json[l]")
            continue
        last_key = max(last_key or "", obj.key)
        if not is_readable(obj.key):
            context.log.warning(f"ignoring {obj.key}: not a .json/.jsonl login file")
            continue
        partition_key = login_arrival_hours.get_partition_key_for_timestamp(hour.timestamp())
        if partition_key not in partitions:
            context.log.warning(f"ignoring {obj.key}: hour {partition_key} is outside the login partitions")
            continue
        files_by_hour.setdefault(partition_key, []).append(f"{obj.key}:{obj.size}")
    if last_key and last_key != context.cursor:
        context.update_cursor(last_key)
    if not files_by_hour:
        return SkipReason("no new login files")
    return [
        RunRequest(
            run_key=f"user_logins:{partition_key}:{hashlib.sha256(chr(10).join(files).encode()).hexdigest()[:16]}",
            partition_key=partition_key,
        )
        for partition_key, files in sorted(files_by_hour.items())
    ]
