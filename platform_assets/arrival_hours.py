"""The hourly ARRIVAL-time calendar shared by the hourly domains (events, logins)."""

import os
from datetime import datetime

from dagster import HourlyPartitionsDefinition

DEFAULT_START = "2025-01-01-00:00"
DAGSTER_FORMAT = "%Y-%m-%d-%H:%M"
ACCEPTED_FORMATS = (DAGSTER_FORMAT, "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H", "%Y-%m-%d %H:%M", "%Y-%m-%d")


def first_hour_from_environment() -> str:
    """SLUICE_EVENTS_START as Dagster's partition-key format, or a clear error."""
    value = (os.environ.get("SLUICE_EVENTS_START") or DEFAULT_START).strip()
    for fmt in ACCEPTED_FORMATS:
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return parsed.replace(minute=0).strftime(DAGSTER_FORMAT)
    raise ValueError(
        f"SLUICE_EVENTS_START={value!r} is not a UTC hour; use e.g. 2025-01-01-00:00 "
        "(also accepted: 2025-01-01T00:00, 2025-01-01T00, 2025-01-01)"
    )


def hourly_arrival_partitions() -> HourlyPartitionsDefinition:
    # end_offset=1: the hour in progress is a partition too, so data landing now is
    # processed now (and again when more arrives), not an hour later.
    return HourlyPartitionsDefinition(
        start_date=first_hour_from_environment(), timezone="UTC", end_offset=1
    )


def bad_hour_key_message(key: str, first: str, last: str) -> str:
    """Why ``key`` is not an arrival hour between ``first`` and ``last`` (both partition keys),
    in one line that names the expected format and where the first partition comes from."""
    try:
        datetime.strptime(key, DAGSTER_FORMAT)
    except ValueError:
        return (
            f"partition key {key!r} is not an hour: use YYYY-MM-DD-HH:00 (UTC), e.g. {first}; "
            f"the first partition is {first} (SLUICE_EVENTS_START), the last {last}"
        )
    if key < first:  # the format sorts like time
        return (
            f"partition key {key!r} is before the first partition {first} "
            "(SLUICE_EVENTS_START sets it)"
        )
    if not key.endswith(":00"):
        return (
            f"partition key {key!r} is not on the hour: use {key[:-3]}:00 (YYYY-MM-DD-HH:00, UTC)"
        )
    return f"partition key {key!r} is after the last partition {last} (the hour in progress)"
