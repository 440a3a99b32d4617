"""Validate Iris rows with pandera; every rejected row gets every reason that applies.

Reason codes (stable: they are quarantine data and metadata keys):

- ``missing:<column>``       a measurement or the species is empty
- ``not_a_number:<column>``  a measurement is not a finite number (``abc``, ``inf``)
- ``not_positive:<column>``  a measurement is zero or negative
- ``unknown_species``        not setosa, versicolor or virginica (``Iris-`` prefix and case ignored)
- ``duplicate_row``          the same four measurements and species as an earlier valid row: the
                             first occurrence is kept (the published Iris CSV has one such pair)

Two schemas: RAW_ROW_SCHEMA finds the per-row reasons on the text as read, and IRIS_SCHEMA is
the contract of the valid table the model trains on (typed, positive, known species, unique).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ml.read_csv import MEASUREMENTS, REQUIRED_COLUMNS
from platform_assets.rejected_rows import RowValidation

SPECIES = ("setosa", "versicolor", "virginica")
UNKNOWN_SPECIES = "unknown_species"
DUPLICATE_ROW = "duplicate_row"
VALID_COLUMNS = ["line", *REQUIRED_COLUMNS]
UNIQUENESS_CHECK = "multiple_fields_uniqueness"  # pandera's name for a failed ``unique=``


def _number(text: pd.Series) -> pd.Series:
    values = pd.to_numeric(text, errors="coerce").astype("float64")
    return values.where(np.isfinite(values))


def _measurement_checks(column: str) -> list[pa.Check]:
    return [
        pa.Check(lambda s: s.str.len() > 0, name=f"missing:{column}"),
        pa.Check(lambda s: (s.str.len() == 0) | _number(s).notna(), name=f"not_a_number:{column}"),
        # NaN compares False, so a missing or non-numeric value is not also "not positive".
        pa.Check(lambda s: ~(_number(s) <= 0), name=f"not_positive:{column}"),
    ]


RAW_ROW_SCHEMA = pa.DataFrameSchema(
    {
        **{c: pa.Column(str, _measurement_checks(c)) for c in MEASUREMENTS},
        "species": pa.Column(
            str,
            [
                pa.Check(lambda s: s.str.len() > 0, name="missing:species"),
                pa.Check(lambda s: (s.str.len() == 0) | s.isin(SPECIES), name=UNKNOWN_SPECIES),
            ],
        ),
    },
    strict=False,
    name="iris_raw_row",
)

IRIS_SCHEMA = pa.DataFrameSchema(
    {
        **{c: pa.Column("float64", pa.Check.gt(0)) for c in MEASUREMENTS},
        "species": pa.Column(str, pa.Check.isin(SPECIES)),
    },
    unique=list(REQUIRED_COLUMNS),
    report_duplicates="exclude_first",
    strict=False,
    name="iris",
)


# Kept as a name of its own: what validate_iris returns.
IrisValidation = RowValidation


def normalise_species(text: pd.Series) -> pd.Series:
    return text.str.strip().str.lower().str.replace(r"^iris[-_ ]", "", regex=True)


def normalise(raw: pd.DataFrame) -> pd.DataFrame:
    """Trimmed text of the required columns, species normalised (``raw`` is left as read)."""
    out = pd.DataFrame({"line": raw["line"]}, index=raw.index)
    for column in MEASUREMENTS:
        out[column] = raw[column].astype(str).str.strip()
    out["species"] = normalise_species(raw["species"].astype(str))
    return out


def _failed_rows(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> dict[int, list[str]]:
    """Index -> reason codes in the schema's check order."""
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        row_cases = cases[cases["index"].notna()]
        if len(row_cases) != len(cases):  # a table-level failure means a bug in this module
            raise RuntimeError(
                f"{schema.name} schema failed at table level: {cases['check'].unique().tolist()}"
            ) from None
        reasons: dict[int, list[str]] = {}
        for index, check in zip(row_cases["index"], row_cases["check"]):
            if str(check) not in reasons.setdefault(int(index), []):
                reasons[int(index)].append(str(check))
        return reasons
    return {}


def typed(text: pd.DataFrame) -> pd.DataFrame:
    out = text[VALID_COLUMNS].copy()
    for column in MEASUREMENTS:
        out[column] = _number(out[column])
    out["line"] = out["line"].astype("int64")
    return out


def validate_iris(raw: pd.DataFrame) -> IrisValidation:
    """Split rows from read_iris_csv into the valid table and rejected lines with reasons."""
    text = normalise(raw)
    reasons = _failed_rows(RAW_ROW_SCHEMA, text)
    passed = typed(text.loc[~text.index.isin(list(reasons))])
    for index, checks in _failed_rows(IRIS_SCHEMA, passed).items():
        if checks != [UNIQUENESS_CHECK]:  # every other rule was applied to the raw text above
            raise RuntimeError(
                f"iris schema: unexpected failure {checks} at line {text.at[index, 'line']}"
            )
        reasons.setdefault(index, []).append(DUPLICATE_ROW)

    valid = passed.loc[~passed.index.isin(list(reasons))].reset_index(drop=True)
    rejected_index = sorted(reasons)
    rejected = pd.DataFrame(
        {
            "line": text.loc[rejected_index, "line"].to_numpy(dtype="int64"),
            "reasons": [reasons[i] for i in rejected_index],
        }
    )
    return IrisValidation(valid=IRIS_SCHEMA.validate(valid), rejected=rejected)
