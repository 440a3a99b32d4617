"""Turn new files under landing/customers/ into partitions and runs, as they arrive."""

from dagster import (
    AssetSelection,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    define_asset_job,
    sensor,
)

from platform_assets.customers.assets import customer_file
from platform_assets.customers.partitions import (
    CUSTOMER_LANDING_PREFIX,
    customer_files,
    landing_key,
    partition_for_key,
)
from resources.storage import StorageResource
from sensors.landing_listing import new_file_partitions

# Bounded work per tick: a burst of files is spread over a few ticks, not one long one.
MAX_KEYS_PER_TICK = 500

customer_files_job = define_asset_job(
    "customer_files_job",
    selection=AssetSelection.assets(customer_file),
    partitions_def=customer_files,
    description="Back up, validate, clean and mask one landing customer file (one partition).",
)


@sensor(
    job=customer_files_job,
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
        storage, CUSTOMER_LANDING_PREFIX, context.cursor or None, MAX_KEYS_PER_TICK, partition_for_key
    )
    if not new_partitions:
        return SensorResult(
            skip_reason=f"no new files under {CUSTOMER_LANDING_PREFIX}", cursor=last_key
        )
    return SensorResult(
        # run_key = the landing key: a file is requested once, however often it is listed.
        run_requests=[RunRequest(partition_key=p, run_key=landing_key(p)) for p in new_partitions],
        dynamic_partitions_requests=[customer_files.build_add_request(new_partitions)],
        cursor=last_key,
    )
