"""Dirty person CSV files for the people pipeline, in the Mockaroo sample's shape.

Writes ``landing/persons/<name>.csv`` through the storage resource (local or S3): header
``id,first_name,last_name,email,gender,ip_address``; clean rows vary as real exports do
(padded fields, mixed-case emails, empty genders, IPv6 in long form) and a share of rows
breaks each rule of platform_assets/people/validate.py, once per kind in turn:

    sluice-generate-persons --rows 1000 --dirty-share 0.05 --seed 1
"""

from __future__ import annotations

import csv
import io
import ipaddress
import json
import random
import sys

from resources.storage import StorageAccessError, StorageConfigError
from tools.generate import arguments
from tools.generate.dirty_plan import GeneratedFile, plan_dirty_rows
from tools.generate.names import EMAIL_DOMAINS, FIRST_NAMES, GENDERS, LAST_NAMES, ascii_slug

HEADER = ["id", "first_name", "last_name", "email", "gender", "ip_address"]
FIRST_DATA_LINE = 2  # the header is line 1
# Every row-level reason code of the people validator (file-level ones are not rows).
KINDS = [
    "missing:first_name",
    "missing:last_name",
    "missing:email",
    "missing:ip_address",
    "invalid_email",
    "invalid_ip",
    "nul_byte:first_name",
    "too_long:gender",
    "wrong_field_count",
]
BAD_EMAILS = [
    "{local}.{domain}",  # no @
    "{local}@",
    "{local}@@{domain}",
    "{local} {local}@{domain}",
    "@{domain}",
    "{local}@{domain}.",
]
BAD_IPS = [
    "256.1.1.1", "10.0.0", "192.168.1.300", "010.1.1.1", "fe80::1%eth0", "10.0.0.1/24",
    "not-an-ip", "2001:db8::g1",
]
BLANKS = ["", "   ", "\t"]
_GENDER_NAMES = [g for g, _ in GENDERS]
_GENDER_WEIGHTS = [w for _, w in GENDERS]


class _PersonFactory:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def ipv4(self) -> str:
        while True:
            address = ipaddress.IPv4Address(self.rng.getrandbits(32))
            if address.is_global:
                return str(address)

    def ip(self) -> str:
        if self.rng.random() < 0.05:  # IPv6, sometimes written long and upper case
            address = ipaddress.IPv6Address((0x2001_0DB8 << 96) | self.rng.getrandbits(64))
            return address.exploded.upper() if self.rng.random() < 0.5 else str(address)
        return self.ipv4()

    def row(self, index: int) -> list[str]:
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{ascii_slug(first)[:1]}{ascii_slug(last)}{index}@{rng.choice(EMAIL_DOMAINS)}"
        roll = rng.random()
        if roll < 0.1:
            email = email.capitalize() if roll < 0.05 else email.upper()
        gender = "" if rng.random() < 0.08 else rng.choices(_GENDER_NAMES, _GENDER_WEIGHTS)[0]
        row = [str(index + 1), first, last, email, gender, self.ip()]
        if rng.random() < 0.05:  # hand-edited exports carry stray spaces
            row = [row[0]] + [f" {v} " if v else v for v in row[1:]]
        return row

    def break_row(self, row: list[str], kind: str) -> None:
        rng = self.rng
        if kind.startswith("missing:"):
            row[HEADER.index(kind.split(":", 1)[1])] = rng.choice(BLANKS)
        elif kind == "invalid_email":
            local, domain = row[3].strip().split("@")
            row[3] = rng.choice(BAD_EMAILS).format(local=local, domain=domain)
        elif kind == "invalid_ip":
            row[5] = rng.choice(BAD_IPS)
        elif kind == "nul_byte:first_name":
            row[1] = row[1].strip()[:1] + "\x00" + row[1].strip()[1:]
        elif kind == "too_long:gender":
            row[4] = "x" * 65
        elif kind == "wrong_field_count":
            row.append("surplus")


def person_rows(rows: int, dirty_share: float, seed: int) -> tuple[list[list[str]], dict]:
    """The data rows and {line: expected reasons} for every dirty row."""
    rng = random.Random(seed)
    factory = _PersonFactory(rng)
    plan = plan_dirty_rows(rng, rows, dirty_share, KINDS)
    data = [factory.row(i) for i in range(rows)]
    dirty: dict[int, tuple[str, ...]] = {}
    for i, kind in enumerate(plan):
        if kind is None:
            continue
        factory.break_row(data[i], kind)
        dirty[FIRST_DATA_LINE + i] = (kind,)
    return data, dirty


def persons_csv(rows: list[list[str]], line_ending: str = "\n") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=line_ending)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def generate_persons(
    storage, *, rows: int, dirty_share: float = 0.05, seed: int = 0, name: str = "persons",
    crlf: bool = False,
) -> GeneratedFile:
    data, dirty = person_rows(rows, dirty_share, seed)
    key = f"landing/persons/{name}.csv"
    storage.put_bytes(key, persons_csv(data, "\r\n" if crlf else "\n"))
    return GeneratedFile(key=key, records=rows, dirty=dirty)


def build_parser():
    p = arguments.parser(
        "Write a dirty person CSV to landing/persons/<name>.csv (the people pipeline's input).",
        rows_flag="--rows", rows_default=1000, share_default=0.05, name_default="persons",
    )
    p.add_argument("--crlf", action="store_true", help="CRLF line endings (default LF)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        written = generate_persons(
            arguments.storage_from(args), rows=args.rows, dirty_share=args.dirty_share,
            seed=args.seed, name=args.name, crlf=args.crlf,
        )
    except (StorageConfigError, StorageAccessError, OSError) as err:
        print(f"sluice-generate-persons: {err}", file=sys.stderr)
        return 1
    print(json.dumps(written.summary()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
