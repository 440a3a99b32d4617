"""One Dagster partition per landing person file; the key is the file name."""

from dagster import DynamicPartitionsDefinition

PERSON_LANDING_PREFIX = "landing/persons/"

person_files = DynamicPartitionsDefinition(name="person_files")


def landing_key(partition: str) -> str:
    return f"{PERSON_LANDING_PREFIX}{partition}"


def partition_for_key(key: str) -> str | None:
    """The partition of a landing key, or None for keys that are not person files."""
    if not key.startswith(PERSON_LANDING_PREFIX):
        return None
    name = key[len(PERSON_LANDING_PREFIX) :]
    # Only flat <name>.csv files: sub-folders and other extensions are not person files.
    if "/" in name or not name.lower().endswith(".csv"):
        return None
    return name
