from datetime import UTC, datetime

import pytest

from platform_assets.customers.masked_parquet import masked_columns, masked_table, masking_rule
from platform_assets.customers.validate import CleanCustomer


@pytest.mark.parametrize(
    "column, rule",
    [
        ("First_Name", "hu25"),
        ("customer first name", "hu25"),
        ("GivenName", "hu25"),
        ("Email", "email"),
        ("secondary_e-mail", "email"),
        ("Phone_1", "text"),
        ("Mobile", "text"),
        ("Date of Birth", "text"),
        ("DOB", "text"),
        ("Street Address", "text"),
        ("ip_address", "text"),
        ("IP", "text"),
        ("Customer_Id", None),
        ("Company", None),
        ("City", None),
        ("Website", None),
        ("Account_Status", None),
        ("Last_Name", None),
        ("zip", None),
        ("dobson", None),
    ],
)
def test_masking_rule_by_column_name(column, rule):
    found = masking_rule(column)
    assert (found[0] if found else None) == rule


def test_table_has_hu25_names_masked_values_and_no_email_column():
    rows = [
        CleanCustomer(
            1,
            "1",
            "Sheryl Baxter",
            "sheryl@smith.info",
            datetime(2020, 8, 24, tzinfo=UTC),
            ("229.077.5154", "Sheryl", "Chile", ""),
        ),
        CleanCustomer(
            2,
            "2",
            "Cher",
            "cher@x.org",
            datetime(2999, 1, 1, tzinfo=UTC),
            ("1", "Cher", "", "other@mail.com"),
        ),
    ]
    extras = ("Phone_1", "First_Name", "Country", "Backup_Email")
    table = masked_table(rows, extras, ingested_at=datetime(2025, 1, 1, tzinfo=UTC))
    assert table.column_names == ["id", "name", "email_masked", "timestamp", "is_future", *extras]
    assert table.to_pylist()[0] | {"timestamp": None} == {
        "id": "1",
        "name": "hu25 Baxter",
        "email_masked": "s*******@*******.info",
        "timestamp": None,
        "is_future": False,
        "Phone_1": "*******54",
        "First_Name": "hu25",
        "Country": "Chile",
        "Backup_Email": None,  # empty -> null
    }
    second = table.to_pylist()[1]
    assert second["name"] == "hu25" and second["is_future"] is True
    assert second["Backup_Email"] == "o*******@*******.com" and second["Phone_1"] == "*******"
    assert str(table.schema.field("timestamp").type) == "timestamp[us, tz=UTC]"
    assert masked_columns(extras) == {
        "Phone_1": "text",
        "First_Name": "hu25",
        "Backup_Email": "email",
    }
