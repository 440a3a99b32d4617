"""Issue 13 on the persons loader (#3, #6, #7, #8, #13), through the real asset and Postgres."""

import pandas as pd
import psycopg

from platform_assets.people.load import load_persons
from platform_assets.people.pipeline import validate_and_load
from platform_assets.people.quarantine import quarantine_key
from platform_assets.people.read_csv import read_person_csv_bytes
from tests.fixtures.run_results import materialization_metadata as metadata
from tests.people.person_files import HEADER, csv_bytes
from tests.reliability.runs import failure_message, persons, quarantined, run_person_file


def test_nul_byte_in_a_name_quarantines_only_that_row(instance, storage, postgres, clean_postgres):
    rows = [
        ["1", "Ann", "Lee", "ann@example.com", "Female", "10.0.0.1"],
        ["2", "B\x00b", "Ray", "bob@example.com", "Male", "10.0.0.2"],
        ["3", "Cy", "Day", "cy@example.com", "", "10.0.0.3"],
        ["4", "Di", "Fox", "di@example.com", "x" * 3000, "10.0.0.4"],  # too long to index
    ]
    result = run_person_file(instance, storage, postgres, "nul.csv", csv_bytes(rows))
    assert result.success
    assert set(persons(clean_postgres)) == {"ann@example.com", "cy@example.com"}
    assert quarantined(storage, quarantine_key("nul.csv")) == {
        3: ["nul_byte:first_name"],
        5: ["too_long:gender"],
    }


def _frame(rows):
    return pd.DataFrame(rows, columns=["line", "first_name", "last_name", "email", "gender", "ip"])


def test_a_row_postgres_refuses_is_isolated_and_named(postgres, clean_postgres):
    # Rows that skipped validation: the load itself must isolate what Postgres refuses.
    valid = _frame(
        [
            [2, "Ann", "Lee", "ann@example.com", "female", "10.0.0.1"],
            [3, "Bob", "Ray", "bob@example.com", None, "not-an-ip"],
            [4, "Cy", "D\x00y", "cy@example.com", None, "10.0.0.3"],
            [5, "Di", "Fox", "di@example.com", "male", "10.0.0.4"],
        ]
    )
    with postgres.connection() as conn:
        counts = load_persons(conn, valid)
    assert counts.persons_inserted == 2 and counts.person_ips_inserted == 2
    assert {r.line: r.reason for r in counts.refused} == {
        3: "postgres:22P02",  # invalid input syntax for type inet
        4: "postgres:22021",  # NUL byte
    }
    assert set(persons(clean_postgres)) == {"ann@example.com", "di@example.com"}


def test_email_column_twice_is_rejected_by_name(instance, storage, postgres, clean_postgres):
    for name, header in (
        ("twice.csv", [*HEADER, "email"]),
        ("padded.csv", [*HEADER[:3], " email ", *HEADER[4:], "email"]),
    ):
        data = csv_bytes(
            [["1", "A", "B", "a@example.com", "", "10.0.0.1", "b@example.com"]], header
        )
        result = run_person_file(instance, storage, postgres, name, data)
        assert not result.success
        message = failure_message(result)
        assert f"landing/persons/{name}" in message and "'email'" in message, message
        assert "more than once" in message, message
        assert quarantined(storage, quarantine_key(name)) == {2: ["duplicate_column:email"]}
    assert persons(clean_postgres) == {}


def test_a_trailing_comma_on_every_row_loads_every_row(instance, storage, postgres, clean_postgres):
    data = b"id,first_name,last_name,email,gender,ip_address\n" + (
        b"1,Ann,Lee,ann@example.com,Female,10.0.0.1,\n2,Bob,Ray,bob@example.com,Male,10.0.0.2,\n"
    )
    result = run_person_file(instance, storage, postgres, "trailing.csv", data)
    assert result.success, failure_message(result)
    assert persons(clean_postgres) == {
        "ann@example.com": ("Ann", "Lee", "female", ["10.0.0.1"]),
        "bob@example.com": ("Bob", "Ray", "male", ["10.0.0.2"]),
    }


def test_a_surplus_value_quarantines_its_row(instance, storage, postgres, clean_postgres):
    data = b"id,first_name,last_name,email,gender,ip_address\n" + (
        b"1,Ann,Lee,ann@example.com,Female,10.0.0.1\n2,Bob,Ray,bob@example.com,Male,10.0.0.2,oops\n"
    )
    result = run_person_file(instance, storage, postgres, "ragged.csv", data)
    assert result.success, failure_message(result)
    assert set(persons(clean_postgres)) == {"ann@example.com"}
    assert quarantined(storage, quarantine_key("ragged.csv")) == {3: ["wrong_field_count"]}


def test_a_latin1_byte_is_reported_at_its_offset_and_line(
    instance, storage, postgres, clean_postgres
):
    head = csv_bytes([["1", "Ann", "Lee", "ann@example.com", "Female", "10.0.0.1"]] * 3)
    data = head + "4,Jos\xe9,Ruiz,jose@example.com,Male,10.0.0.4\n".encode("latin-1")
    result = run_person_file(instance, storage, postgres, "latin1.csv", data)
    assert not result.success
    offset = len(head) + len("4,Jos")
    message = failure_message(result)
    assert f"byte 0xe9 at offset {offset} (line 5)" in message, message


def test_email_forms_of_one_address_are_one_person(instance, storage, postgres, clean_postgres):
    nfc, nfd = "jos\u00e9@example.com", "jose\u0301@example.com"
    first = [
        ["1", "Jose", "One", nfc, "Male", "10.0.0.1"],
        ["2", "Ulla", "One", "user@BÜCHER.de", "Female", "10.0.0.2"],
    ]
    second = [
        ["1", "Jose", "Two", nfd, "Male", "10.0.0.3"],
        ["2", "Ulla", "Two", "User@xn--bcher-kva.de", "Female", "10.0.0.4"],
    ]
    assert run_person_file(instance, storage, postgres, "a.csv", csv_bytes(first)).success
    assert run_person_file(instance, storage, postgres, "b.csv", csv_bytes(second)).success
    assert persons(clean_postgres) == {
        nfc: ("Jose", "Two", "male", ["10.0.0.1", "10.0.0.3"]),
        "user@xn--bcher-kva.de": ("Ulla", "Two", "female", ["10.0.0.2", "10.0.0.4"]),
    }


def test_one_email_twice_in_a_file_keeps_both_ips(instance, storage, postgres, clean_postgres):
    rows = [
        ["1", "Old", "Name", "pat@example.com", "Male", "10.0.0.1"],
        ["2", "Sam", "Else", "sam@example.com", "", "10.0.0.9"],
        ["3", "New", "Name", "PAT@example.com", "Female", "2001:db8::1"],
        ["4", "Bad", "Row", "pat@example.com", "Agender", "999.0.0.1"],  # invalid: no effect
    ]
    result = run_person_file(instance, storage, postgres, "twice.csv", csv_bytes(rows))
    assert result.success
    assert persons(clean_postgres) == {
        "pat@example.com": ("New", "Name", "female", ["10.0.0.1", "2001:db8::1"]),
        "sam@example.com": ("Sam", "Else", None, ["10.0.0.9"]),
    }
    assert quarantined(storage, quarantine_key("twice.csv")) == {5: ["invalid_ip"]}
    meta = metadata(result)
    assert meta["person"]["valid"] == 3 and meta["person"]["persons_inserted"] == 2
    assert meta["person_ip"]["person_ips_inserted"] == 3

    # The same file again changes nothing: one transaction, idempotent.
    again = metadata(run_person_file(instance, storage, postgres, "twice.csv"))
    assert again["person"]["persons_inserted"] == 0 and again["person"]["persons_updated"] == 0
    assert again["person_ip"]["person_ips_inserted"] == 0


def test_person_tables_unchanged_when_the_quarantine_cannot_be_written(
    instance, storage, postgres, clean_postgres
):
    # The quarantine is part of the file's transaction: if it cannot be written, nothing loads.
    rows = [["1", "Ann", "Lee", "ann@example.com", "Female", "10.0.0.1"], ["2", "", "", "", "", ""]]
    storage.put_bytes(f"{quarantine_key('blocked.csv')}/in-the-way", b"")  # a directory there
    result = run_person_file(instance, storage, postgres, "blocked.csv", csv_bytes(rows))
    assert not result.success
    with psycopg.connect(clean_postgres) as conn:
        assert conn.execute("select count(*) from person").fetchone()[0] == 0


def test_batched_validate_and_load_keeps_file_order(postgres, clean_postgres):
    # One row per batch: the last row of an email still wins across batch boundaries.
    rows = [
        ["1", "Old", "Name", "pat@example.com", "Male", "10.0.0.1"],
        ["2", "B\x00d", "Row", "bad@example.com", "", "10.0.0.2"],
        ["3", "New", "Name", "PAT@example.com", "Female", "10.0.0.3"],
    ]
    raw = read_person_csv_bytes(csv_bytes(rows), "landing/persons/batched.csv")
    with postgres.connection() as conn:
        validation, counts = validate_and_load(conn, raw, batch_rows=1)
    assert persons(clean_postgres) == {
        "pat@example.com": ("New", "Name", "female", ["10.0.0.1", "10.0.0.3"]),
    }
    assert validation.valid["line"].tolist() == [2, 4]
    assert dict(zip(validation.rejected["line"], validation.rejected["reasons"])) == {
        3: ["nul_byte:first_name"]
    }
    assert (counts.persons_inserted, counts.persons_updated, counts.person_ips_inserted) == (
        1,
        1,
        2,
    )
