"""What starts logins runs: messages waiting on the queue, and new files in the landing area."""

from __future__ import annotations

from dagster import (
    AssetKey,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from platform_assets.landing_hours import LOGINS_LANDING
from resources.queue import LoginQueueResource
from resources.storage import StorageResource
from sensors.failed_runs import retry_requests
from sensors.hourly_runs import hourly_run_requests, max_keys_per_tick
from sensors.landing_listing import list_new_landing_hours

DRAIN_JOB = "drain_login_queue"
_ACTIVE = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
]


@sensor(job_name=DRAIN_JOB, minimum_interval_seconds=30, default_status=DefaultSensorStatus.RUNNING)
def login_queue_sensor(context: SensorEvaluationContext, login_queue: LoginQueueResource):
    """Start a drain when the login queue has messages and no drain is already running."""
    if not login_queue.is_configured:
        return SkipReason("SLUICE_LOGIN_QUEUE_URL is not set: no login queue to watch")
    depth = login_queue.approximate_depth()
    if depth == 0:
        return SkipReason("login queue is empty")
    running = context.instance.get_runs(
        filters=RunsFilter(job_name=DRAIN_JOB, statuses=_ACTIVE), limit=1
    )
    if running:
        return SkipReason(
            f"{depth} messages waiting; drain run {running[0].run_id} is still in progress"
        )
    return RunRequest(tags={"sluice/queue_depth": str(depth)})


@sensor(
    job_name="load_user_logins",
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
)
def login_files_sensor(context: SensorEvaluationContext, storage: StorageResource):
    """Load the arrival hour of every new file under landing/logins/ (archive or user drop).

    The same incremental listing as raw_events_sensor (sensors/landing_listing.py): keys are
    hour-prefixed, so a tick lists only after the window it remembers, and a file landing late
    in a recent hour, whatever its name, re-runs that hour (idempotently).
    """
    listing = list_new_landing_hours(storage, LOGINS_LANDING, context.cursor, max_keys_per_tick())
    run_requests = hourly_run_requests(listing, "user_logins", context.log)
    run_requests += retry_requests(  # hours whose latest run failed (e.g. found the hour leased)
        context, storage, job_name="load_user_logins", asset_key=AssetKey("user_logins"),
        step_key="user_logins", lease_dataset="logins", lease_partition=lambda key: key,
        run_key_prefix="user_logins", attempts_variable="SLUICE_LOGINS_MAX_ATTEMPTS",
        requested={r.partition_key for r in run_requests},
    )  # fmt: skip
    if not run_requests:
        return SensorResult(skip_reason=SkipReason("no new login files"), cursor=listing.cursor)
    return SensorResult(run_requests=run_requests, cursor=listing.cursor)
