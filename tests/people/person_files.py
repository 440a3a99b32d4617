"""Person CSV files for tests: the real sample plus dirty files built row by row."""

from __future__ import annotations

import csv
import io

HEADER = ["id", "first_name", "last_name", "email", "gender", "ip_address"]


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER, line_ending: str = "\n") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=line_ending)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


# Each row's expected outcome is in the comment: the integration tests assert exactly these.
DIRTY_ROWS = [
    [
        "1",
        "  Ana ",
        " Silva",
        " Ana.Silva@Example.COM ",
        "Female",
        "10.0.0.1",
    ],  # line 2 valid, trimmed+lowered
    ["2", "Bob", "Stone", "not-an-email", "Male", "10.0.0.2"],  # line 3 invalid_email
    ["3", "Cy", "Ray", "cy@example.com", "Male", "256.1.1.1"],  # line 4 invalid_ip
    ["4", "Dee", "Low", "dee@example.com", "", "2001:DB8::0001"],  # line 5 valid, IPv6, gender NULL
    [
        "5",
        "   ",
        "Empty",
        "e@",
        "Agender",
        "",
    ],  # line 6 missing:first_name, invalid_email, missing:ip_address
    [
        "6",
        "Zoë",
        "Ñúñez-Łukasz",
        "zoe@example.com",
        "Genderfluid",
        "192.168.1.10",
    ],  # line 7 valid, unicode
    ["7", "Liam", "O'Brien", "liam@example.com", "Male", "172.16.0.1"],  # line 8 valid, quote
    [
        "8",
        'Q"uote',
        "Smith",
        "dup@example.com",
        "Female",
        "10.1.1.1",
    ],  # line 9 valid: same email as line 10, its IP is kept
    [
        "9",
        "Later",
        "Winner",
        "DUP@example.com",
        "Xenogender",
        "10.1.1.2",
    ],  # line 10 valid, last row wins names and gender, new gender
    [
        "10",
        "Mia",
        "Fe80",
        "mia@example.com",
        "Female",
        "fe80::1%eth0",
    ],  # line 11 invalid_ip (zone id)
]

VALID_EMAILS = {
    "ana.silva@example.com",
    "dee@example.com",
    "zoe@example.com",
    "liam@example.com",
    "dup@example.com",
}

EXPECTED_REJECTIONS = {
    3: ["invalid_email"],
    4: ["invalid_ip"],
    6: ["missing:first_name", "invalid_email", "missing:ip_address"],
    11: ["invalid_ip"],
}


def dirty_file(line_ending: str = "\r\n") -> bytes:
    """The dirty rows with CRLF line endings and an extra column that must be tolerated."""
    header = HEADER + ["signup_source"]
    return csv_bytes([row + ["web"] for row in DIRTY_ROWS], header=header, line_ending=line_ending)


def missing_column_file() -> bytes:
    header = [c for c in HEADER if c != "email"]
    return csv_bytes(
        [["1", "A", "B", "Male", "1.2.3.4"], ["2", "C", "D", "Female", "5.6.7.8"]], header=header
    )
