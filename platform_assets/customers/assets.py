"""The Dagster face of the customers domain: one landing file in, four assets out."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    DataVersion,
    Failure,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from platform_assets.customers.backup import Backup, ensure_backup, sha256_hex
from platform_assets.customers.curated_csv import curated_header, write_curated_csv
from platform_assets.customers.layout import (
    curated_csv_key,
    curated_parquet_key,
    quarantine_file_key,
    quarantine_rows_key,
)
from platform_assets.customers.masked_parquet import masked_columns, masked_table
from platform_assets.customers.partitions import customer_files, landing_key, stem
from platform_assets.customers.quarantine import (
    parquet_bytes,
    quarantine_table,
    whole_file_rejections,
)
from platform_assets.customers.read_csv import CustomerFileError, read_customer_csv
from platform_assets.customers.shell_future_flags import shell_future_count
from platform_assets.customers.validate import CustomerValidation, validate_customers
from resources.storage import StorageResource

# Above this share of quarantined rows a file is suspicious (wrong export, shifted columns).
MAX_QUARANTINE_RATE = 0.05

CUSTOMERS_CLEAN = AssetKey("customers_clean")
CUSTOMERS_BACKUP = AssetKey("customers_backup")
CUSTOMERS_PARQUET = AssetKey("customers_parquet")
QUARANTINED_CUSTOMERS = AssetKey("quarantined_customers")

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
    ),
    AssetSpec(
        CUSTOMERS_CLEAN,
        description=(
            "Cleaned customers, `curated/customers/customers_csv/<stem>.csv`: id, name (Title "
            "Case), email (trimmed, lowercase), email_masked, timestamp (ISO UTC), is_future "
            "(after the ingestion time) and the file's extra columns. Valid, de-duplicated rows only."
        ),
        group_name="customers",
        kinds={"csv"},
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


def _file_metadata(source_key: str, data: bytes, sha256: str, backup: Backup) -> dict:
    return {
        "source_key": source_key,
        "size_bytes": len(data),
        "sha256": sha256,
        "ingested_at": MetadataValue.timestamp(backup.ingested_at),
    }


def _backup_result(backup: Backup, file_metadata: dict, version: DataVersion) -> MaterializeResult:
    return MaterializeResult(
        asset_key=CUSTOMERS_BACKUP,
        metadata={**file_metadata, "path": MetadataValue.path(backup.key), "reused": backup.reused},
        data_version=version,
    )


def _quarantine_result(
    key: str, rows_in: int, rows: int, counts: dict, meta: dict, version: DataVersion
) -> MaterializeResult:
    return MaterializeResult(
        asset_key=QUARANTINED_CUSTOMERS,
        metadata={
            **meta,
            "path": MetadataValue.path(key),
            "rows_in": rows_in,
            "rows_quarantined": rows,
            "rows_dropped_by_reason": MetadataValue.json(counts),
        },
        data_version=version,
    )


@multi_asset(
    specs=CUSTOMER_SPECS,
    partitions_def=customer_files,
    check_specs=CHECK_SPECS,
    can_subset=False,
    name="customer_file",
)
def customer_file(context: AssetExecutionContext, storage: StorageResource) -> Iterator:
    """Back up, validate, clean and mask one landing customer file (one partition)."""
    partition = context.partition_key
    source_key = landing_key(partition)
    file_stem = stem(partition)

    data = storage.read_bytes(source_key)
    sha256 = sha256_hex(data)
    version = DataVersion(sha256)
    backup = ensure_backup(storage, file_stem, data, datetime.now(UTC))
    meta = _file_metadata(source_key, data, sha256, backup)
    yield _backup_result(backup, meta, version)

    try:
        parsed = read_customer_csv(data, source_key)
    except CustomerFileError as err:
        yield from _reject_whole_file(context, storage, partition, data, err, meta, version)
        raise Failure(
            description=str(err), metadata={"reason": err.reason, "source_key": source_key}
        ) from None

    validation = validate_customers(parsed)
    ingested_at = backup.ingested_at
    csv_key = curated_csv_key(file_stem)
    with storage.staged_file(csv_key) as path:
        with open(path, "w", encoding="utf-8", newline="") as out:
            future = write_curated_csv(out, validation.kept, parsed.extra_columns, ingested_at)
        # The shell script reads the file exactly as it is about to be published.
        shell_future = shell_future_count(context, path, ingested_at, CUSTOMERS_CLEAN)

    parquet_key = curated_parquet_key(file_stem)
    table = masked_table(validation.kept, parsed.extra_columns, ingested_at)
    with storage.staged_file(parquet_key) as path:
        pq.write_table(table, path, compression="zstd")

    q_key = quarantine_rows_key(partition)
    storage.put_bytes(q_key, parquet_bytes(quarantine_table(validation.rejected, source_key)))
    # A byte copy left by an earlier, rejected version of this file no longer applies.
    storage.delete(quarantine_file_key(partition))

    counts = validation.reason_counts
    rows_in, rows_out = validation.rows_in, len(validation.kept)
    context.log.info(
        f"{source_key}: {rows_in} rows in, {rows_out} out, {len(validation.rejected)} "
        f"quarantined {counts}; {future} with a future timestamp"
    )
    yield MaterializeResult(
        asset_key=CUSTOMERS_CLEAN,
        metadata={
            **meta,
            "path": MetadataValue.path(csv_key),
            "rows_in": rows_in,
            "rows_out": rows_out,
            "rows_dropped": len(validation.rejected),
            "rows_dropped_by_reason": MetadataValue.json(counts),
            "blank_lines_skipped": parsed.blank_lines,
            "future_rows": future,
            "future_rows_shell": shell_future,
            "columns": MetadataValue.json(curated_header(parsed.extra_columns)),
        },
        data_version=version,
        check_results=[
            AssetCheckResult(
                asset_key=CUSTOMERS_CLEAN,
                check_name="shell_and_python_future_flags_agree",
                passed=future == shell_future,
                metadata={"future_rows": future, "future_rows_shell": shell_future},
            )
        ],
    )
    yield MaterializeResult(
        asset_key=CUSTOMERS_PARQUET,
        metadata={
            **meta,
            "path": MetadataValue.path(parquet_key),
            "rows_out": table.num_rows,
            "masked_extra_columns": MetadataValue.json(masked_columns(parsed.extra_columns)),
        },
        data_version=version,
        check_results=[_parquet_check(storage, parquet_key, validation)],
    )
    rate = len(validation.rejected) / rows_in if rows_in else 0.0
    yield _quarantine_result(q_key, rows_in, len(validation.rejected), counts, meta, version)
    yield AssetCheckResult(
        check_name="quarantine_rate_below_5pct",
        asset_key=QUARANTINED_CUSTOMERS,
        passed=rate <= MAX_QUARANTINE_RATE,
        severity=AssetCheckSeverity.WARN,
        metadata={"quarantine_rate": rate, "rows_quarantined": len(validation.rejected)},
    )


def _parquet_check(
    storage: StorageResource, key: str, validation: CustomerValidation
) -> AssetCheckResult:
    """What a reader of the published file sees: hu25 names and no raw email anywhere."""
    filesystem, base = storage.arrow_filesystem()
    table = pq.read_table(f"{base}/{key}", filesystem=filesystem)
    emails = {r.email for r in validation.kept}
    cells_with_email = sum(
        1
        for column in table.columns
        if pa.types.is_string(column.type)
        for value in column.to_pylist()
        if value is not None and value.strip().lower() in emails
    )
    names = table.column("name").to_pylist()
    bad_names = sum(1 for n in names if n != "hu25" and not n.startswith("hu25 "))
    return AssetCheckResult(
        asset_key=CUSTOMERS_PARQUET,
        check_name="no_raw_email_and_hu25_names",
        passed=cells_with_email == 0 and bad_names == 0 and "email" not in table.column_names,
        metadata={"cells_with_raw_email": cells_with_email, "names_without_hu25": bad_names},
    )


def _reject_whole_file(context, storage, partition, data, err: CustomerFileError, meta, version):
    """A file-level problem: the bytes go to quarantine, and every row (if it parsed) too."""
    copy_key = quarantine_file_key(partition)
    storage.put_bytes(copy_key, data)
    rejected = whole_file_rejections(err.parsed, err.reason) if err.parsed is not None else []
    q_key = quarantine_rows_key(partition)
    storage.put_bytes(q_key, parquet_bytes(quarantine_table(rejected, err.source_key)))
    context.log.error(f"{err} -- file quarantined whole at {copy_key} ({len(rejected)} rows)")
    rows = len(rejected)
    yield _quarantine_result(q_key, rows, rows, {err.reason: rows}, meta, version)
