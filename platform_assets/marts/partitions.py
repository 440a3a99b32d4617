"""The daily EVENT-date partitions of the event models (staging and product/engagement marts):
the calendar events_by_user uses too (platform_assets/event_dates.py), so one CLI range run
builds both."""

from platform_assets.event_dates import event_date_partitions

event_dates = event_date_partitions()
