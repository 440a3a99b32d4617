"""The Dagster face of the logins domain: drain the queue, load and quarantine by the hour."""

import time
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetSpec,
    BackfillPolicy,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset,
)

from platform_assets.ingest_metadata import IngestSummary, postgres_location
from platform_assets.ingest_metadata_values import column_schema, ingest_metadata
from platform_assets.logins.archive import drain_queue
from platform_assets.logins.ingest import ingest_hour
from platform_assets.logins.layout import LANDING_PREFIX
from platform_assets.logins.partitions import login_arrival_hours
from platform_assets.logins.quarantine import QUARANTINE_SCHEMA
from platform_assets.partition_lease import leased
from platform_assets.progress import ProgressLog
from resources.postgres import PostgresResource, relation_bytes
from resources.queue import LoginQueueResource
from resources.secrets import PiiKeysResource
from resources.storage import StorageResource

GROUP = "logins"
# Above this share of quarantined messages an hour is flagged: the producer likely changed.
QUARANTINE_RATE_WARN = 0.05
USER_LOGINS_TABLE = "user_logins"
QUARANTINE_PREFIX = "quarantine/logins/"
USER_LOGINS_COLUMNS = [
    ("id", "bigint"), ("message_id", "text"), ("user_id", "varchar(128)"),
    ("device_type", "varchar(32)"), ("masked_ip", "varchar(256)"),
    ("masked_device_id", "varchar(256)"), ("locale", "varchar(32)"), ("app_version", "varchar(32)"),
    ("app_version_num", "bigint"), ("create_date", "date"), ("encrypted_ip", "text"),
    ("encrypted_device_id", "text"), ("mask_key_id", "char(8)"), ("arrival_hour", "timestamptz"),
    ("received_at", "timestamptz"), ("source_key", "text"), ("source_line", "integer"),
    ("loaded_at", "timestamptz"),
]  # fmt: skip


class DrainConfig(Config):
    max_messages: int = 50_000
    archive_batch_size: int = 1_000


@asset(group_name=GROUP, kinds={"sqs", "json"})
def raw_logins(
    context: AssetExecutionContext,
    config: DrainConfig,
    login_queue: LoginQueueResource,
    storage: StorageResource,
) -> MaterializeResult:
    """Login messages moved off the SQS login queue into the archive
    ``landing/logins/YYYY/MM/DD/HH/<batch>.jsonl`` (arrival hour, UTC).

    Each batch is written durably *before* it is deleted from the queue, so a crash never
    loses a message; it can only archive one twice, which ``user_logins`` dedupes by message
    id. One run moves at most ``max_messages``; the queue sensor starts the next. Users
    without a queue drop files at the same paths instead.
    """
    started = time.perf_counter()
    result = drain_queue(
        login_queue,
        storage,
        max_messages=config.max_messages,
        archive_batch_size=config.archive_batch_size,
        log=context.log.info,
    )
    # Archiving keeps every message as it came: validation (and quarantine) is user_logins'.
    summary = IngestSummary(result.received, result.archived, 0, {}, time.perf_counter() - started)
    return MaterializeResult(
        metadata={
            **ingest_metadata(
                summary,
                row_count=result.archived,
                location=storage.uri(LANDING_PREFIX),
                bytes_written=result.bytes_archived,
            ),
            "received": result.received,
            "archived": result.archived,
            "deleted": result.deleted,
            "delete_failures": result.delete_failures,
            "archive_files": len(result.archive_keys),
            "archive_keys": MetadataValue.json(result.archive_keys[:50]),
        }
    )


@multi_asset(
    specs=[
        AssetSpec(
            "user_logins",
            group_name=GROUP,
            deps=["raw_logins"],
            kinds={"postgres"},
            description=(
                "One row per login message in Postgres table user_logins, by arrival hour. "
                "ip and device_id never appear in clear: masked_* are keyed HMAC-SHA256 "
                "(joinable), encrypted_* AES-GCM (revealable with `sluice-reveal-login`). "
                "Upserted by message id, so redelivered messages and re-runs add nothing."
            ),
            metadata=column_schema(USER_LOGINS_COLUMNS),
        ),
        AssetSpec(
            "quarantined_logins",
            group_name=GROUP,
            deps=["raw_logins"],
            kinds={"parquet"},
            description=(
                "Login messages that failed validation, raw and with every reason, one Parquet "
                "file per arrival hour under quarantine/logins/ingest_date=.../ingest_hour=.../."
            ),
            metadata=column_schema(QUARANTINE_SCHEMA),
        ),
    ],
    check_specs=[
        AssetCheckSpec(
            "quarantine_rate",
            asset="user_logins",
            description=f"At most {QUARANTINE_RATE_WARN:.0%} of the messages read are quarantined.",
        )
    ],
    partitions_def=login_arrival_hours,
    backfill_policy=BackfillPolicy.single_run(),
)
@leased("logins")  # one run at a time per partition (platform_assets/partition_lease.py)
def user_logins(
    context: AssetExecutionContext,
    storage: StorageResource,
    postgres: PostgresResource,
    pii_keys: PiiKeysResource,
):
    """Validate, mask and load every login file of the selected arrival hours.

    A single-run backfill covers many hours; its metadata are the run's totals (Dagster
    records them on each hour's materialization) and ``hours`` breaks them down per hour.
    """
    started = time.perf_counter()
    keys = pii_keys.get_keys()
    window = context.partition_time_window
    grown = Counter()

    @contextmanager
    def measured_connection():
        """A load's transaction, noting how much the table grew (bytes_written)."""
        with postgres.connection() as conn:
            before = relation_bytes(conn, USER_LOGINS_TABLE)
            yield conn
            grown["bytes"] += relation_bytes(conn, USER_LOGINS_TABLE) - before

    totals = Counter()
    reasons = Counter()
    per_hour = []
    quarantine_keys = []
    hour = window.start
    hours_in_run = int((window.end - window.start) / timedelta(hours=1))
    progress = ProgressLog(context.log.info, "user_logins")
    while hour < window.end:
        progress.start_part(len(per_hour) + 1, hours_in_run, f"{hour:%Y-%m-%d %H}:00")
        result = ingest_hour(
            hour, storage, measured_connection, keys, log=context.log.warning, progress=progress
        )
        for name in ("files", "read", "valid", "quarantined", "inserted"):
            totals[name] += getattr(result, name)
        reasons.update(result.reasons)
        if result.quarantine_key:
            quarantine_keys.append(result.quarantine_key)
        per_hour.append(
            {"hour": f"{hour:%Y-%m-%d-%H:00}", "files": result.files, "read": result.read,
             "quarantined": result.quarantined, "inserted": result.inserted}
        )  # fmt: skip
        context.log.info(
            f"{hour:%Y-%m-%d %H}:00 UTC: {result.files} files, {result.read} read, {result.valid} "
            "valid, "
            f"{result.quarantined} quarantined, {result.inserted} new rows"
        )
        hour += timedelta(hours=1)

    read = totals["read"]
    rate = totals["quarantined"] / read if read else 0.0
    summary = IngestSummary(
        read, totals["valid"], totals["quarantined"], reasons, time.perf_counter() - started
    )
    quarantine_bytes = sum(o.size for key in quarantine_keys for o in storage.list_objects(key))
    yield MaterializeResult(
        asset_key="user_logins",
        metadata={
            **ingest_metadata(
                summary,
                row_count=totals["inserted"],
                location=postgres_location(postgres.resolved_url, USER_LOGINS_TABLE),
                bytes_written=max(grown["bytes"], 0),
            ),
            "files": totals["files"],
            "inserted": totals["inserted"],
            "hours_in_run": len(per_hour),
            "already_loaded": totals["valid"] - totals["inserted"],
            "hours": MetadataValue.json(per_hour[:200]),
        },
        check_results=[
            AssetCheckResult(
                check_name="quarantine_rate",
                passed=rate <= QUARANTINE_RATE_WARN,
                severity=AssetCheckSeverity.WARN,
                metadata={
                    "quarantine_rate": rate,
                    "read": read,
                    "quarantined": totals["quarantined"],
                },
            )
        ],
    )
    yield MaterializeResult(
        asset_key="quarantined_logins",
        metadata={
            **ingest_metadata(
                summary,
                row_count=totals["quarantined"],
                location=storage.uri(QUARANTINE_PREFIX),
                bytes_written=quarantine_bytes,
            ),
            "files": MetadataValue.json(quarantine_keys[:200]),
        },
    )
