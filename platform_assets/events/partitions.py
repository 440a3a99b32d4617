"""The hourly ARRIVAL-time partitions of the events pipeline."""

import os

from dagster import HourlyPartitionsDefinition

DEFAULT_EVENTS_START = "2025-01-01-00:00"

# end_offset=1: the hour in progress is a partition too, so files landing now are
# ingested now (and again when more arrive), not an hour later.
arrival_hours = HourlyPartitionsDefinition(
    start_date=os.environ.get("SLUICE_EVENTS_START") or DEFAULT_EVENTS_START,
    timezone="UTC",
    end_offset=1,
)
