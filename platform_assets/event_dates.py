"""The daily EVENT-date calendar shared by everything keyed by event date (the event marts,
the user-keyed copy of the lake): one partitions definition, so one CLI range run builds both.

Keys are ``YYYY-MM-DD`` from the date of SLUICE_EVENTS_START (the arrival calendar's start,
platform_assets/arrival_hours.py). An arrival hour writes events of several dates (late
events), so the dates it wrote are refreshed, not just the current one.
"""

from datetime import datetime

from dagster import DailyPartitionsDefinition

from platform_assets.arrival_hours import DAGSTER_FORMAT, first_hour_from_environment


def first_event_date() -> str:
    return datetime.strptime(first_hour_from_environment(), DAGSTER_FORMAT).strftime("%Y-%m-%d")


def event_date_partitions() -> DailyPartitionsDefinition:
    # end_offset=1: today is a partition too, as the arrival hours include the current hour.
    return DailyPartitionsDefinition(start_date=first_event_date(), timezone="UTC", end_offset=1)
