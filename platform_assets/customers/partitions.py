"""One Dagster partition per landing customer file; the key is the file name."""

from dagster import DynamicPartitionsDefinition

CUSTOMER_LANDING_PREFIX = "landing/customers/"

customer_files = DynamicPartitionsDefinition(name="customer_files")


def landing_key(partition: str) -> str:
    return f"{CUSTOMER_LANDING_PREFIX}{partition}"


def partition_for_key(key: str) -> str | None:
    """The partition of a landing key, or None for keys that are not customer files."""
    if not key.startswith(CUSTOMER_LANDING_PREFIX):
        return None
    name = key[len(CUSTOMER_LANDING_PREFIX) :]
    # Only flat <name>.csv files (any case of ".csv") with a non-empty name.
    if "/" in name or len(name) <= 4 or not name.lower().endswith(".csv"):
        return None
    return name


def stem(partition: str) -> str:
    """The file name without ``.csv``: the name of every output of the file."""
    return partition[:-4]
