"""The hourly ARRIVAL-time partitions of the logins pipeline (same calendar as events)."""

from platform_assets.arrival_hours import hourly_arrival_partitions

login_arrival_hours = hourly_arrival_partitions()
