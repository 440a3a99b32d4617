"""Ask again for partitions whose latest run failed: a used run key is not proof of work done.

A run that found its partition leased by another run (platform_assets/partition_lease.py)
fails at once; so does one that hit a transient error. Each tick, a sensor looks at the runs
of its asset that failed in the last day and requests one more run for every partition whose
latest run failed, once no run holds the partition's lease, and at most
SLUICE_<DATASET>_MAX_ATTEMPTS runs in a row (tag ``sluice/attempt``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from dagster import AssetKey, DagsterRunStatus, RunRequest, RunsFilter

from platform_assets.partition_lease import holder_of

DEFAULT_MAX_ATTEMPTS = 3
RETRY_LOOKBACK = timedelta(days=1)  # failed runs older than this are left to an operator
ATTEMPT_TAG = "sluice/attempt"
PARTITION_TAG = "dagster/partition"


def max_attempts(variable: str) -> int:
    value = os.environ.get(variable, "").strip()
    try:
        attempts = int(value) if value else DEFAULT_MAX_ATTEMPTS
    except ValueError:
        attempts = 0
    if attempts < 1:
        raise ValueError(
            f"{variable}={value!r} must be a whole number of runs >= 1 "
            f"(default {DEFAULT_MAX_ATTEMPTS})"
        )
    return attempts


def _runs_asset(run, job_name: str, asset_key: AssetKey, step_key: str) -> bool:
    """A run of the sensor's job, or any run that selected or executed the asset."""
    return (
        run.job_name == job_name
        or asset_key in (run.asset_selection or ())
        or step_key in (run.step_keys_to_execute or ())
    )


def retry_requests(
    context,
    storage,
    *,
    job_name: str,
    asset_key: AssetKey,
    step_key: str,
    lease_dataset: str,
    lease_partition: Callable[[str], str],
    run_key_prefix: str,
    attempts_variable: str,
    requested: set[str],
) -> list[RunRequest]:
    """One request per partition whose latest run of the asset failed (see the module doc);
    ``requested``: partitions the tick asks for anyway."""
    instance = context.instance
    since = datetime.now(UTC) - RETRY_LOOKBACK
    failed = instance.get_runs(
        filters=RunsFilter(statuses=[DagsterRunStatus.FAILURE], updated_after=since), limit=200
    )
    requests, limit, seen = [], max_attempts(attempts_variable), set(requested)
    for run in failed:
        partition = run.tags.get(PARTITION_TAG)
        if (
            not partition
            or partition in seen
            or not _runs_asset(run, job_name, asset_key, step_key)
        ):
            continue
        seen.add(partition)
        runs = instance.get_runs(RunsFilter(tags={PARTITION_TAG: partition}), limit=20)
        latest = next((r for r in runs if _runs_asset(r, job_name, asset_key, step_key)), None)
        if latest is None or latest.run_id != run.run_id:
            continue  # a later run of the partition exists: it decides
        attempt = int(run.tags.get(ATTEMPT_TAG, "1"))
        if attempt >= limit:
            context.log.warning(
                f"{lease_dataset} {partition}: {attempt} runs failed in a row "
                f"(last {run.run_id}); not retried"
            )
            continue
        holder = holder_of(storage, lease_dataset, lease_partition(partition))
        if holder is not None:
            context.log.info(
                f"{lease_dataset} {partition}: held by {holder}; retried once it is free"
            )
            continue
        requests.append(
            RunRequest(
                partition_key=partition,
                run_key=f"{run_key_prefix}:{partition}:retry-of:{run.run_id}",
                tags={ATTEMPT_TAG: str(attempt + 1)},
            )
        )
    return requests
