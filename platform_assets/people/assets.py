"""The Dagster face of the persons domain: one landing file in, four assets out."""

import time

import pandas as pd
import psycopg
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Failure,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from platform_assets.file_partitions import UnsafePartitionKey, checked_partition_key
from platform_assets.ingest_metadata import IngestSummary, postgres_location
from platform_assets.ingest_metadata_values import column_schema, ingest_metadata
from platform_assets.partition_lease import leased
from platform_assets.people.partitions import landing_key, person_files
from platform_assets.people.pipeline import validate_and_load
from platform_assets.people.quarantine import (
    parquet_bytes,
    quarantine_key,
    quarantine_table,
    whole_file_rejection,
)
from platform_assets.people.read_csv import PersonFileError, read_person_csv
from platform_assets.people.validate import PersonValidation
from platform_assets.progress import StageProgress
from platform_assets.rejected_rows import rejected_rows_schema
from resources.postgres import PostgresResource, relation_bytes
from resources.storage import StorageResource

# Above this share of quarantined rows a file is suspicious (wrong export, shifted columns).
MAX_QUARANTINE_RATE = 0.05

GENDER = AssetKey("gender")
PERSON = AssetKey("person")
PERSON_IP = AssetKey("person_ip")
QUARANTINED_PERSONS = AssetKey("quarantined_persons")
TABLES = {GENDER: "gender", PERSON: "person", PERSON_IP: "person_ip"}

PERSON_SPECS = [
    AssetSpec(
        GENDER,
        description=(
            "Postgres table `gender(id, gender_type)`: every gender seen in a person file, "
            "lowercased. Seeded with the eight known values; new values are added as files bring "
            "them."
        ),
        group_name="people",
        kinds={"postgres"},
        metadata=column_schema([("id", "serial"), ("gender_type", "text")]),
    ),
    AssetSpec(
        PERSON,
        deps=[GENDER],
        description=(
            "Postgres table `person(id, first_name, last_name, email, gender_id)`: one row per "
            "email (NFC, lowercase, IDNA domain). A later row or file updates names and gender "
            "of an existing email; ids never change."
        ),
        group_name="people",
        kinds={"postgres"},
        metadata=column_schema(
            [
                ("id", "serial"),
                ("first_name", "text"),
                ("last_name", "text"),
                ("email", "text"),
                ("gender_id", "int"),
            ]
        ),  # fmt: skip
    ),
    AssetSpec(
        PERSON_IP,
        deps=[PERSON],
        description=(
            "Postgres table `person_ip(person_id, ip inet)`: every IPv4/IPv6 address seen for a "
            "person, accumulated across files (unique per person and address)."
        ),
        group_name="people",
        kinds={"postgres"},
        metadata=column_schema([("person_id", "int"), ("ip", "inet")]),
    ),
    AssetSpec(
        QUARANTINED_PERSONS,
        description=(
            "Rejected person rows, Parquet at `quarantine/persons/<file>/rejected_rows.parquet`: "
            "the raw row as JSON, every reason (invalid_email, invalid_ip, missing:<column>, "
            "nul_byte:<column>, too_long:<column>, wrong_field_count, postgres:<SQLSTATE>, "
            "missing_column:<column>, duplicate_column:<column>), the source key and line number."
        ),
        group_name="people",
        kinds={"parquet"},
        metadata=column_schema(rejected_rows_schema("source_key")),
    ),
]


def _write_quarantine(
    storage: StorageResource, partition: str, raw, rejected, source_key: str
) -> tuple[str, int]:
    """The quarantine file's key and size."""
    key = quarantine_key(partition)
    data = parquet_bytes(quarantine_table(raw, rejected, source_key))
    storage.put_bytes(key, data)
    return key, len(data)


@multi_asset(
    specs=PERSON_SPECS,
    partitions_def=person_files,
    check_specs=[
        AssetCheckSpec(
            "quarantine_rate_below_5pct",
            asset=QUARANTINED_PERSONS,
            description="Warns when more than 5% of a file's rows were quarantined.",
        )
    ],
    can_subset=False,
    name="person_file",
)
@leased("persons")  # one run at a time per partition (platform_assets/partition_lease.py)
def person_file(
    context: AssetExecutionContext, storage: StorageResource, postgres: PostgresResource
):
    """Validate one landing person file, quarantine its bad rows and upsert the rest, in one
    Postgres transaction (a failure leaves the tables as they were)."""
    # A big file spends its time in a few long calls: say which one is running.
    with StageProgress(context.log.info, f"person_file {context.partition_key}") as progress:
        yield from _ingest_file(context, storage, postgres, progress)


def _ingest_file(context, storage: StorageResource, postgres: PostgresResource, progress):
    started = time.perf_counter()
    try:
        partition = checked_partition_key(person_files.name, context.partition_key)
    except UnsafePartitionKey as err:
        raise Failure(description=str(err)) from None
    source_key = landing_key(partition)

    progress.stage("reading")
    with storage.open_read(source_key) as stream:
        try:
            raw = read_person_csv(stream, source_key)
        except PersonFileError as err:
            _quarantine_whole_file(context, storage, partition, source_key, err)
            raise Failure(description=str(err), metadata={"reason": err.reason}) from None

    rows_read = len(raw)
    progress.stage(f"validating and loading {rows_read:,} rows into Postgres", records=rows_read)
    try:
        with postgres.connection() as conn:
            before = {key: relation_bytes(conn, table) for key, table in TABLES.items()}
            validation, counts = validate_and_load(conn, raw)
            validation = _with_refused_rows(context, source_key, validation, counts.refused)
            grown = {key: relation_bytes(conn, t) - before[key] for key, t in TABLES.items()}
            # Inside the transaction: if the quarantine cannot be written, nothing is committed.
            q_key, q_bytes = _write_quarantine(
                storage, partition, raw, validation.rejected, source_key
            )
            genders_total = conn.execute("select count(*) from gender").fetchone()[0]
    except psycopg.Error as err:
        raise Failure(description=f"{source_key}: {_describe_load_error(err)}") from None
    rows_valid = len(validation.valid)
    rows_quarantined = len(validation.rejected)

    progress.stage("done")
    context.log.info(
        f"{source_key}: read {rows_read}, loaded {rows_valid}, quarantined {rows_quarantined} rows"
    )
    summary = IngestSummary(
        rows_read, rows_valid, rows_quarantined, validation.reason_counts,
        time.perf_counter() - started,
    )  # fmt: skip
    written = {
        GENDER: counts.genders_inserted,
        PERSON: counts.persons_inserted + counts.persons_updated,
        PERSON_IP: counts.person_ips_inserted,
    }

    def table_metadata(key: AssetKey) -> dict:
        location = postgres_location(postgres.resolved_url, TABLES[key])
        vocabulary = ingest_metadata(
            summary, row_count=written[key], location=location, bytes_written=max(grown[key], 0)
        )
        return {**vocabulary, "source_key": source_key}

    yield MaterializeResult(
        asset_key=GENDER,
        metadata={
            **table_metadata(GENDER),
            "genders_inserted": counts.genders_inserted,
            "genders_total": genders_total,
        },
    )
    yield MaterializeResult(
        asset_key=PERSON,
        metadata={
            **table_metadata(PERSON),
            "persons_inserted": counts.persons_inserted,
            "persons_updated": counts.persons_updated,
        },
    )
    yield MaterializeResult(
        asset_key=PERSON_IP,
        metadata={**table_metadata(PERSON_IP), "person_ips_inserted": counts.person_ips_inserted},
    )
    yield MaterializeResult(
        asset_key=QUARANTINED_PERSONS,
        metadata={
            **ingest_metadata(
                summary,
                row_count=rows_quarantined,
                location=storage.uri(q_key),
                bytes_written=q_bytes,
            ),
            "source_key": source_key,
            "path": MetadataValue.path(q_key),
        },
    )
    rate = rows_quarantined / rows_read if rows_read else 0.0
    yield AssetCheckResult(
        check_name="quarantine_rate_below_5pct",
        asset_key=QUARANTINED_PERSONS,
        passed=rate <= MAX_QUARANTINE_RATE,
        severity=AssetCheckSeverity.WARN,
        metadata={"quarantine_rate": rate, "rows_quarantined": rows_quarantined},
    )


def _with_refused_rows(context, source_key: str, validation, refused) -> PersonValidation:
    """Rows Postgres refused move from valid to rejected, each named by file and line."""
    if not refused:
        return validation
    for row in refused:
        context.log.warning(
            f"{source_key} line {row.line}: Postgres refused the row ({row.reason}); quarantined"
        )
    lines = {row.line for row in refused}
    extra = pd.DataFrame(
        {"line": [r.line for r in refused], "reasons": [[r.reason] for r in refused]}
    )
    rejected = pd.concat([validation.rejected, extra], ignore_index=True).sort_values("line")
    valid = validation.valid[~validation.valid["line"].isin(lines)]
    return PersonValidation(valid=valid, rejected=rejected.reset_index(drop=True))


def _describe_load_error(err: psycopg.Error) -> str:
    """The error without row values: Postgres' messages and DETAIL can quote emails and IPs,
    so server errors are reported by class, SQLSTATE and constraint only. Client-side errors
    (no SQLSTATE: cannot connect, pool timeout) carry no row data and keep their message."""
    if err.sqlstate is None:
        return f"cannot reach Postgres, nothing was written ({type(err).__name__}: {err})"
    return (
        f"Postgres rejected the load, nothing was written (SQLSTATE {err.sqlstate}, "
        f"{type(err).__name__}, constraint {err.diag.constraint_name or '-'}, "
        f"table {err.diag.table_name or '-'})"
    )


def _quarantine_whole_file(
    context, storage, partition: str, source_key: str, err: PersonFileError
) -> None:
    """A file-level problem: every row (if it parsed at all) goes to quarantine with the reason."""
    if err.rows is not None:
        rejected = whole_file_rejection(err.rows, err.reason)
        key, _ = _write_quarantine(storage, partition, err.rows, rejected, source_key)
        context.log.error(f"{err} -- all {len(err.rows)} rows quarantined at {key}")
    else:
        # Not CSV at all: keep the bytes as they came, next to a note of why.
        key = f"{quarantine_key(partition).rsplit('/', 1)[0]}/{partition}"
        storage.put_bytes(key, storage.read_bytes(source_key))
        context.log.error(f"{err} -- file copied to {key}")
