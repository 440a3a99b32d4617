"""Which event dates new events_lake materializations wrote: what the event marts and the
user-keyed copy (events_by_user) must rebuild.

An arrival hour holds events of several dates (late events), so a date's derived data is stale
whenever any hour that wrote to it is (re)ingested: never every date since the start, never
only the arrival date. The dates come from the materialization's ``event_dates`` metadata
(the ingest records it), else, for materializations recorded before it did, from the hour's
committed manifest.
"""

from collections.abc import Callable
from datetime import UTC, datetime

from dagster import (
    AssetKey,
    AssetRecordsFilter,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
)

from platform_assets.arrival_hours import DAGSTER_FORMAT
from platform_assets.event_dates import event_date_partitions
from platform_assets.lake_manifests import arrival_hour_event_dates
from resources.storage import StorageResource

EVENTS_LAKE = AssetKey("events_lake")


def _dates_of_record(record, storage: StorageResource) -> list[str]:
    materialization = record.asset_materialization
    recorded = materialization.metadata.get("event_dates") if materialization else None
    if recorded is not None:
        value = recorded.value
        return sorted(value if isinstance(value, list) else value.get("dates", []))
    partition = materialization.partition if materialization else None
    if not partition:
        return []
    hour = datetime.strptime(partition, DAGSTER_FORMAT).replace(tzinfo=UTC)
    return arrival_hour_event_dates(storage, hour)


def written_event_dates(
    context: SensorEvaluationContext,
    storage: StorageResource,
    limit: int,
    wanted: Callable[[str, str | None], bool] | None = None,
) -> tuple[dict[str, int], str | None]:
    """Event date -> the storage id of the newest events_lake materialization after the
    sensor's cursor that wrote it; and the new cursor (None when nothing is new).
    ``wanted(event date, arrival partition or None)``: which of a materialization's dates count
    (default: all)."""
    after = int(context.cursor) if context.cursor else None
    result = context.instance.fetch_materializations(
        AssetRecordsFilter(asset_key=EVENTS_LAKE, after_storage_id=after),
        limit=limit,
        ascending=True,
    )
    if not result.records:
        return {}, None
    latest: dict[str, int] = {}
    for record in result.records:
        partition = record.asset_materialization.partition if record.asset_materialization else None
        for event_date in _dates_of_record(record, storage):
            if wanted is not None and not wanted(event_date, partition):
                continue
            latest[event_date] = max(latest.get(event_date, 0), record.storage_id)
    return latest, str(result.records[-1].storage_id)


def date_run_requests(
    context: SensorEvaluationContext, latest: dict[str, int], run_key_prefix: str
) -> list[RunRequest]:
    """One run request per date that is a partition; dates outside them (before
    SLUICE_EVENTS_START, or in the future) are named in a warning, never requested."""
    valid = set(event_date_partitions().get_partition_keys())
    outside = sorted(d for d in latest if d not in valid)
    if outside:
        context.log.warning(
            f"skipping event dates outside the partitions: {', '.join(outside[:5])}"
        )
    return [
        RunRequest(partition_key=d, run_key=f"{run_key_prefix}:{d}:{storage_id}")
        for d, storage_id in sorted(latest.items())
        if d in valid
    ]


def event_dates_tick(
    context: SensorEvaluationContext,
    storage: StorageResource,
    limit: int,
    run_key_prefix: str,
    wanted=None,
) -> SkipReason | SensorResult:
    """A whole tick of a sensor that follows the written dates: one run request per date
    (``wanted`` as in written_event_dates), the cursor advanced past every record read."""
    latest, cursor = written_event_dates(context, storage, limit, wanted=wanted)
    if cursor is None:
        return SkipReason("no new events_lake materialization")
    requests = date_run_requests(context, latest, run_key_prefix)
    if not requests:
        skip = SkipReason("the new events_lake materializations wrote no date to request")
        return SensorResult(skip_reason=skip, cursor=cursor)
    return SensorResult(run_requests=requests, cursor=cursor)
