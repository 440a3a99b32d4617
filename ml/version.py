"""The model version: a hash of the training data and of the code that trains on it.

Not of wall time and not of the pickled model (joblib bytes differ between runs and Python
builds): the same dataset bytes through the same code, hyperparameters and scikit-learn
release always name the same version, so re-training unchanged inputs is a no-op.
"""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import version
from pathlib import Path

from ml import read_csv, train, validate

# The modules that decide which rows are trained on and how: changing any of them is a new model.
TRAINING_MODULES = (read_csv, validate, train)
VERSION_LENGTH = 16  # hex characters of sha256: plenty for one model's history


def sklearn_version() -> str:
    # The installed distribution's version (what sklearn.__version__ says), without importing it.
    return version("scikit-learn")


def code_hash() -> str:
    digest = hashlib.sha256()
    for module in TRAINING_MODULES:
        digest.update(module.__name__.encode())
        # Line endings normalised so a checkout on another OS names the same version.
        digest.update(Path(module.__file__).read_bytes().replace(b"\r\n", b"\n"))
    digest.update(json.dumps(train.HYPERPARAMETERS, sort_keys=True).encode())
    digest.update(f"scikit-learn=={sklearn_version()}".encode())
    return digest.hexdigest()


def model_version(dataset_sha256: str, training_code_hash: str) -> str:
    payload = json.dumps({"dataset_sha256": dataset_sha256, "code": training_code_hash})
    return hashlib.sha256(payload.encode()).hexdigest()[:VERSION_LENGTH]
