"""The check every ingest asset's materialization passes: the vocabulary of
platform_assets/ingest_metadata.py, present and consistent."""

from platform_assets.ingest_metadata import (
    BYTES_WRITTEN,
    DURATION_SECONDS,
    INGEST_KEYS,
    QUARANTINED,
    QUARANTINED_BY_REASON,
    RECORDS_PER_SECOND,
    RECORDS_READ,
    ROW_COUNT,
    STORAGE_LOCATION,
    VALID,
)


def assert_ingest_metadata(metadata: dict, *, row_count: int | None = None) -> dict:
    """``metadata``: a materialization's (MetadataValues or plain values). Returns plain values."""
    values = {key: getattr(value, "value", value) for key, value in metadata.items()}
    missing = [key for key in INGEST_KEYS if key not in values]
    assert not missing, f"missing {missing} in {sorted(values)}"
    read, valid, quarantined = values[RECORDS_READ], values[VALID], values[QUARANTINED]
    assert valid + quarantined == read, values
    reasons = values[QUARANTINED_BY_REASON]
    # Every quarantined record has at least one reason; one record may have several.
    assert (sum(reasons.values()) >= quarantined) and (not reasons) == (quarantined == 0), values
    assert (
        values[ROW_COUNT] in (valid, quarantined, read)
        if row_count is None
        else values[ROW_COUNT] == row_count
    )
    assert isinstance(values[STORAGE_LOCATION], str) and values[STORAGE_LOCATION], values
    assert values[BYTES_WRITTEN] >= 0 and values[DURATION_SECONDS] >= 0, values
    seconds = values[DURATION_SECONDS]
    if seconds > 0.001:  # reported rounded to the millisecond; the rate from the exact time
        low, high = read / (seconds + 0.0005), read / max(seconds - 0.0005, 1e-9)
        assert low - 0.1 <= values[RECORDS_PER_SECOND] <= high + 0.1, values
    return values
