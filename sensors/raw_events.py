"""raw_events_sensor: one run per arrival hour that received new landing files."""


import os
from datetime import UTC, datetime, timedelta

from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SensorResult, sensor

from platform_assets.events.layout import LANDING_PREFIX, arrival_hour_of, landing_hour_prefix
from platform_assets.events.partitions import arrival_hours
from resources.storage import StorageResource
from sensors.landing_listing import list_new_landing_hours

DEFAULT_MAX_KEYS_PER_TICK = 10_000
PARTITION_FORMAT = "%Y-%m-%d-%H:%M"


def _max_keys() -> int:
    value = os.environ.get("SLUICE_SENSOR_MAX_KEYS")
    try:
        return int(value) if value else DEFAULT_MAX_KEYS_PER_TICK
    except ValueError:
        raise ValueError(f"SLUICE_SENSOR_MAX_KEYS={value!r} is not an integer") from None


def build_raw_events_sensor(job):
    @sensor(
        name="raw_events_sensor",
        job=job,
        minimum_interval_seconds=30,
        default_status=DefaultSensorStatus.RUNNING,
        description="Lists new files under landing/events/ incrementally (key cursor) and "
        "requests one ingest run per arrival hour that has new files.",
    )
    def raw_events_sensor(context: SensorEvaluationContext, storage: StorageResource):
        listing = list_new_landing_hours(
            storage, LANDING_PREFIX, context.cursor, _max_keys(), arrival_hour_of, landing_hour_prefix
        )
        first_hour = arrival_hours.start.astimezone(UTC)
        last_hour = datetime.now(UTC) + timedelta(hours=1)
        run_requests = []
        for group in listing.hours:
            if not first_hour <= group.hour <= last_hour:
                context.log.warning(
                    f"skipping {len(group.keys)} landing file(s) in {group.hour:%Y-%m-%d %H}:00, outside "
                    f"the partitions (from {first_hour:%Y-%m-%d %H}:00; set SLUICE_EVENTS_START), "
                    f"e.g. {group.keys[0]}"
                )
                continue
            partition_key = group.hour.strftime(PARTITION_FORMAT)
            run_requests.append(
                RunRequest(
                    partition_key=partition_key,
                    # A re-listed hour asks again only if it got files after its last run.
                    run_key=f"raw_events:{partition_key}:{group.keys[-1]}",
                    tags={"sluice/new_landing_files": str(len(group.keys))},
                )
            )
        context.log.info(
            f"listed {listing.keys_listed} key(s); "
            f"{len(run_requests)} run request(s); more pending: {listing.truncated}"
        )
        return SensorResult(run_requests=run_requests, cursor=listing.cursor)

    return raw_events_sensor
