"""Where each output of one customer file lives under the storage root."""

from __future__ import annotations

import re
from datetime import UTC, datetime

CURATED_CSV_PREFIX = "curated/customers/customers_csv"
CURATED_PARQUET_PREFIX = "curated/customers/customers_parquet"
BACKUP_PREFIX = "backup/customers"
QUARANTINE_PREFIX = "quarantine/customers"
BACKUP_TIME_FORMAT = "%Y%m%dT%H%M%SZ"
_BACKUP_SUFFIX = re.compile(r"\.(\d{8}T\d{6}Z)\.csv")


def curated_csv_key(stem: str) -> str:
    return f"{CURATED_CSV_PREFIX}/{stem}.csv"


def curated_parquet_key(stem: str) -> str:
    return f"{CURATED_PARQUET_PREFIX}/{stem}.parquet"


def backup_key(stem: str, ingested_at: datetime) -> str:
    return f"{BACKUP_PREFIX}/{stem}.{ingested_at.astimezone(UTC).strftime(BACKUP_TIME_FORMAT)}.csv"


def backup_listing_prefix(stem: str) -> str:
    return f"{BACKUP_PREFIX}/{stem}."


def backup_time(stem: str, key: str) -> datetime | None:
    """The UTC time in a backup key of exactly this stem (not of "<stem>.x"), else None."""
    prefix = f"{BACKUP_PREFIX}/{stem}"
    if not key.startswith(prefix):
        return None
    match = _BACKUP_SUFFIX.fullmatch(key[len(prefix) :])
    if match is None:
        return None
    return datetime.strptime(match[1], BACKUP_TIME_FORMAT).replace(tzinfo=UTC)


def quarantine_rows_key(partition: str) -> str:
    """Rejected rows of one file: rewritten on every run of the file, nothing else."""
    return f"{QUARANTINE_PREFIX}/{partition}/rejected_rows.parquet"


def quarantine_file_key(partition: str) -> str:
    """A byte copy of a file rejected as a whole."""
    return f"{QUARANTINE_PREFIX}/{partition}/{partition}"
