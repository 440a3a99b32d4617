"""What the customers multi-asset declares: its four outputs (keys, columns, descriptions)
and its checks. assets.py computes them; this says what they are."""

from dagster import AssetCheckSpec, AssetKey, AssetSpec

from platform_assets.customers.curated_csv import CURATED_COLUMNS
from platform_assets.customers.quarantine import QUARANTINE_SCHEMA
from platform_assets.customers.read_csv import REQUIRED_COLUMNS
from platform_assets.ingest_metadata_values import column_schema

# Above this share of quarantined rows a file is suspicious (wrong export, shifted columns).
MAX_QUARANTINE_RATE = 0.05

CUSTOMERS_CLEAN = AssetKey("customers_clean")
CUSTOMERS_BACKUP = AssetKey("customers_backup")
CUSTOMERS_PARQUET = AssetKey("customers_parquet")
QUARANTINED_CUSTOMERS = AssetKey("quarantined_customers")
# A file's extra columns follow these (text); the Columns tab shows the fixed ones.
_TEXT = "string"
_CLEAN_TYPES = {"is_future": "bool"}
_PARQUET_COLUMNS = [("id", _TEXT), ("name", _TEXT), ("email_masked", _TEXT),
                    ("timestamp", "timestamp[us, tz=UTC]"), ("is_future", "bool")]  # fmt: skip

CUSTOMER_SPECS = [
    AssetSpec(
        CUSTOMERS_BACKUP,
        description=(
            "Byte-identical copy of each landing customer file, "
            "`backup/customers/<stem>.<YYYYMMDDTHHMMSSZ>.csv` (UTC ingestion time). Re-running "
            "identical bytes reuses the existing backup and its time."
        ),
        group_name="customers",
        kinds={"csv"},
        metadata=column_schema([(c, _TEXT) for c in REQUIRED_COLUMNS]),
    ),
    AssetSpec(
        CUSTOMERS_CLEAN,
        description=(
            "Cleaned customers, `curated/customers/customers_csv/<stem>.csv`: id, name (Title "
            "Case), email (trimmed, lowercase), email_masked, timestamp (ISO UTC), is_future "
            "(after the ingestion time) and the file's extra columns. Valid, de-duplicated rows "
            "only; a cell that a spreadsheet would run as a formula starts with `'`."
        ),
        group_name="customers",
        kinds={"csv"},
        metadata=column_schema([(c, _CLEAN_TYPES.get(c, _TEXT)) for c in CURATED_COLUMNS]),
    ),
    AssetSpec(
        CUSTOMERS_PARQUET,
        deps=[CUSTOMERS_CLEAN],
        description=(
            "The Glue job's output, `curated/customers/customers_parquet/<stem>.parquet`: the "
            "cleaned rows with the first name replaced by `hu25` and sensitive fields masked "
            "(no email column; phones and other sensitive extras masked)."
        ),
        group_name="customers",
        kinds={"parquet"},
        metadata=column_schema(_PARQUET_COLUMNS),
    ),
    AssetSpec(
        QUARANTINED_CUSTOMERS,
        description=(
            "Rejected customer rows, `quarantine/customers/<file>/rejected_rows.parquet`: the raw "
            "row as JSON with every reason (missing:<column>, invalid_email, invalid_timestamp, "
            "duplicate_row, duplicate_id, wrong_field_count, or a file-level reason)."
        ),
        group_name="customers",
        kinds={"parquet"},
        metadata=column_schema(QUARANTINE_SCHEMA),
    ),
]

CHECK_SPECS = [
    AssetCheckSpec(
        "shell_and_python_future_flags_agree",
        asset=CUSTOMERS_CLEAN,
        description="The shell script's future-timestamp count equals the Python is_future count.",
    ),
    AssetCheckSpec(
        "no_raw_email_and_hu25_names",
        asset=CUSTOMERS_PARQUET,
        description="Read back: every name starts with hu25 and no cell holds a file's raw email.",
    ),
    AssetCheckSpec(
        "quarantine_rate_below_5pct",
        asset=QUARANTINED_CUSTOMERS,
        description="Warns when more than 5% of a file's rows were quarantined.",
    ),
]
