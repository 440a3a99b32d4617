"""customers_schedule: the brief's cron job, a sweep for landing files that were missed or changed.

The sensor lists only after its cursor, so a file whose name sorts before the cursor, a file
replaced under the same name, or a run that failed before finishing would be left behind.
Every tick (hourly by default) lists the whole landing/customers/ prefix and runs each file
whose latest ``quarantined_customers`` materialization (written last by a finished run, and
also for a file rejected whole) is missing or records another sha256 as its data version.
"""

import os

from dagster import (
    DagsterEventType,
    DagsterInvalidDefinitionError,
    DagsterRunStatus,
    DefaultScheduleStatus,
    RunRequest,
    RunsFilter,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from platform_assets.customers.assets import QUARANTINED_CUSTOMERS
from platform_assets.customers.backup import stored_sha256
from platform_assets.customers.partitions import (
    CUSTOMER_LANDING_PREFIX,
    customer_files,
    landing_key,
    partition_for_key,
)
from platform_assets.customers.sensors import customer_files_job
from resources.storage import StorageResource

CRON_ENV = "SLUICE_CUSTOMERS_CRON"
DEFAULT_CRON = "0 * * * *"
MAX_RUNS_PER_SWEEP = 500
# Dagster stores a materialization's DataVersion under this tag (one of the few it can query
# per partition); the assets record the landing file's sha256 as their data version.
DATA_VERSION_TAG = "dagster/data_version"
_ACTIVE = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
]


class CustomersConfigError(ValueError):
    """SLUICE_CUSTOMERS_CRON cannot be used."""


def _partitions_in_flight(context: ScheduleEvaluationContext) -> set[str]:
    runs = context.instance.get_runs(
        filters=RunsFilter(job_name=customer_files_job.name, statuses=_ACTIVE)
    )
    return {run.tags.get("dagster/partition") for run in runs}


def files_due(
    context: ScheduleEvaluationContext, storage: StorageResource
) -> list[tuple[str, str, str]]:
    """(partition, sha256, why) for every landing file that needs a run, at most MAX_RUNS_PER_SWEEP."""
    landing = {}
    for obj in storage.list_objects(CUSTOMER_LANDING_PREFIX):
        partition = partition_for_key(obj.key)
        if partition is not None:
            landing[partition] = obj.key
    if not landing:
        return []
    recorded = context.instance.event_log_storage.get_latest_tags_by_partition(
        QUARANTINED_CUSTOMERS,
        DagsterEventType.ASSET_MATERIALIZATION,
        [DATA_VERSION_TAG],
        asset_partitions=list(landing),
    )
    in_flight = _partitions_in_flight(context)
    due = []
    for partition, key in landing.items():
        if partition in in_flight:
            continue
        sha256 = stored_sha256(storage, key)
        version = recorded.get(partition, {}).get(DATA_VERSION_TAG)
        if version == sha256:
            continue
        due.append((partition, sha256, "not processed" if version is None else "changed"))
        if len(due) >= MAX_RUNS_PER_SWEEP:
            break
    return due


def sweep_customer_files(context: ScheduleEvaluationContext, storage: StorageResource):
    due = files_due(context, storage)
    if not due:
        return SkipReason(f"every file under {CUSTOMER_LANDING_PREFIX} is processed and unchanged")
    # A schedule cannot return partition requests the way a sensor does: add them first, so
    # the run requests below resolve.
    known = set(context.instance.get_dynamic_partitions(customer_files.name))
    new = [p for p, _, _ in due if p not in known]
    if new:
        context.instance.add_dynamic_partitions(customer_files.name, new)
    return [
        RunRequest(
            partition_key=partition,
            run_key=f"{landing_key(partition)}@{sha256}",
            tags={"sluice/sweep_reason": why},
        )
        for partition, sha256, why in due
    ]


def build_customers_schedule(cron: str | None = None) -> ScheduleDefinition:
    """The sweep on ``cron``, else SLUICE_CUSTOMERS_CRON, else hourly (UTC)."""
    cron = (cron or os.environ.get(CRON_ENV, "")).strip() or DEFAULT_CRON
    try:
        return schedule(
            name="customers_schedule",
            cron_schedule=cron,
            execution_timezone="UTC",
            job=customer_files_job,
            default_status=DefaultScheduleStatus.RUNNING,
            description=(
                f"Sweeps landing/customers/ on '{cron}' (UTC, {CRON_ENV}) and runs every file "
                "that has not been processed or has changed since (sha256)."
            ),
        )(sweep_customer_files)
    except DagsterInvalidDefinitionError:
        raise CustomersConfigError(
            f"{CRON_ENV}={cron!r} is not a valid cron expression: use five fields, "
            f"e.g. {DEFAULT_CRON!r} (hourly) or '*/15 * * * *'"
        ) from None


customers_schedule = build_customers_schedule()
