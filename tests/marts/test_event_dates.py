"""The event dates an ingest run records for the marts: dates written and dates emptied."""

from datetime import UTC, datetime

from platform_assets.events.ingest import HourStats
from platform_assets.events.metadata import event_dates_written


def test_dates_written_and_removed_are_recorded_once_each():
    hour = HourStats(arrival_hour=datetime(2025, 1, 3, 5, tzinfo=UTC))
    hour.lake_files = [
        "lake/events/event_type=a/event_date=2025-01-03/event_hour=05/2025-01-03T05.parquet",
        "lake/events/event_type=b/event_date=2025-01-03/event_hour=04/2025-01-03T05.parquet",
        "lake/events/event_type=a/event_date=2024-12-30/event_hour=23/2025-01-03T05.parquet",
    ]
    # A re-run no longer produces this file: its date changed too.
    hour.lake_files_removed = [
        "lake/events/event_type=c/event_date=2025-01-01/event_hour=02/2025-01-03T05.parquet"
    ]
    assert event_dates_written([hour]) == ["2024-12-30", "2025-01-01", "2025-01-03"]
    assert event_dates_written([HourStats(arrival_hour=hour.arrival_hour)]) == []
