"""The metadata every ingest asset reports, defined once (see docs/metadata.md).

Events, persons, logins, customers and iris each read records, keep the valid ones and
quarantine the rest; their materializations carry the same keys with the same meaning, so a
reader of the UI (or of the event log) compares domains without a glossary. Dagster-free:
``ingest_metadata_values.py`` turns a summary into Dagster metadata values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

RECORDS_READ = "records_read"  # records read from the input by this run
VALID = "valid"  # records that passed validation
QUARANTINED = "quarantined"  # records rejected, each kept with every reason
QUARANTINED_BY_REASON = (
    "quarantined_by_reason"  # reason code -> records (a record may have several)
)
ROW_COUNT = "dagster/row_count"  # rows this run wrote to this asset (Dagster's own key)
STORAGE_LOCATION = "dagster/uri"  # where this asset's data lives (Dagster's own key)
BYTES_WRITTEN = "bytes_written"  # bytes this run wrote for this asset (files, or table growth)
DURATION_SECONDS = "duration_seconds"  # wall time of the run's work, reading to publishing
RECORDS_PER_SECOND = "records_per_second"  # records_read / duration_seconds

INGEST_KEYS = (
    RECORDS_READ,
    VALID,
    QUARANTINED,
    QUARANTINED_BY_REASON,
    ROW_COUNT,
    STORAGE_LOCATION,
    BYTES_WRITTEN,
    DURATION_SECONDS,
    RECORDS_PER_SECOND,
)


class LostRecordsError(ValueError):
    """valid + quarantined != records read: a record went missing (never expected)."""


@dataclass(frozen=True)
class IngestSummary:
    """What one run did to its input; shared by every asset the run materializes."""

    records_read: int
    valid: int
    quarantined: int
    quarantined_by_reason: Mapping[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.valid + self.quarantined != self.records_read:
            raise LostRecordsError(
                f"read {self.records_read} records but valid {self.valid} + quarantined "
                f"{self.quarantined} = {self.valid + self.quarantined}"
            )

    @property
    def records_per_second(self) -> float:
        return round(self.records_read / self.seconds, 1) if self.seconds > 0 else 0.0

    def for_asset(self, row_count: int, location: str, bytes_written: int) -> dict[str, object]:
        """The vocabulary's keys for one asset: the run's counts, and what it wrote there."""
        return {
            RECORDS_READ: self.records_read,
            VALID: self.valid,
            QUARANTINED: self.quarantined,
            QUARANTINED_BY_REASON: dict(sorted(self.quarantined_by_reason.items())),
            ROW_COUNT: row_count,
            STORAGE_LOCATION: location,
            BYTES_WRITTEN: bytes_written,
            DURATION_SECONDS: round(self.seconds, 3),
            RECORDS_PER_SECOND: self.records_per_second,
        }


def postgres_location(url: str, table: str) -> str:
    """``postgresql://host:port/database?table=public.<table>``: no user, no password."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"postgresql://{host}{port}{parts.path}?table=public.{table}"
