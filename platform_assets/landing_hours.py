"""The hourly landing layout that events and logins share (a public storage contract).

Files land at ``landing/<dataset>/YYYY/MM/DD/HH/<name>`` where HH is the ARRIVAL hour (UTC,
Firehose style), so key order is arrival order at hour resolution: sensors list them
incrementally, and an arrival hour is one prefix. Each hour's rejected records go to
``quarantine/<dataset>/ingest_date=YYYY-MM-DD/ingest_hour=HH/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True)
class HourlyLanding:
    """One dataset's hourly landing folder: which keys belong to which arrival hour."""

    dataset: str
    suffixes: tuple[str, ...]  # the files the ingest reads; other names are not landing files
    _hour_key: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pattern = (
            rf"^landing/{re.escape(self.dataset)}/(\d{{4}})/(\d{{2}})/(\d{{2}})/(\d{{2}})/[^/]+$"
        )
        object.__setattr__(self, "_hour_key", re.compile(pattern))

    @property
    def prefix(self) -> str:
        return f"landing/{self.dataset}/"

    def hour_prefix(self, hour: datetime) -> str:
        """``landing/<dataset>/YYYY/MM/DD/HH/``: every file that arrived in that UTC hour."""
        return f"{self.prefix}{hour.astimezone(UTC):%Y/%m/%d/%H}/"

    def hour_of_key(self, key: str) -> datetime | None:
        """The arrival hour of any key laid out as ``.../YYYY/MM/DD/HH/<name>``, else None."""
        match = self._hour_key.match(key)
        if not match:
            return None
        year, month, day, hour = (int(part) for part in match.groups())
        try:
            return datetime(year, month, day, hour, tzinfo=UTC)
        except ValueError:
            return None

    def is_readable(self, key: str) -> bool:
        return key.endswith(self.suffixes)

    def arrival_hour_of(self, key: str) -> datetime | None:
        """The arrival hour of a landing FILE (readable suffix, hour layout), else None."""
        return self.hour_of_key(key) if self.is_readable(key) else None

    def corrupt_files_prefix(self, hour: datetime) -> str:
        """Where the raw bytes of an arrival hour's corrupt landing files are kept."""
        return f"{self.quarantine_hour_prefix(hour)}corrupt_files/"

    def quarantine_hour_prefix(self, hour: datetime) -> str:
        """Where an arrival hour's rejected records go; the file name is the dataset's own."""
        hour = hour.astimezone(UTC)
        return f"quarantine/{self.dataset}/ingest_date={hour:%Y-%m-%d}/ingest_hour={hour:%H}/"


EVENTS_LANDING = HourlyLanding("events", (".jsonl", ".jsonl.gz"))
LOGINS_LANDING = HourlyLanding("logins", (".jsonl", ".json", ".jsonl.gz", ".json.gz"))
