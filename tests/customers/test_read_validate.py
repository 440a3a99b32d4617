import pytest

from platform_assets.customers.read_csv import CustomerFileError, read_customer_csv
from platform_assets.customers.validate import validate_customers
from tests.customers.customer_files import DIRTY_EXPECTED

KEY = "landing/customers/f.csv"

# Line -> reasons for customers_dirty.csv (see customer_files.DIRTY_ROWS).
DIRTY_REJECTIONS = {
    106: ("missing:name",),
    107: ("missing:email",),
    108: ("missing:name", "missing:timestamp"),
    109: ("missing:id",),
    110: ("invalid_timestamp",),
    111: ("invalid_timestamp",),
    112: ("invalid_email",),
    113: ("duplicate_row",),
    114: ("duplicate_row",),
    115: ("duplicate_id",),
    118: ("wrong_field_count",),
    119: ("invalid_email",),
    121: ("duplicate_id",),
}


def read(text: str):
    return read_customer_csv(text.encode("utf-8"), KEY)


def test_renamed_samples_have_the_pipeline_shape(files):
    parsed = read_customer_csv(files["customers_001.csv"], KEY)
    assert parsed.header[:4] == ("id", "name", "email", "timestamp")
    assert parsed.extra_columns == (
        "Customer_Id",
        "Company",
        "City",
        "Country",
        "Phone_1",
        "Phone_2",
        "Website",
    )
    first = parsed.record(parsed.rows[0])
    assert first["id"] == "1" and first["name"] == "Sheryl Baxter"
    assert first["timestamp"] == "2020-08-24"
    assert read_customer_csv(files["customers_002.csv"], KEY).extra_columns[-1] == "Account_Status"
    assert len(validate_customers(parsed).kept) == 100


def test_dirty_file_every_reason_exactly(files):
    parsed = read_customer_csv(files["customers_dirty.csv"], KEY)
    result = validate_customers(parsed)
    assert {r.line: r.reasons for r in result.rejected} == DIRTY_REJECTIONS
    assert result.rows_in == DIRTY_EXPECTED["rows_in"]
    assert len(result.kept) == DIRTY_EXPECTED["rows_out"]
    assert result.reason_counts == DIRTY_EXPECTED["rows_dropped_by_reason"]
    kept = {row.id: row for row in result.kept}
    assert kept["101"].name == "O'Neil Mcdonald" and kept["101"].email == "o.neil@example.com"
    assert kept["102"].name == "Zoë Ñúñez-Łukasz" and kept["103"].name == "李 小龍"
    # First occurrence wins: id 7 keeps the sample's row, id 5 its first copy, and id 200
    # the later VALID row because the first copy was invalid.
    assert kept["7"].email == "tgates@cantrell.com" and kept["7"].line == 8
    assert kept["5"].line == 6
    assert kept["200"].name == "Second Copy"
    # The rejected row keeps the raw values exactly as read.
    raw = next(r for r in result.rejected if r.line == 114).record
    assert raw["email"].startswith("  ") and raw["email"].strip().isupper()


def test_crlf_and_lf_read_the_same(files):
    crlf = files["customers_dirty.csv"]
    lf = crlf.replace(b"\r\n", b"\n")
    assert crlf != lf
    assert read_customer_csv(crlf, KEY) == read_customer_csv(lf, KEY)


def test_bom_blank_lines_and_padded_header():
    parsed = read(
        "\ufeff\n id , name,email ,timestamp,extra\n"
        "1,A,a@x.com,2020-01-01,e\n\n2,B,b@x.com,2020-01-02,f\n"
    )
    assert parsed.header == ("id", "name", "email", "timestamp", "extra")
    assert [r.line for r in parsed.rows] == [3, 5] and parsed.blank_lines == 1
    assert [c.extras for c in validate_customers(parsed).kept] == [("e",), ("f",)]


def test_missing_columns_name_the_file_and_every_missing_column():
    with pytest.raises(CustomerFileError) as err:
        read("id,name,extra\n1,A,x\n2,B,y\n")
    message = str(err.value)
    assert message.startswith(f"{KEY}: ")
    assert "'email'" in message and "'timestamp'" in message and "'extra'" in message
    assert err.value.reason == "missing_column:email"
    assert [r.line for r in err.value.parsed.rows] == [2, 3]


def test_header_names_are_case_sensitive():
    with pytest.raises(CustomerFileError) as err:
        read("ID,Name,Email,Timestamp\n")
    assert err.value.reason == "missing_column:id"


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "empty_file"),
        ("\n\n", "empty_file"),
        ("id,name,email,timestamp,id\n", "duplicate_column:id"),
        ("id,name,email,timestamp,is_future\n", "reserved_column:is_future"),
    ],
)
def test_file_level_reasons(text, reason):
    with pytest.raises(CustomerFileError) as err:
        read(text)
    assert err.value.reason == reason


def test_not_utf8_is_unreadable():
    with pytest.raises(CustomerFileError) as err:
        read_customer_csv(
            "id,name,email,timestamp\n1,Zoë,z@x.com,2020-01-01\n".encode("latin-1"), KEY
        )
    assert err.value.reason == "unreadable_csv" and KEY in str(err.value)


def test_header_only_file_is_valid_and_empty():
    assert validate_customers(read("id,name,email,timestamp\n")).rows_in == 0


def test_ragged_rows_keep_their_surplus_values():
    parsed = read("id,name,email,timestamp\n1,A,a@x.com,2020-01-01,surplus\n2,B\n")
    result = validate_customers(parsed)
    assert [r.reasons for r in result.rejected] == [("wrong_field_count",)] * 2
    assert result.rejected[0].record["_extra"] == ["surplus"]
    assert result.rejected[1].record == {"id": "2", "name": "B"}


def test_duplicate_rows_are_judged_on_cleaned_values_and_ids_on_trimmed_text():
    parsed = read(
        "id,name,email,timestamp\n"
        "1,ann lee,ann@x.com,2020-01-01\n"
        " 1 ,ANN LEE, Ann@X.com ,2020-01-01T00:00:00Z\n"  # same once cleaned
        "1,Ann Lee,ann@x.com,2020-01-02\n"  # same id, other values
        "1,Ann Lee,ann@x.com,2020-01-02\n"  # a copy of the rejected row above
        "01,Ann Lee,ann@x.com,2020-01-02\n"  # another id as text
    )
    result = validate_customers(parsed)
    assert [(r.line, r.reasons) for r in result.rejected] == [
        (3, ("duplicate_row",)),
        (4, ("duplicate_id",)),
        (5, ("duplicate_row",)),
    ]
    assert [c.id for c in result.kept] == ["1", "01"]
