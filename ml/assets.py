"""The Dagster face of the Iris model: a pulled, validated dataset and a versioned model."""

import time

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    Config,
    DataVersion,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)
from pydantic import Field

from ml import registry
from ml.automation_conditions import DATASET_AUTOMATION, MODEL_AUTOMATION
from ml.dataset import IrisSourceError, describe_source, pull, resolve_source
from ml.quarantine import parquet_bytes, quarantine_key, quarantine_table, whole_file_rejection
from ml.read_csv import MEASUREMENTS, IrisFileError, read_iris_csv
from ml.train import TrainingDataError, confusion_markdown, train_and_evaluate
from ml.validate import validate_iris
from ml.version import code_hash, model_version, sklearn_version
from platform_assets.ingest_metadata import IngestSummary
from platform_assets.ingest_metadata_values import column_schema, ingest_metadata
from resources.storage import StorageResource

MIN_ACCURACY = 0.9  # held-out accuracy a model needs before LATEST may point at it
MAX_QUARANTINE_RATE = 0.05
ACCURACY_CHECK = "iris_model_accuracy"
QUARANTINE_CHECK = "iris_quarantine_rate_below_5pct"
METRIC_KEYS = ("accuracy", "macro_f1", "cv_accuracy_mean", "cv_accuracy_std")


class IrisDatasetConfig(Config):
    source: str | None = Field(
        default=None,
        description=(
            "Where to pull the Iris CSV from: an http(s):// URL, a file:// URL or a path. "
            "Unset: $SLUICE_IRIS_SOURCE, else the copy shipped in ml/iris.csv."
        ),
    )


@asset(
    group_name="ml",
    kinds={"csv"},
    metadata=column_schema([*((m, "float (cm)") for m in MEASUREMENTS), ("species", "string")]),
    automation_condition=DATASET_AUTOMATION,
    check_specs=[
        AssetCheckSpec(
            QUARANTINE_CHECK,
            asset="iris_dataset",
            description="Warns when more than 5% of the pulled rows were quarantined.",
        )
    ],
)
def iris_dataset(
    context: AssetExecutionContext, config: IrisDatasetConfig, storage: StorageResource
):
    """The Iris CSV pulled from its source (config `source`, $SLUICE_IRIS_SOURCE or the shipped
    copy), stored as `datasets/iris/<sha256>.csv` and validated with pandera (four positive
    measurements, a known species, no duplicate rows). Rejected rows, with every reason, are in
    `quarantine/iris/<sha256>.parquet`; the data version is the file's sha256."""
    started = time.perf_counter()
    source = resolve_source(config.source)
    shown = describe_source(source)
    try:
        pulled = pull(source)
    except IrisSourceError as err:
        raise Failure(description=str(err)) from None

    try:
        raw = read_iris_csv(pulled.data, shown)
    except IrisFileError as err:
        if err.rows is not None:  # CSV with the wrong columns: keep every row, then fail
            q_key = quarantine_key(pulled.sha256)
            rejected = whole_file_rejection(err.rows, err.reason)
            storage.put_bytes(
                q_key, parquet_bytes(quarantine_table(err.rows, rejected, pulled.sha256))
            )
            context.log.error(f"all {len(err.rows)} rows quarantined at {q_key}")
        raise Failure(description=str(err), metadata={"reason": err.reason}) from None

    validation = validate_iris(raw)
    key = registry.dataset_key(pulled.sha256)
    written = 0
    if not storage.exists(key):  # content-addressed: the same bytes are stored once
        storage.put_bytes(key, pulled.data)
        written = pulled.size
    q_key = quarantine_key(pulled.sha256)
    q_data = parquet_bytes(quarantine_table(raw, validation.rejected, pulled.sha256))
    storage.put_bytes(q_key, q_data)
    rows_read, rows_valid = len(raw), len(validation.valid)
    if rows_valid == 0:
        raise Failure(description=f"{shown}: all {rows_read} rows were quarantined ({q_key})")
    registry.set_current_dataset(storage, pulled.sha256)

    rate = (rows_read - rows_valid) / rows_read
    context.log.info(f"{shown}: {rows_read} rows, {rows_valid} valid, stored at {key}")
    summary = IngestSummary(
        rows_read, rows_valid, rows_read - rows_valid, validation.reason_counts,
        time.perf_counter() - started,
    )  # fmt: skip
    return MaterializeResult(
        metadata={
            # The dataset file and its quarantine file are this asset's writes.
            **ingest_metadata(
                summary, row_count=rows_valid, location=storage.uri(key),
                bytes_written=written + len(q_data),
            ),  # fmt: skip
            "source": shown,
            "sha256": pulled.sha256,
            "bytes": pulled.size,
            "path": MetadataValue.path(key),
            "quarantine_path": MetadataValue.path(q_key),
            "species": MetadataValue.json(
                validation.valid["species"].value_counts().sort_index().to_dict()
            ),
        },
        data_version=DataVersion(pulled.sha256),
        check_results=[
            AssetCheckResult(
                check_name=QUARANTINE_CHECK,
                passed=rate <= MAX_QUARANTINE_RATE,
                severity=AssetCheckSeverity.WARN,
                metadata={"quarantine_rate": rate, "threshold": MAX_QUARANTINE_RATE},
            )
        ],
    )


@asset(
    deps=[iris_dataset],
    group_name="ml",
    kinds={"sklearn"},
    code_version=code_hash()[:16],
    automation_condition=MODEL_AUTOMATION,
    check_specs=[
        AssetCheckSpec(
            ACCURACY_CHECK,
            asset="iris_model",
            blocking=True,
            description=(
                f"Held-out accuracy >= {MIN_ACCURACY}. Blocking: when it fails the run fails, "
                "`models/iris/LATEST` stays where it was and nothing downstream runs."
            ),
        )
    ],
)
def iris_model(context: AssetExecutionContext, storage: StorageResource):
    """A scikit-learn pipeline (scaler + logistic regression) trained on the current
    `iris_dataset` with a stratified split and a fixed seed. Stored immutably at
    `models/iris/<version>/` (model.joblib, metrics.json); the version is a hash of the dataset
    and the training code. `models/iris/LATEST` moves to it only when `iris_model_accuracy`
    passes."""
    sha = registry.current_dataset_sha(storage)
    if sha is None:
        raise Failure(
            description=f"no dataset yet ({registry.CURRENT_DATASET_KEY} is missing): "
            "materialize iris_dataset first"
        )
    key = registry.dataset_key(sha)
    valid = validate_iris(read_iris_csv(storage.read_bytes(key), key)).valid
    try:
        trained = train_and_evaluate(valid)
    except TrainingDataError as err:
        raise Failure(description=f"{key}: {err}") from None

    training_code = code_hash()
    version = model_version(sha, training_code)
    metrics = {
        **trained.metrics,
        "version": version,
        "dataset_sha256": sha,
        "dataset_key": key,
        "training_code_sha256": training_code,
        "sklearn_version": sklearn_version(),
    }
    written = registry.publish_version(storage, version, trained.pipeline, metrics)
    if not written:
        stored = registry.read_metrics(storage, version)
        if {k: stored.get(k) for k in METRIC_KEYS} != {k: metrics[k] for k in METRIC_KEYS}:
            context.log.warning(
                f"version {version} exists with other metrics; keeping the stored artifact"
            )
        metrics = stored  # the stored artifact is what LATEST would point at

    previous = registry.latest_version(storage)
    passed = metrics["accuracy"] >= MIN_ACCURACY
    if passed:
        registry.promote(storage, version)
    latest = registry.latest_version(storage)
    context.log.info(
        f"model {version}: accuracy {metrics['accuracy']:.3f} "
        f"({'promoted' if passed else f'NOT promoted, LATEST stays {previous}'})"
    )
    return MaterializeResult(
        metadata={
            **{k: MetadataValue.float(metrics[k]) for k in METRIC_KEYS},
            "confusion_matrix": MetadataValue.md(
                confusion_markdown(metrics["labels"], metrics["confusion_matrix"])
            ),
            "version": version,
            "artifact": "written" if written else "reused (immutable)",
            "path": MetadataValue.path(registry.model_key(version)),
            "dataset_sha256": sha,
            "rows_train": metrics["rows_train"],
            "rows_test": metrics["rows_test"],
            "promoted": passed,
            "latest": latest or "none",
        },
        data_version=DataVersion(version),
        check_results=[
            AssetCheckResult(
                check_name=ACCURACY_CHECK,
                passed=passed,
                severity=AssetCheckSeverity.ERROR,
                metadata={
                    "accuracy": metrics["accuracy"],
                    "threshold": MIN_ACCURACY,
                    "version": version,
                    "latest": latest or "none",
                },
            )
        ],
    )
