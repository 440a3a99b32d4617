"""Flat landing folders with one Dagster partition per file (persons, customers).

A file ``landing/<dataset>/<name>.csv`` is the partition ``<name>.csv``: the partition key is
the file name, and every output of the file is named after it.
"""

from __future__ import annotations

from dataclasses import dataclass


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
        # Only flat <name>.csv files with a non-empty name: sub-folders are not landing files.
        if "/" in name or len(name) <= len(self.suffix) or not name.lower().endswith(self.suffix):
            return None
        return name


def file_stem(partition: str) -> str:
    """The file name without its extension: the name of every output of the file."""
    return partition.rsplit(".", 1)[0]


PERSON_FILES = FlatLandingFiles("persons")
CUSTOMER_FILES = FlatLandingFiles("customers")
