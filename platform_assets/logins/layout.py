"""Where login data lives in storage: the paths are part of the platform's public contract.

The hourly landing layout is the one events use (platform_assets/landing_hours.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

from platform_assets.landing_hours import LOGINS_LANDING

LANDING_PREFIX = LOGINS_LANDING.prefix
hour_prefix = LOGINS_LANDING.hour_prefix
hour_of_key = LOGINS_LANDING.hour_of_key
is_readable = LOGINS_LANDING.is_readable


def archive_key(received_at: datetime, batch_name: str) -> str:
    return f"{hour_prefix(received_at)}{batch_name}.jsonl"


def quarantine_key(hour: datetime) -> str:
    """One Parquet file per arrival hour: re-running the hour rewrites exactly this file."""
    name = f"{hour.astimezone(UTC):%Y-%m-%d-%H}.parquet"
    return f"{LOGINS_LANDING.quarantine_hour_prefix(hour)}{name}"
