"""Issue 13 on the customers loader (#12 and NUL bytes), through the real asset."""

import csv
import io

from platform_assets.customers.layout import curated_csv_key, quarantine_rows_key
from tests.reliability.runs import quarantined, run_customer_file

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _file(rows) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "name", "email", "timestamp", "note"])
    writer.writerows(rows)
    return out.getvalue().encode()


def test_formula_cells_are_neutralised_in_the_curated_csv(instance, storage):
    data = _file(
        [
            ["1", "=cmd|' /C calc'!A0", "ann@example.com", "2025-01-01", "@SUM(1+1)"],
            ["2", "Bob", "=x@example.com", "2025-01-01", "-2+3"],
            ["3", "Cy", "cy@example.com", "2025-01-01", "-12.5"],
            ["4", "Di", "di@example.com", "2025-01-01", "+44 20 7946 0000"],
        ]
    )
    result = run_customer_file(instance, storage, "formula.csv", data)
    assert result.success
    text = storage.read_bytes(curated_csv_key("formula")).decode()
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["note"] for r in rows] == ["'@SUM(1+1)", "'-2+3", "-12.5", "'+44 20 7946 0000"]
    assert rows[0]["name"].startswith("'=")
    assert (rows[1]["email"], rows[1]["email_masked"]) == (
        "'=x@example.com",
        "'=*******@*******.com",
    )
    # A plain number is data, not a formula; every other cell is safe to open.
    cells = [v for r in rows for v in r.values() if v != "-12.5"]
    assert not [v for v in cells if v.startswith(FORMULA_START)]


def test_a_nul_byte_quarantines_its_row_only(instance, storage):
    data = _file(
        [
            ["1", "Ann", "ann@example.com", "2025-01-01", "ok"],
            ["2", "B\x00b", "bob@example.com", "2025-01-01", "ok"],
            ["3", "Cy", "cy@example.com", "2025-01-01", "n\x00te"],
        ]
    )
    result = run_customer_file(instance, storage, "nul.csv", data)
    assert result.success
    text = storage.read_bytes(curated_csv_key("nul")).decode()
    assert [r["id"] for r in csv.DictReader(io.StringIO(text, newline=""))] == ["1"]
    assert quarantined(storage, quarantine_rows_key("nul.csv")) == {
        3: ["nul_byte:name"],
        4: ["nul_byte:note"],
    }
