"""The hourly ARRIVAL-time partitions of the events pipeline."""

from platform_assets.arrival_hours import hourly_arrival_partitions

arrival_hours = hourly_arrival_partitions()
