"""The daily EVENT-date partitions of the event models (staging and product/engagement marts)."""

from dagster import DailyPartitionsDefinition

from platform_assets.arrival_hours import first_hour_from_environment

# From SLUICE_EVENTS_START's date; end_offset=1: today is a partition too (its events arrive now).
event_dates = DailyPartitionsDefinition(
    start_date=first_hour_from_environment()[:10], timezone="UTC", end_offset=1
)
