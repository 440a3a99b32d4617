"""The hourly ARRIVAL-time partitions of the logins pipeline (same calendar as events)."""

import os

from dagster import HourlyPartitionsDefinition

DEFAULT_START = "2025-01-01-00:00"

# end_offset=1: the hour in progress is a partition too, so logins archived now load now.
login_arrival_hours = HourlyPartitionsDefinition(
    start_date=os.environ.get("SLUICE_EVENTS_START") or DEFAULT_START,
    timezone="UTC",
    end_offset=1,
)
