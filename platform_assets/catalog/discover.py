"""What the storage root holds: event types and their lake files, customers, quarantines.

One listing per area through StorageResource (paginated on S3), nothing read but keys and
sizes. Paths are the platform's public storage contract (docs/events.md, DESIGN.md); the
catalog reads them as any outside reader would and imports no other domain.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from platform_assets.lake_files import published_lake_files
from resources.storage import StorageResource, StoredObject

CUSTOMERS_PREFIX = "curated/customers/customers_parquet/"
QUARANTINE_PREFIX = "quarantine/"

_LAKE_FILE = re.compile(
    r"^lake/events/event_type=([^/]+)/event_date=[^/]+/event_hour=[^/]+/[^/]+\.parquet$"
)
# Readable quarantine formats, in order of preference when a dataset holds several.
FORMATS = {"parquet": (".parquet",), "csv": (".csv",), "json": (".jsonl", ".json", ".ndjson")}
# A glob metacharacter in a folder name would change what a view's pattern matches.
_GLOB_CHARS = re.compile(r"[*?\[\]{}]")


@dataclass(frozen=True)
class FileDataset:
    """Files of one format under one folder, read as one table."""

    name: str
    prefix: str
    format: str
    files: list[StoredObject]
    # True when every folder between the prefix and a file is `key=value` (hive style).
    hive: bool


@dataclass
class Inventory:
    event_files: dict[str, list[StoredObject]] = field(default_factory=dict)
    customers: FileDataset | None = None
    quarantines: list[FileDataset] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def lake_files(self) -> int:
        return sum(len(files) for files in self.event_files.values())


def event_files(storage: StorageResource) -> tuple[dict[str, list[StoredObject]], list[str]]:
    """Lake files of completely published hours by event type (the ``event_type=`` folder
    names); stray keys are skipped."""
    by_type: dict[str, list[StoredObject]] = defaultdict(list)
    skipped = []
    for obj in published_lake_files(storage):
        match = _LAKE_FILE.match(obj.key)
        if match and not _GLOB_CHARS.search(match.group(1)):
            by_type[match.group(1)].append(obj)
        else:
            skipped.append(obj.key)
    return dict(sorted(by_type.items())), skipped


def _format_of(files: list[StoredObject]) -> str | None:
    for name, suffixes in FORMATS.items():
        if any(f.key.endswith(suffixes) for f in files):
            return name
    return None


def file_dataset(name: str, prefix: str, objects: list[StoredObject]) -> FileDataset | None:
    """The readable files under ``prefix`` as a dataset, or None when there are none."""
    fmt = _format_of(objects)
    if fmt is None:
        return None
    files = [o for o in objects if o.key.endswith(FORMATS[fmt])]
    folders = [o.key[len(prefix) :].split("/")[:-1] for o in files]
    hive = all(folders) and all("=" in part for parts in folders for part in parts)
    hive = hive and len({len(parts) for parts in folders}) == 1
    return FileDataset(name=name, prefix=prefix, format=fmt, files=files, hive=hive)


def quarantines(storage: StorageResource) -> tuple[list[FileDataset], list[str]]:
    """One dataset per top-level folder of ``quarantine/`` (events, persons, logins, ...)."""
    by_dataset: dict[str, list[StoredObject]] = defaultdict(list)
    for obj in storage.list_objects(QUARANTINE_PREFIX):
        dataset, sep, _ = obj.key[len(QUARANTINE_PREFIX) :].partition("/")
        if sep:
            by_dataset[dataset].append(obj)
    datasets, skipped = [], []
    for dataset, objects in sorted(by_dataset.items()):
        found = None
        if not _GLOB_CHARS.search(dataset):
            found = file_dataset(dataset, f"{QUARANTINE_PREFIX}{dataset}/", objects)
        if found is None:
            skipped.append(f"{QUARANTINE_PREFIX}{dataset}/")
        else:
            datasets.append(found)
    return datasets, skipped


def discover(storage: StorageResource) -> Inventory:
    by_type, skipped = event_files(storage)
    customers = file_dataset(
        "customers", CUSTOMERS_PREFIX, list(storage.list_objects(CUSTOMERS_PREFIX))
    )
    if customers is not None and customers.format != "parquet":
        skipped.append(CUSTOMERS_PREFIX)
        customers = None
    found, skipped_quarantines = quarantines(storage)
    return Inventory(by_type, customers, found, skipped + skipped_quarantines)
