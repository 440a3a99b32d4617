"""Where event data lives under the storage root: the public storage contract.

Landing keys carry the ARRIVAL hour; lake keys carry the EVENT hour and type; every file
the ingest writes is named after its arrival partition, so re-running an hour rewrites
exactly its own files.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

from platform_assets.lake_files import LAKE_PREFIX
from platform_assets.lake_manifests import MANIFEST_PREFIX
from platform_assets.landing_hours import EVENTS_LANDING

LANDING_PREFIX = EVENTS_LANDING.prefix
# The ingest's own bookkeeping lives outside lake/: a reader's `lake/events/**/*.parquet`
# glob (DuckDB does not skip "_" folders) must only ever see event files.
ID_INDEX_PREFIX = "state/events/ids/"
LANDING_SUFFIXES = EVENTS_LANDING.suffixes
landing_hour_prefix = EVENTS_LANDING.hour_prefix
arrival_hour_of = EVENTS_LANDING.arrival_hour_of


@lru_cache(maxsize=256)  # an hour's ~1,000 lake keys share it
def partition_file_stem(arrival_hour: datetime) -> str:
    return f"{arrival_hour:%Y-%m-%dT%H}"


@lru_cache(maxsize=4096)
def event_date(epoch_hour: int) -> str:
    """The event_date directory value of an event hour (hours since the epoch, UTC)."""
    return f"{hour_from_epoch_hours(epoch_hour):%Y-%m-%d}"


def event_hour(epoch_hour: int) -> str:
    """The event_hour directory value of an event hour (hours since the epoch, UTC)."""
    return f"{epoch_hour % 24:02d}"


@lru_cache(maxsize=4096)
def _event_hour_dirs(epoch_hour: int) -> str:
    return f"event_date={event_date(epoch_hour)}/event_hour={event_hour(epoch_hour)}"


def lake_cell_dir(event_type: str, epoch_hour: int) -> str:
    """A lake cell's directory below LAKE_PREFIX: hive style, as DuckDB and pyarrow read it.
    A cell is an event type and an event hour (hours since the epoch, UTC)."""
    return f"event_type={event_type}/{_event_hour_dirs(epoch_hour)}"


def lake_file_key(event_type: str, epoch_hour: int, arrival_hour: datetime) -> str:
    cell = lake_cell_dir(event_type, epoch_hour)
    return f"{LAKE_PREFIX}{cell}/{partition_file_stem(arrival_hour)}.parquet"


def quarantine_key(arrival_hour: datetime) -> str:
    stem = partition_file_stem(arrival_hour)
    return f"{EVENTS_LANDING.quarantine_hour_prefix(arrival_hour)}{stem}.parquet"


def manifest_key(arrival_hour: datetime) -> str:
    return f"{MANIFEST_PREFIX}{partition_file_stem(arrival_hour)}.json"


def id_index_key(arrival_hour: datetime) -> str:
    """The ids one arrival hour put in the lake (the dedupe index; see published_ids.py)."""
    return f"{ID_INDEX_PREFIX}{partition_file_stem(arrival_hour)}.parquet"


def hour_from_epoch_hours(epoch_hours: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(hours=epoch_hours)


corrupt_files_prefix = EVENTS_LANDING.corrupt_files_prefix
