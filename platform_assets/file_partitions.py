"""Flat landing folders with one Dagster partition per file (persons, customers).

A file ``landing/<dataset>/<name>.csv`` is the partition ``<name>.csv``: the partition key is
the file name, and every output of the file is named after it. So a key is checked against
one strict pattern where it enters: the sensors only request such names, and the assets
refuse any other key (one added by hand or through the API) before any I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A flat file name: no separators, no "..", no leading dot (hidden), no spaces or controls.
SAFE_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
FILE_NAME_RULE = (
    "a flat <name>.csv of letters, digits, '.', '_' or '-', starting with a letter or digit"
)


class UnsafePartitionKey(ValueError):
    """A partition key that is not a plain landing file name."""


def is_safe_file_name(name: str) -> bool:
    return SAFE_FILE_NAME.fullmatch(name) is not None


def checked_partition_key(partitions_name: str, key: str) -> str:
    """``key`` when it is a safe file name; else UnsafePartitionKey naming it and the rule."""
    if not is_safe_file_name(key) or not key.lower().endswith(".csv"):
        raise UnsafePartitionKey(
            f"{partitions_name} partition key {key!r} is not a landing file name "
            f"({FILE_NAME_RULE}); refused before reading or writing anything"
        )
    return key


@dataclass(frozen=True)
class FlatLandingFiles:
    dataset: str
    suffix: str = ".csv"  # matched in any case

    @property
    def prefix(self) -> str:
        return f"landing/{self.dataset}/"

    def landing_key(self, partition: str) -> str:
        return f"{self.prefix}{partition}"

    def partition_for_key(self, key: str) -> str | None:
        """The partition of a landing key, or None for keys that are not such files."""
        if not key.startswith(self.prefix):
            return None
        name = key[len(self.prefix) :]
        # Only flat <name>.csv files with a safe name: sub-folders, other extensions and names
        # that are unsafe as a path element never become partitions.
        if not is_safe_file_name(name) or not name.lower().endswith(self.suffix):
            return None
        return name


def file_stem(partition: str) -> str:
    """The file name without its extension: the name of every output of the file."""
    return partition.rsplit(".", 1)[0]


PERSON_FILES = FlatLandingFiles("persons")
CUSTOMER_FILES = FlatLandingFiles("customers")
