"""Predict an iris species with the promoted model (``models/iris/LATEST``).

    python -m ml.predict 5.1 3.5 1.4 0.2          (or: sluice-predict-iris 5.1 3.5 1.4 0.2)
    python -m ml.predict 6.3 3.3 6.0 2.5 --json

Measurements are in cm, in the dataset's order. The model is read through the platform's
storage (SLUICE_STORAGE_URL / SLUICE_S3_ENDPOINT_URL, default .sluice/storage), so this works
against a local directory and an S3 bucket alike.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

import pandas as pd

from ml.read_csv import MEASUREMENTS
from ml.registry import LATEST_KEY, NoModelError, load_latest
from ml.version import sklearn_version
from resources.storage import StorageAccessError, StorageConfigError, StorageResource


def measurement(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive length in cm")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sluice-predict-iris",
        description=f"Predict the iris species with the model named by {LATEST_KEY}.",
    )
    for name in MEASUREMENTS:
        p.add_argument(name, type=measurement, help=f"{name.replace('_', ' ')} in cm")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    return p


def predict(storage, values: list[float]) -> dict:
    version, pipeline, metrics = load_latest(storage)
    features = pd.DataFrame([values], columns=list(MEASUREMENTS))
    probabilities = pipeline.predict_proba(features)[0]
    by_species = {str(s): round(float(p), 4) for s, p in zip(pipeline.classes_, probabilities)}
    return {
        "species": max(by_species, key=by_species.get),
        "probabilities": by_species,
        "model_version": version,
        "model_accuracy": metrics.get("accuracy"),
        "trained_with_sklearn": metrics.get("sklearn_version"),
    }


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        result = predict(StorageResource(), [getattr(args, name) for name in MEASUREMENTS])
    except (NoModelError, StorageConfigError, StorageAccessError, FileNotFoundError) as err:
        print(f"sluice-predict-iris: {err}", file=sys.stderr)
        return 2
    trained_with = result["trained_with_sklearn"]
    if trained_with and trained_with != sklearn_version():
        print(
            f"warning: model trained with scikit-learn {trained_with}, running {sklearn_version()}",
            file=sys.stderr,
        )
    if args.json:
        print(json.dumps(result))
        return 0
    print(result["species"])
    for species, probability in result["probabilities"].items():
        print(f"  {species:<12} {probability:.4f}")
    print(f"model {result['model_version']} (held-out accuracy {result['model_accuracy']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
