"""The customer assets through a real Dagster instance on local storage."""

import hashlib
import json
import re
from datetime import UTC, datetime

from tests.customers.customer_files import (
    BOUNDARY_INGESTED_AT,
    BOUNDARY_ROWS,
    DIRTY_EXPECTED,
    boundary_file,
    read_csv_rows,
)
from tests.customers.runs import (
    checks,
    emails_in,
    keys,
    materialization_metadata,
    read_parquet,
    run_file,
)
from tests.customers.test_read_validate import DIRTY_REJECTIONS
from tests.ingest_metadata_checks import assert_ingest_metadata

FILE_FACTS = ("source_key", "size_bytes", "sha256", "ingested_at")


def test_dirty_file_produces_four_outputs_with_complete_metadata(instance, storage, files):
    data = files["customers_dirty.csv"]
    before = datetime.now(UTC).replace(microsecond=0)
    result = run_file(instance, storage, "customers_dirty.csv", data)
    meta = materialization_metadata(result)
    assert set(meta) == {
        "customers_backup",
        "customers_clean",
        "customers_parquet",
        "quarantined_customers",
    }

    clean = meta["customers_clean"]
    assert clean["source_key"] == "landing/customers/customers_dirty.csv"
    assert clean["size_bytes"] == len(data)
    assert clean["sha256"] == hashlib.sha256(data).hexdigest()
    assert before.timestamp() <= clean["ingested_at"] <= datetime.now(UTC).timestamp()
    # The samples' expectations, in the metadata vocabulary every ingest asset shares.
    assert (clean["records_read"], clean["valid"], clean["quarantined"]) == (
        DIRTY_EXPECTED["rows_in"], DIRTY_EXPECTED["rows_out"], DIRTY_EXPECTED["rows_dropped"],
    )  # fmt: skip
    assert clean["quarantined_by_reason"] == DIRTY_EXPECTED["rows_dropped_by_reason"]
    assert clean["future_rows"] == DIRTY_EXPECTED["future_rows"]
    rows = {"customers_backup": 119, "customers_clean": 106, "customers_parquet": 106,
            "quarantined_customers": 13}  # fmt: skip
    for asset, row_count in rows.items():
        values = assert_ingest_metadata(meta[asset], row_count=row_count)
        assert values["dagster/uri"] == storage.uri(values["path"])
        assert values["bytes_written"] == len(storage.read_bytes(values["path"]))
    assert clean["future_rows_shell"] == clean["future_rows"] == 2
    for asset in meta.values():  # every output names the file it came from
        assert {k: asset[k] for k in FILE_FACTS} == {k: clean[k] for k in FILE_FACTS}
    assert checks(result) == {
        "shell_and_python_future_flags_agree": True,
        "no_raw_email_and_hu25_names": True,
        "quarantine_rate_below_5pct": False,  # 13 of 119: warns, does not fail the run
    }

    # Backup: byte-identical, UTC time of ingestion in its name.
    (backup_key,) = keys(storage, "backup/customers/")
    stamp = datetime.fromtimestamp(clean["ingested_at"], UTC).strftime("%Y%m%dT%H%M%SZ")
    assert backup_key == f"backup/customers/customers_dirty.{stamp}.csv"
    assert storage.read_bytes(backup_key) == data
    assert meta["customers_backup"]["reused"] is False

    # Cleaned CSV.
    rows = read_csv_rows(storage.read_bytes("curated/customers/customers_csv/customers_dirty.csv"))
    assert len(rows) == 106
    assert list(rows[0]) == [
        "id",
        "name",
        "email",
        "email_masked",
        "timestamp",
        "is_future",
        "Customer_Id",
        "Company",
        "City",
        "Country",
        "Phone_1",
        "Phone_2",
        "Website",
    ]
    by_id = {r["id"]: r for r in rows}
    assert by_id["101"] | {"Company": None} == {
        "id": "101",
        "name": "O'Neil Mcdonald",
        "email": "o.neil@example.com",
        "email_masked": "o*******@*******.com",
        "timestamp": "2021-03-04T03:06:07Z",
        "is_future": "false",
        "Customer_Id": "",
        "Company": None,
        "City": "",
        "Country": "",
        "Phone_1": "",
        "Phone_2": "",
        "Website": "",
    }
    assert (
        by_id["102"]["name"] == "Zoë Ñúñez-Łukasz"
        and by_id["102"]["Company"] == 'Two\nlines, "quoted"'
    )
    assert (
        by_id["1"]["name"] == "Sheryl Baxter" and by_id["1"]["timestamp"] == "2020-08-24T00:00:00Z"
    )
    assert [r["id"] for r in rows if r["is_future"] == "true"] == ["114", "115"]
    assert all(r["email"] == r["email"].strip().lower() for r in rows)
    assert all(re.fullmatch(r".\*{7}@\*{7}\.[a-z]+", r["email_masked"]) for r in rows)

    # Parquet: hu25 everywhere, no raw email anywhere, the same rows and flags.
    table = read_parquet(storage, "curated/customers/customers_parquet/customers_dirty.parquet")
    assert table.column_names == [c for c in rows[0] if c != "email"]
    parquet_rows = table.to_pylist()
    assert [r["id"] for r in parquet_rows] == [r["id"] for r in rows]
    for clean_row, masked in zip(rows, parquet_rows):
        last = clean_row["name"].split(" ", 1)[1]
        assert masked["name"] == f"hu25 {last}"
        assert masked["is_future"] == (clean_row["is_future"] == "true")
        assert masked["Phone_1"] is None or masked["Phone_1"].startswith("*******")
    raw_emails = emails_in(data)
    assert len(raw_emails) > 100
    cells = [str(v) for r in parquet_rows for v in r.values() if v is not None]
    assert not [c for c in cells if any(e in c for e in raw_emails)]
    parquet_bytes = storage.read_bytes(
        "curated/customers/customers_parquet/customers_dirty.parquet"
    )
    assert not [e for e in raw_emails if e.encode() in parquet_bytes]  # nor in stats or footer

    # Quarantine: every reason, the raw row.
    quarantine = read_parquet(
        storage, "quarantine/customers/customers_dirty.csv/rejected_rows.parquet"
    )
    assert {r["line"]: tuple(r["reasons"]) for r in quarantine.to_pylist()} == DIRTY_REJECTIONS
    assert meta["quarantined_customers"]["quarantined"] == 13
    assert (
        meta["quarantined_customers"]["quarantined_by_reason"]
        == DIRTY_EXPECTED["rows_dropped_by_reason"]
    )
    raw_112 = json.loads(next(r for r in quarantine.to_pylist() if r["line"] == 112)["raw_record"])
    assert raw_112["email"] == "not-an-email"

    # No PII in logs or metadata (the counts and paths are enough).
    logs = "\n".join(str(e.message) for e in instance.all_logs(result.run_id))
    metadata = json.dumps(meta, default=str)
    for email in raw_emails:
        assert email not in logs and email not in metadata


def test_rerun_reuses_the_backup_and_rewrites_identical_outputs(instance, storage, files):
    first = materialization_metadata(
        run_file(instance, storage, "c.csv", files["customers_002.csv"])
    )
    outputs = [
        "curated/customers/customers_csv/c.csv",
        "curated/customers/customers_parquet/c.parquet",
        "quarantine/customers/c.csv/rejected_rows.parquet",
    ]
    written = {k: storage.read_bytes(k) for k in outputs}
    second = materialization_metadata(run_file(instance, storage, "c.csv"))
    assert second["customers_backup"]["reused"] is True
    assert second["customers_backup"]["path"] == first["customers_backup"]["path"]
    assert second["customers_clean"]["ingested_at"] == first["customers_clean"]["ingested_at"]
    assert len(keys(storage, "backup/customers/")) == 1
    assert {k: storage.read_bytes(k) for k in outputs} == written
    assert (
        read_csv_rows(written[outputs[0]])[0]["Account_Status"] == "Inactive"
    )  # extra column kept

    # New bytes under the same name: a second backup, the old one untouched.
    changed = files["customers_002.csv"].replace(b"Inactive", b"Dormant")
    third = materialization_metadata(run_file(instance, storage, "c.csv", changed))
    assert third["customers_backup"]["reused"] is False
    assert len(keys(storage, "backup/customers/")) == 2
    assert storage.read_bytes(first["customers_backup"]["path"]) == files["customers_002.csv"]


def test_future_flags_around_the_ingestion_time(instance, storage):
    # An identical backup named at BOUNDARY_INGESTED_AT fixes the file's ingestion time.
    data = boundary_file()
    storage.put_bytes("backup/customers/boundary.20250101T000000Z.csv", data)
    result = run_file(instance, storage, "boundary.csv", data)
    meta = materialization_metadata(result)
    assert meta["customers_backup"]["reused"] is True
    assert meta["customers_clean"]["ingested_at"] == BOUNDARY_INGESTED_AT.timestamp()
    expected = {row_id: future for row_id, _, future in BOUNDARY_ROWS}
    rows = read_csv_rows(storage.read_bytes("curated/customers/customers_csv/boundary.csv"))
    assert {r["id"]: r["is_future"] == "true" for r in rows} == expected
    table = read_parquet(storage, "curated/customers/customers_parquet/boundary.parquet")
    assert (
        dict(zip(table.column("id").to_pylist(), table.column("is_future").to_pylist())) == expected
    )
    assert meta["customers_clean"]["future_rows"] == sum(expected.values()) == 7
    assert meta["customers_clean"]["future_rows_shell"] == 7
    assert rows[7]["timestamp"] == "2025-01-01T00:00:00.000001Z"


def test_missing_column_fails_and_quarantines_the_whole_file(instance, storage, files):
    data = files["customers_missing_email.csv"]
    result = run_file(instance, storage, "broken.csv", data, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.event_specific_data.error.message
    assert (
        "landing/customers/broken.csv" in message
        and "missing required column(s) 'email'" in message
    )
    assert storage.read_bytes("quarantine/customers/broken.csv/broken.csv") == data
    rows = read_parquet(
        storage, "quarantine/customers/broken.csv/rejected_rows.parquet"
    ).to_pylist()
    assert len(rows) == 100 and {tuple(r["reasons"]) for r in rows} == {("missing_column:email",)}
    meta = materialization_metadata(result)
    assert set(meta) == {"customers_backup", "quarantined_customers"}
    assert meta["quarantined_customers"]["quarantined_by_reason"] == {"missing_column:email": 100}
    for asset in meta.values():
        assert_ingest_metadata(asset, row_count=100)
    assert keys(storage, "curated/") == []

    # Fixed under the same name: processed, and the stale whole-file copy is gone.
    fixed = run_file(instance, storage, "broken.csv", files["customers_001.csv"])
    assert fixed.success
    assert keys(storage, "quarantine/customers/broken.csv/") == [
        "quarantine/customers/broken.csv/rejected_rows.parquet"
    ]
