"""The Dagster face of the customers domain: one landing file in, four assets out."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pyarrow.parquet as pq
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    DataVersion,
    Failure,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from platform_assets.customers.backup import Backup, ensure_backup, sha256_hex
from platform_assets.customers.checks import parquet_check
from platform_assets.customers.curated_csv import (
    curated_header,
    write_curated_csv,
)
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
from platform_assets.customers.read_csv import (
    CustomerFileError,
    read_customer_csv,
)
from platform_assets.customers.shell_future_flags import shell_future_count
from platform_assets.customers.specs import (
    CHECK_SPECS,
    CUSTOMER_SPECS,
    CUSTOMERS_BACKUP,
    CUSTOMERS_CLEAN,
    CUSTOMERS_PARQUET,
    MAX_QUARANTINE_RATE,
    QUARANTINED_CUSTOMERS,
)
from platform_assets.customers.validate import validate_customers
from platform_assets.file_partitions import UnsafePartitionKey, checked_partition_key
from platform_assets.ingest_metadata import IngestSummary
from platform_assets.ingest_metadata_values import ingest_metadata
from platform_assets.partition_lease import leased
from resources.storage import StorageResource


def _file_metadata(source_key: str, data: bytes, sha256: str, backup: Backup) -> dict:
    return {
        "source_key": source_key,
        "size_bytes": len(data),
        "sha256": sha256,
        "ingested_at": MetadataValue.timestamp(backup.ingested_at),
    }


def _backup_result(
    storage, backup: Backup, summary: IngestSummary, file_metadata: dict, version, size: int
) -> MaterializeResult:
    return MaterializeResult(
        asset_key=CUSTOMERS_BACKUP,
        metadata={
            **ingest_metadata(
                summary,
                row_count=summary.records_read,  # the copy holds every record read
                location=storage.uri(backup.key),
                bytes_written=0 if backup.reused else size,
            ),
            **file_metadata,
            "path": MetadataValue.path(backup.key),
            "reused": backup.reused,
        },
        data_version=version,
    )


def _quarantine_result(
    storage, key: str, summary: IngestSummary, size: int, meta: dict, version: DataVersion
) -> MaterializeResult:
    return MaterializeResult(
        asset_key=QUARANTINED_CUSTOMERS,
        metadata={
            **ingest_metadata(
                summary,
                row_count=summary.quarantined,
                location=storage.uri(key),
                bytes_written=size,
            ),
            **meta,
            "path": MetadataValue.path(key),
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
@leased("customers")  # one run at a time per partition (platform_assets/partition_lease.py)
def customer_file(context: AssetExecutionContext, storage: StorageResource) -> Iterator:
    """Back up, validate, clean and mask one landing customer file (one partition)."""
    started = time.perf_counter()
    try:
        partition = checked_partition_key(customer_files.name, context.partition_key)
    except UnsafePartitionKey as err:
        raise Failure(description=str(err)) from None
    source_key = landing_key(partition)
    file_stem = stem(partition)

    data = storage.read_bytes(source_key)
    sha256 = sha256_hex(data)
    version = DataVersion(sha256)
    backup = ensure_backup(storage, file_stem, data, datetime.now(UTC))
    meta = _file_metadata(source_key, data, sha256, backup)

    try:
        parsed = read_customer_csv(data, source_key)
    except CustomerFileError as err:
        yield from _reject_whole_file(
            context, storage, partition, data, err, meta, version, backup, started
        )
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
        csv_bytes = path.stat().st_size

    parquet_key = curated_parquet_key(file_stem)
    table = masked_table(validation.kept, parsed.extra_columns, ingested_at)
    with storage.staged_file(parquet_key) as path:
        pq.write_table(table, path, compression="zstd")
        parquet_size = path.stat().st_size

    q_key = quarantine_rows_key(partition)
    q_data = parquet_bytes(quarantine_table(validation.rejected, source_key))
    storage.put_bytes(q_key, q_data)
    # A byte copy left by an earlier, rejected version of this file no longer applies.
    storage.delete(quarantine_file_key(partition))

    counts = validation.reason_counts
    rows_in, rows_out = validation.rows_in, len(validation.kept)
    context.log.info(
        f"{source_key}: {rows_in} rows in, {rows_out} out, {len(validation.rejected)} "
        f"quarantined {counts}; {future} with a future timestamp"
    )
    summary = IngestSummary(
        rows_in, rows_out, len(validation.rejected), counts, time.perf_counter() - started
    )
    yield _backup_result(storage, backup, summary, meta, version, len(data))
    yield MaterializeResult(
        asset_key=CUSTOMERS_CLEAN,
        metadata={
            **ingest_metadata(
                summary, row_count=rows_out, location=storage.uri(csv_key), bytes_written=csv_bytes
            ),
            **meta,
            "path": MetadataValue.path(csv_key),
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
    parquet_location = storage.uri(parquet_key)
    yield MaterializeResult(
        asset_key=CUSTOMERS_PARQUET,
        metadata={
            **ingest_metadata(
                summary,
                row_count=table.num_rows,
                location=parquet_location,
                bytes_written=parquet_size,
            ),  # fmt: skip
            **meta,
            "path": MetadataValue.path(parquet_key),
            "masked_extra_columns": MetadataValue.json(masked_columns(parsed.extra_columns)),
        },
        data_version=version,
        check_results=[parquet_check(storage, parquet_key, validation)],
    )
    rate = len(validation.rejected) / rows_in if rows_in else 0.0
    yield _quarantine_result(storage, q_key, summary, len(q_data), meta, version)
    yield AssetCheckResult(
        check_name="quarantine_rate_below_5pct",
        asset_key=QUARANTINED_CUSTOMERS,
        passed=rate <= MAX_QUARANTINE_RATE,
        severity=AssetCheckSeverity.WARN,
        metadata={"quarantine_rate": rate, "rows_quarantined": len(validation.rejected)},
    )


def _reject_whole_file(
    context, storage, partition, data, err: CustomerFileError, meta, version, backup, started
):
    """A file-level problem: the bytes go to quarantine, and every row (if it parsed) too."""
    copy_key = quarantine_file_key(partition)
    storage.put_bytes(copy_key, data)
    rejected = whole_file_rejections(err.parsed, err.reason) if err.parsed is not None else []
    q_key = quarantine_rows_key(partition)
    q_data = parquet_bytes(quarantine_table(rejected, err.source_key))
    storage.put_bytes(q_key, q_data)
    context.log.error(f"{err} -- file quarantined whole at {copy_key} ({len(rejected)} rows)")
    rows = len(rejected)
    reasons = {err.reason: rows} if rows else {}
    summary = IngestSummary(rows, 0, rows, reasons, time.perf_counter() - started)
    yield _backup_result(storage, backup, summary, meta, version, len(data))
    yield _quarantine_result(storage, q_key, summary, len(q_data) + len(data), meta, version)
