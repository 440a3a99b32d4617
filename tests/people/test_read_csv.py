import csv
import io

import pytest

from platform_assets.people import read_csv as read_csv_module
from platform_assets.people.read_csv import PersonFileError, read_person_csv
from tests.people.person_files import DIRTY_ROWS, HEADER, csv_bytes, dirty_file, missing_column_file


def read(data: bytes):
    return read_person_csv(io.BytesIO(data), "landing/persons/f.csv")


def test_reads_text_exactly_with_line_numbers():
    frame = read(dirty_file())
    assert list(frame.columns) == ["line", *HEADER, "signup_source"]
    assert frame["line"].tolist() == list(range(2, 2 + len(DIRTY_ROWS)))
    # Nothing is guessed: ids stay text, empty stays "", padding stays until validation.
    assert frame.loc[0, "first_name"] == "  Ana "
    assert frame.loc[3, "gender"] == ""
    assert frame.loc[7, "first_name"] == 'Q"uote'


def test_crlf_and_lf_read_the_same():
    assert read(dirty_file("\r\n")).equals(read(dirty_file("\n")))


def test_missing_column_names_file_and_column_and_keeps_rows():
    with pytest.raises(PersonFileError) as err:
        read(missing_column_file())
    assert "landing/persons/f.csv" in str(err.value)
    assert "'email'" in str(err.value)
    assert err.value.reason == "missing_column:email"
    assert err.value.rows["line"].tolist() == [2, 3]


def test_empty_file_is_a_file_error():
    with pytest.raises(PersonFileError, match="landing/persons/f.csv: file is empty"):
        read(b"")


def test_header_only_file_has_no_rows():
    assert len(read(csv_bytes([]))) == 0


def test_non_utf8_is_a_file_error():
    with pytest.raises(PersonFileError) as err:
        read(csv_bytes([["1", "A", "B", "a@b.co", "Male", "1.2.3.4"]]) + "é\n".encode("latin-1"))
    assert err.value.reason == "unreadable_csv"



FAST = [
    b"id,first_name,last_name,email,gender,ip_address\n1,A,B,a@b.co,Male,1.2.3.4\n2,C,D,c@d.co,,5.6.7.8",
    b"\xef\xbb\xbfid,first_name,last_name,email,gender,ip_address\r\n1,A,B,a@b.co,Male,1.2.3.4\r\n",
    b" id , first_name,last_name,email,gender,ip_address,extra\n1, A ,B,a@b.co,Male,1.2.3.4,x\n",
]
EXACT_ONLY = [
    b"id,first_name,last_name,email,gender,ip_address\n1,A,B,a@b.co,Male,1.2.3.4\n\n2,C,D,c@d.co,,5.6.7.8\n",
    b'id,first_name,last_name,email,gender,ip_address\n1,"A\nB",B,a@b.co,Male,1.2.3.4\n2,C,D,c,,5\n',
    b"id,first_name,last_name,email,gender,ip_address\n1,A,B,a@b.co,Male\n2,C,D,c@d.co,,5.6.7.8,x\n",
    b"id,first_name,last_name,email,gender,ip_address\n1,A\x00,B,a@b.co,Male,1.2.3.4\n",
]


def _exact(data: bytes):
    reader = csv.reader(io.StringIO(read_csv_module._text(data, "k"), newline=""))
    return read_csv_module._frame(reader, read_csv_module._header(reader, "k"))


@pytest.mark.parametrize("data", FAST + EXACT_ONLY)
def test_fast_and_exact_readers_agree(data):
    # pandas' parser is used only where it reads exactly what the csv module reads.
    body = data.removeprefix(b"\xef\xbb\xbf")
    header = list(_exact(data).columns[1:7 if b"extra" not in data else 8])
    assert (read_csv_module._fast_frame(body, header) is not None) == (data in FAST)
    fast, exact = read(data), _exact(data)
    assert fast.to_dict("records") == exact.to_dict("records")
    assert fast.attrs == exact.attrs
