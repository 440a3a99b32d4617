"""Where the Iris dataset and models live under the storage root, and the rules for writing them.

    datasets/iris/<sha256>.csv          every pulled CSV, by the hash of its bytes (immutable)
    datasets/iris/CURRENT               sha256 of the dataset the last iris_dataset run published
    quarantine/iris/<sha256>.parquet    its rejected rows (quarantine.py)
    models/iris/<version>/model.joblib  the fitted scikit-learn pipeline
    models/iris/<version>/metrics.json  its metrics and provenance; written last, so a version
                                        exists once this file does, and is never rewritten
    models/iris/LATEST                  the promoted version (moves only when the check passes)

Every function takes the platform's StorageResource (or anything with its interface), so the
same code serves a local directory and an S3 bucket.
"""

from __future__ import annotations

import io
import json

DATASET_PREFIX = "datasets/iris"
CURRENT_DATASET_KEY = f"{DATASET_PREFIX}/CURRENT"
MODEL_PREFIX = "models/iris"
LATEST_KEY = f"{MODEL_PREFIX}/LATEST"


class NoModelError(LookupError):
    """Nothing has been promoted (or trained) yet."""


def dataset_key(sha256: str) -> str:
    return f"{DATASET_PREFIX}/{sha256}.csv"


def model_key(version: str) -> str:
    return f"{MODEL_PREFIX}/{version}/model.joblib"


def metrics_key(version: str) -> str:
    return f"{MODEL_PREFIX}/{version}/metrics.json"


def _read_pointer(storage, key: str) -> str | None:
    if not storage.exists(key):
        return None
    return storage.read_bytes(key).decode("utf-8").strip() or None


def current_dataset_sha(storage) -> str | None:
    return _read_pointer(storage, CURRENT_DATASET_KEY)


def set_current_dataset(storage, sha256: str) -> None:
    storage.put_bytes(CURRENT_DATASET_KEY, f"{sha256}\n".encode())


def version_exists(storage, version: str) -> bool:
    return storage.exists(metrics_key(version))


def publish_version(storage, version: str, pipeline, metrics: dict) -> bool:
    """Write the version's artifact unless it exists; True when this call wrote it.

    An existing version is never rewritten. model.joblib goes first and metrics.json last: a
    crash in between leaves no metrics.json, so the next run writes the version again.
    """
    if version_exists(storage, version):
        return False
    buffer = io.BytesIO()
    import joblib  # here, not at module level: every dagster process imports this file (0.12 s)

    joblib.dump(pipeline, buffer)
    storage.put_bytes(model_key(version), buffer.getvalue())
    storage.put_bytes(metrics_key(version), json.dumps(metrics, indent=2, sort_keys=True).encode())
    return True


def read_metrics(storage, version: str) -> dict:
    return json.loads(storage.read_bytes(metrics_key(version)))


def latest_version(storage) -> str | None:
    return _read_pointer(storage, LATEST_KEY)


def promote(storage, version: str) -> bool:
    """Point LATEST at ``version``; True when it moved."""
    if latest_version(storage) == version:
        return False
    storage.put_bytes(LATEST_KEY, f"{version}\n".encode())
    return True


def load_model(storage, version: str):
    """The fitted pipeline of ``version``. joblib unpickles: load only from your own storage."""
    if not version_exists(storage, version):
        raise NoModelError(f"model version {version} not found ({metrics_key(version)} is missing)")
    import joblib

    return joblib.load(io.BytesIO(storage.read_bytes(model_key(version))))


def load_latest(storage):
    """(version, pipeline, metrics) of the promoted model."""
    version = latest_version(storage)
    if version is None:
        raise NoModelError(
            f"no promoted Iris model: {LATEST_KEY} does not exist yet. Train one with "
            "`dagster asset materialize -m platform_assets.definitions "
            "--select iris_dataset,iris_model`"
        )
    return version, load_model(storage, version), read_metrics(storage, version)
