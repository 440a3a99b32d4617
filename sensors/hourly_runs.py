"""From a listing of hourly landing files to one run request per arrival hour.

Shared by the hourly sensors (events, logins): the same partitions calendar
(platform_assets/arrival_hours.py), the same bound on keys per tick, the same run keys.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from dagster import RunRequest

from platform_assets.arrival_hours import DAGSTER_FORMAT, first_hour_from_environment
from sensors.landing_listing import ListingResult

MAX_KEYS_VARIABLE = "SLUICE_SENSOR_MAX_KEYS"
DEFAULT_MAX_KEYS_PER_TICK = 10_000


class SensorConfigError(ValueError):
    """A sensor setting in the environment cannot be used."""


def max_keys_per_tick() -> int:
    value = os.environ.get(MAX_KEYS_VARIABLE, "").strip()
    if not value:
        return DEFAULT_MAX_KEYS_PER_TICK
    try:
        keys = int(value)
    except ValueError:
        keys = 0
    if keys < 1:
        # 0 or less would list nothing and leave the sensor stuck on the same keys forever.
        raise SensorConfigError(
            f"{MAX_KEYS_VARIABLE}={value!r} must be a whole number of keys >= 1 "
            f"(default {DEFAULT_MAX_KEYS_PER_TICK})"
        )
    return keys


def hourly_run_requests(listing: ListingResult, run_key_prefix: str, log) -> list[RunRequest]:
    """One request per arrival hour with new files; hours outside the partitions are logged
    and skipped. A re-listed hour asks again only when it got files after its last request."""
    first_hour = datetime.strptime(first_hour_from_environment(), DAGSTER_FORMAT).replace(
        tzinfo=UTC
    )
    last_hour = datetime.now(UTC) + timedelta(hours=1)
    requests = []
    for group in listing.hours:
        if not first_hour <= group.hour <= last_hour:
            log.warning(
                f"skipping {len(group.keys)} landing file(s) in {group.hour:%Y-%m-%d %H}:00, "
                f"outside the partitions (from {first_hour:%Y-%m-%d %H}:00; "
                "set SLUICE_EVENTS_START), "
                f"e.g. {group.keys[0]}"
            )
            continue
        partition_key = group.hour.strftime(DAGSTER_FORMAT)
        requests.append(
            RunRequest(
                partition_key=partition_key,
                run_key=f"{run_key_prefix}:{partition_key}:{group.keys[-1]}",
                tags={"sluice/new_landing_files": str(len(group.keys))},
            )
        )
    for key in listing.ignored:
        log.warning(
            f"ignoring {key}: not a landing file "
            "(expected YYYY/MM/DD/HH/<name> with a readable suffix)"
        )
    return requests
