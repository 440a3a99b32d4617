import io

import pandas as pd
import pytest

from platform_assets.people.read_csv import read_person_csv
from platform_assets.people.validate import canonical_ip, is_valid_email, validate_persons
from tests.people.person_files import EXPECTED_REJECTIONS, VALID_EMAILS, csv_bytes, dirty_file


def validate_rows(rows):
    return validate_persons(read_person_csv(io.BytesIO(csv_bytes(rows)), "k"))


def one_row(**overrides):
    row = {
        "id": "1",
        "first_name": "Ann",
        "last_name": "Lee",
        "email": "ann@example.com",
        "gender": "Female",
        "ip_address": "1.2.3.4",
    }
    row.update(overrides)
    return list(row.values())


def reasons_of(**overrides):
    result = validate_rows([one_row(**overrides)])
    return result.rejected["reasons"].tolist()[0] if len(result.rejected) else []


@pytest.mark.parametrize(
    "email", ["a@example.com", "first.last+tag@sub.example.co.uk", "ÄÖ@exämple.de"]
)
def test_valid_emails(email):
    assert is_valid_email(email)
    assert reasons_of(email=email) == []


@pytest.mark.parametrize(
    "email",
    [
        "plain",
        "a@",
        "@example.com",
        "a@@example.com",
        "a b@example.com",
        "a@example",
        "a..b@example.com",
    ],
)
def test_invalid_emails(email):
    assert reasons_of(email=email) == ["invalid_email"]


@pytest.mark.parametrize(
    "ip,canonical",
    [
        ("1.2.3.4", "1.2.3.4"),
        ("255.255.255.255", "255.255.255.255"),
        ("::1", "::1"),
        ("2001:DB8::0001", "2001:db8::1"),
        ("::ffff:10.0.0.1", "::ffff:a00:1"),
    ],
)
def test_valid_ips_are_canonical(ip, canonical):
    assert canonical_ip(ip) == canonical


@pytest.mark.parametrize(
    "ip",
    [
        "256.1.1.1",
        "1.2.3",
        "1.2.3.4.5",
        "01.2.3.4",
        "1.2.3.4/32",
        "fe80::1%eth0",
        "gggg::1",
        "999.999.999.999",
        "localhost",
    ],
)
def test_invalid_ips(ip):
    assert reasons_of(ip_address=ip) == ["invalid_ip"]


@pytest.mark.parametrize("column", ["first_name", "last_name", "email", "ip_address"])
@pytest.mark.parametrize("blank", ["", "   ", "\t"])
def test_blank_required_field_is_missing(column, blank):
    assert reasons_of(**{column: blank}) == [f"missing:{column}"]


def test_every_reason_is_reported():
    assert reasons_of(first_name="", last_name=" ", email="x@", ip_address="300.0.0.1") == [
        "missing:first_name",
        "missing:last_name",
        "invalid_email",
        "invalid_ip",
    ]


def test_normalisation():
    result = validate_rows(
        [
            one_row(
                first_name="  Ann ",
                last_name=" Lee",
                email=" Ann@Example.COM ",
                gender=" FeMale ",
                ip_address=" 1.2.3.4 ",
            )
        ]
    )
    row = result.valid.iloc[0]
    assert (row.first_name, row.last_name, row.email, row.gender, row.ip) == (
        "Ann",
        "Lee",
        "ann@example.com",
        "female",
        "1.2.3.4",
    )


def test_empty_gender_is_null():
    assert pd.isna(validate_rows([one_row(gender="  ")]).valid.iloc[0].gender)


def test_duplicate_email_rows_all_stay_valid_for_the_load():
    result = validate_rows(
        [
            one_row(first_name="First", email="same@example.com"),
            one_row(first_name="Second", email="SAME@example.com"),
            one_row(
                first_name="Third", email="same@example.com", ip_address="bad"
            ),  # invalid: not loaded
        ]
    )
    # The load keeps the last row's names and every row's IP (load.py).
    assert result.valid["first_name"].tolist() == ["First", "Second"]
    assert set(result.valid["email"]) == {"same@example.com"}
    assert dict(zip(result.rejected["line"], result.rejected["reasons"])) == {4: ["invalid_ip"]}


def test_dirty_file_outcome():
    result = validate_persons(read_person_csv(io.BytesIO(dirty_file()), "k"))
    assert set(result.valid["email"]) == VALID_EMAILS
    assert dict(zip(result.rejected["line"], result.rejected["reasons"])) == EXPECTED_REJECTIONS
    assert len(result.valid) + len(result.rejected) == 10
    assert result.reason_counts == {
        "invalid_email": 2,
        "invalid_ip": 2,
        "missing:first_name": 1,
        "missing:ip_address": 1,
    }


def test_sample_file_is_all_valid(sample_data):
    path = sample_data / "mockaroo-person" / "MOCK_DATA.csv"
    with open(path, "rb") as f:
        result = validate_persons(read_person_csv(f, "landing/persons/MOCK_DATA.csv"))
    assert len(result.valid) == 1000 and len(result.rejected) == 0
    assert result.valid["email"].is_unique


def test_the_vectorised_ip_column_agrees_with_canonical_ip_per_value():
    ips = ["1.2.3.4", " 10.0.0.255 ", "0.0.0.0", "01.2.3.4", "256.1.1.1", "１.2.3.4", "1.2.3.4\n",
           "2001:DB8::0001", "::ffff:10.0.0.1", "fe80::1%eth0", "1.2.3.4/32", "x"]  # fmt: skip
    rows = [one_row(email=f"p{i}@example.com", ip_address=ip) for i, ip in enumerate(ips)]
    result = validate_rows(rows)
    expected = [canonical_ip(ip.strip()) for ip in ips]
    assert result.valid["ip"].tolist() == [ip for ip in expected if ip is not None]
    assert len(result.rejected) == sum(ip is None for ip in expected)
