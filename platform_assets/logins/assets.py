"""The Dagster face of the logins domain: drain the queue, load and quarantine by the hour."""


from collections import Counter
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

from platform_assets.logins.archive import drain_queue
from platform_assets.logins.ingest import ingest_hour
from platform_assets.logins.partitions import login_arrival_hours
from resources.postgres import PostgresResource
from resources.queue import LoginQueueResource
from resources.secrets import PiiKeysResource
from resources.storage import StorageResource

GROUP = "logins"
# Above this share of quarantined messages an hour is flagged: the producer likely changed.
QUARANTINE_RATE_WARN = 0.05


class DrainConfig(Config):
    max_messages: int = 50_000
    archive_batch_size: int = 1_000


@asset(group_name=GROUP, kinds={"sqs", "json"})
def raw_logins(
    context: AssetExecutionContext, config: DrainConfig, login_queue: LoginQueueResource, storage: StorageResource
) -> MaterializeResult:
    """Login messages moved off the SQS login queue into the archive
    ``landing/logins/YYYY/MM/DD/HH/<batch>.jsonl`` (arrival hour, UTC).

    Each batch is written durably *before* it is deleted from the queue, so a crash never
    loses a message; it can only archive one twice, which ``user_logins`` dedupes by message
    id. One run moves at most ``max_messages``; the queue sensor starts the next. Users
    without a queue drop files at the same paths instead.
    """
    result = drain_queue(
        login_queue,
        storage,
        max_messages=config.max_messages,
        archive_batch_size=config.archive_batch_size,
        log=context.log.info,
    )
    return MaterializeResult(
        metadata={
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
    keys = pii_keys.get_keys()
    window = context.partition_time_window
    totals = Counter()
    reasons = Counter()
    per_hour = []
    quarantine_keys = []
    hour = window.start
    while hour < window.end:
        result = ingest_hour(hour, storage, postgres.connection, keys, log=context.log.warning)
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
            f"{hour:%Y-%m-%d %H}:00 UTC: {result.files} files, {result.read} read, {result.valid} valid, "
            f"{result.quarantined} quarantined, {result.inserted} new rows"
        )
        hour += timedelta(hours=1)

    read = totals["read"]
    rate = totals["quarantined"] / read if read else 0.0
    counts = {name: totals[name] for name in ("files", "read", "valid", "quarantined", "inserted")}
    yield MaterializeResult(
        asset_key="user_logins",
        metadata={
            **counts,
            "hours_in_run": len(per_hour),
            "already_loaded": totals["valid"] - totals["inserted"],
            "quarantined_by_reason": MetadataValue.json(dict(sorted(reasons.items()))),
            "hours": MetadataValue.json(per_hour[:200]),
        },
        check_results=[
            AssetCheckResult(
                check_name="quarantine_rate",
                passed=rate <= QUARANTINE_RATE_WARN,
                severity=AssetCheckSeverity.WARN,
                metadata={"quarantine_rate": rate, "read": read, "quarantined": totals["quarantined"]},
            )
        ],
    )
    yield MaterializeResult(
        asset_key="quarantined_logins",
        metadata={
            "quarantined": totals["quarantined"],
            "quarantined_by_reason": MetadataValue.json(dict(sorted(reasons.items()))),
            "files": MetadataValue.json(quarantine_keys[:200]),
        },
    )
