"""What starts customers runs: new landing files (sensor) and the brief's cron sweep (schedule).

customer_files_sensor lists after its cursor, so a file whose name sorts before the cursor, a
file replaced under the same name, or a run that failed before finishing would be left behind.
customers_schedule (hourly by default) lists the whole landing/customers/ prefix and runs each
file whose latest ``quarantined_customers`` materialization (written last by a finished run,
and also for a file rejected whole) is missing or records another sha256 as its data version.
"""

import os

from dagster import (
    AddDynamicPartitionsRequest,
    AssetKey,
    DagsterEventType,
    DagsterInvalidDefinitionError,
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    schedule,
    sensor,
)

from platform_assets.file_partitions import CUSTOMER_FILES, FILE_NAME_RULE
from resources.storage import StorageResource
from sensors.landing_listing import new_file_partitions

JOB = "customer_files_job"
PARTITIONS = "customer_files"
QUARANTINED_CUSTOMERS = AssetKey("quarantined_customers")
# Bounded work per tick: a burst of files is spread over a few ticks, not one long one.
MAX_KEYS_PER_TICK = 500


@sensor(
    job_name=JOB,
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description=(
        "Adds a customer_files partition for each new landing/customers/<name>.csv and requests "
        "its run. Lists incrementally after the last key seen (at most 500 keys a tick); "
        "customers_schedule sweeps for anything this misses."
    ),
)
def customer_files_sensor(context: SensorEvaluationContext, storage: StorageResource):
    new_partitions, last_key = new_file_partitions(
        storage,
        CUSTOMER_FILES.prefix,
        context.cursor or None,
        MAX_KEYS_PER_TICK,
        CUSTOMER_FILES.partition_for_key,
        on_skipped=lambda key: context.log.warning(
            f"ignoring {key}: not a landing file ({FILE_NAME_RULE})"
        ),
    )
    if not new_partitions:
        return SensorResult(
            skip_reason=f"no new files under {CUSTOMER_FILES.prefix}", cursor=last_key
        )
    return SensorResult(
        # run_key = the landing key: a file is requested once, however often it is listed.
        run_requests=[
            RunRequest(partition_key=p, run_key=CUSTOMER_FILES.landing_key(p))
            for p in new_partitions
        ],
        dynamic_partitions_requests=[
            AddDynamicPartitionsRequest(
                partitions_def_name=PARTITIONS, partition_keys=new_partitions
            )
        ],
        cursor=last_key,
    )


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
    runs = context.instance.get_runs(filters=RunsFilter(job_name=JOB, statuses=_ACTIVE))
    return {run.tags.get("dagster/partition") for run in runs}


def files_due(
    context: ScheduleEvaluationContext, storage: StorageResource
) -> list[tuple[str, str, str]]:
    """(partition, sha256, why) for every landing file that needs a run, at most
    MAX_RUNS_PER_SWEEP."""
    landing = {}
    for obj in storage.list_objects(CUSTOMER_FILES.prefix):
        partition = CUSTOMER_FILES.partition_for_key(obj.key)
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
        sha256 = storage.sha256(key)
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
        return SkipReason(f"every file under {CUSTOMER_FILES.prefix} is processed and unchanged")
    # A schedule cannot return partition requests the way a sensor does: add them first, so
    # the run requests below resolve.
    known = set(context.instance.get_dynamic_partitions(PARTITIONS))
    new = [p for p, _, _ in due if p not in known]
    if new:
        context.instance.add_dynamic_partitions(PARTITIONS, new)
    return [
        RunRequest(
            partition_key=partition,
            run_key=f"{CUSTOMER_FILES.landing_key(partition)}@{sha256}",
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
            job_name=JOB,
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
