"""person_files_sensor: new files under landing/persons/ become partitions and runs."""

import json
import time
from dataclasses import asdict, dataclass
from typing import Optional

from dagster import (
    AddDynamicPartitionsRequest,
    AssetKey,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from platform_assets.file_partitions import FILE_NAME_RULE, PERSON_FILES
from resources.storage import StorageResource
from sensors.failed_runs import retry_requests
from sensors.landing_listing import new_file_partitions

PARTITIONS = "person_files"
# Bounded work per tick: a burst of files is spread over a few ticks, not one long one.
MAX_KEYS_PER_TICK = 500
# Names are free-form, so a new file can sort before the cursor (StartAfter never sees it).
# A reconciliation pass lists the whole prefix this often and requests what has no partition.
RECONCILE_EVERY_SECONDS = 3600


@dataclass
class PersonFilesCursor:
    after: Optional[str] = None  # last key listed
    reconciled_at: float = 0.0  # epoch seconds of the last full listing

    @classmethod
    def parse(cls, raw: Optional[str]) -> "PersonFilesCursor":
        return cls(**json.loads(raw)) if raw else cls()

    def dump(self) -> str:
        return json.dumps(asdict(self))


def _files_without_partition(storage: StorageResource, known: set[str]) -> list[str]:
    missing = []
    for obj in storage.list_objects(PERSON_FILES.prefix):
        partition = PERSON_FILES.partition_for_key(obj.key)
        if partition is not None and partition not in known:
            missing.append(partition)
            if len(missing) >= MAX_KEYS_PER_TICK:
                break
    return missing


@sensor(
    job_name="person_file_job",
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description=(
        "Adds a person_files partition for each new landing/persons/<name>.csv and requests its "
        "run. Lists incrementally after the last key seen; an hourly pass catches names that "
        "sort before it."
    ),
)
def person_files_sensor(context: SensorEvaluationContext, storage: StorageResource):
    cursor = PersonFilesCursor.parse(context.cursor)
    new_partitions, last_key = new_file_partitions(
        storage,
        PERSON_FILES.prefix,
        cursor.after,
        MAX_KEYS_PER_TICK,
        PERSON_FILES.partition_for_key,
        on_skipped=lambda key: context.log.warning(
            f"ignoring {key}: not a landing file ({FILE_NAME_RULE})"
        ),
    )
    cursor.after = last_key

    if not new_partitions and time.time() - cursor.reconciled_at >= RECONCILE_EVERY_SECONDS:
        known = set(context.instance.get_dynamic_partitions(PARTITIONS))
        new_partitions = _files_without_partition(storage, known)
        cursor.reconciled_at = time.time()

    retries = retry_requests(  # files whose latest run failed (e.g. found the file leased)
        context, storage, job_name="person_file_job", asset_key=AssetKey("person"),
        step_key="person_file", lease_dataset="persons", lease_partition=lambda key: key,
        run_key_prefix="persons", attempts_variable="SLUICE_PERSONS_MAX_ATTEMPTS",
        requested=set(new_partitions),
    )  # fmt: skip
    if not new_partitions and not retries:
        return SensorResult(
            skip_reason=SkipReason(f"no new files under {PERSON_FILES.prefix}"),
            cursor=cursor.dump(),
        )
    return SensorResult(
        # run_key = the landing key: a file is requested once, however often it is listed.
        run_requests=[
            RunRequest(partition_key=p, run_key=PERSON_FILES.landing_key(p)) for p in new_partitions
        ]
        + retries,
        dynamic_partitions_requests=[
            AddDynamicPartitionsRequest(
                partitions_def_name=PARTITIONS, partition_keys=new_partitions
            )
        ],
        cursor=cursor.dump(),
    )
