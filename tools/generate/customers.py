"""Dirty customer CSV files for the customers pipeline, shaped like the public sample.

Writes ``landing/customers/<name>.csv`` through the storage resource (local or S3): header
``id,name,email,timestamp`` plus the sample's extras (Customer_Id, Company, City, Country,
phones, Website). Clean rows vary as real exports do (names in odd case and spacing, padded
and upper-case emails, every timestamp form the grammar accepts, some in the future, quoted
companies with commas and line breaks); a share of rows breaks each rule of
platform_assets/customers/validate.py in turn.

    sluice-generate-customers --rows 1000 --dirty-share 0.05 --seed 1
    sluice-generate-customers --from-sample tools/samples/customers-glue-athena/customers_001.csv \
        --name customers_001      # the public sample, renamed to the pipeline's shape
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from resources.storage import StorageAccessError, StorageConfigError
from tools.generate import arguments
from tools.generate.customers_sample import SampleShapeError, rename_sample, write_csv
from tools.generate.dirty_plan import GeneratedFile, plan_dirty_rows
from tools.generate.names import (
    COMPANY_SUFFIXES,
    COMPANY_WORDS,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    PLACES,
    ascii_slug,
)

HEADER = ["id", "name", "email", "timestamp", "Customer_Id", "Company", "City", "Country",
          "Phone_1", "Phone_2", "Website"]  # fmt: skip
FIRST_DATA_LINE = 2
# Every row-level reason code of the customers validator (file-level ones are not rows).
KINDS = [
    "wrong_field_count",
    "missing:id",
    "missing:name",
    "missing:email",
    "missing:timestamp",
    "invalid_email",
    "invalid_timestamp",
    "duplicate_row",
    "duplicate_id",
]
NULL_TOKENS = ["", "  ", "NULL", "null", "None", "nan", "N/A", "n/a"]
BAD_EMAILS = ["{local}-at-{domain}", "{local}@", "{local}@{tld}", "{local}@@{domain}", "@{domain}"]
BAD_TIMESTAMPS = ["24/08/2020", "2021-02-30", "2021-13-01", "yesterday", "2021-01-01T25:00",
                  "20210101", "2021-06-01T12:00:00 UTC", "Aug 24, 2020"]  # fmt: skip
PHONES = ["{a}.{b}.{c}", "{a}{b}{c}", "+1-{a}-{b}-{c}", "001-{a}-{b}-{c}x{x}", "({a}){b}-{c}"]


class _CustomerFactory:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def timestamp(self) -> str:
        rng = self.rng
        year = 2031 if rng.random() < 0.01 else rng.randint(2019, 2024)  # a few in the future
        date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        hh, mm, ss = rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
        return rng.choice([
            date, date, date,  # the sample's form
            f"{date}T{hh:02d}:{mm:02d}:{ss:02d}Z",
            f"{date} {hh:02d}:{mm:02d}",
            f"{date}T{hh:02d}:{mm:02d}:{ss:02d}+02:00",
            f"{date}T{hh:02d}:{mm:02d}:{ss:02d}.{rng.randint(0, 999):03d}-0500",
        ])  # fmt: skip

    def phone(self) -> str:
        rng = self.rng
        return rng.choice(PHONES).format(
            a=f"{rng.randint(200, 999)}", b=f"{rng.randint(0, 999):03d}",
            c=f"{rng.randint(0, 9999):04d}", x=rng.randint(1, 99999),
        )

    def company(self) -> str:
        rng = self.rng
        first, second = rng.sample(COMPANY_WORDS, 2)
        roll = rng.random()
        if roll < 0.01:
            return f"{first}\n{second}, \"Holdings\""  # multi-line, quoted: legal in CSV
        if roll < 0.3:
            return f"{first}, {second} and {rng.choice(LAST_NAMES)}"
        return f"{first}-{second}" if roll < 0.5 else f"{first} {rng.choice(COMPANY_SUFFIXES)}"

    def row(self, index: int) -> list[str]:
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        name = f"{first} {last}"
        roll = rng.random()
        if roll < 0.05:
            name = f"  {first.lower()}   {last.upper()} "
        email = f"{ascii_slug(first)}{ascii_slug(last)}{index}@{rng.choice(EMAIL_DOMAINS)}"
        if rng.random() < 0.05:
            email = f" {email.upper()} "
        city, country = rng.choice(PLACES)
        site = ascii_slug(rng.choice(COMPANY_WORDS))
        return [
            str(index + 1), name, email, self.timestamp(), f"{rng.getrandbits(60):015x}",
            self.company(), city, country, self.phone(), self.phone(),
            f"{rng.choice(['http://www.', 'https://'])}{site}.com/",
        ]  # fmt: skip

    def break_row(self, row: list[str], kind: str) -> list[str]:
        rng = self.rng
        if kind == "wrong_field_count":
            return row[:-1] if rng.random() < 0.5 else [*row, "stray"]
        if kind.startswith("missing:"):
            row[HEADER.index(kind.split(":", 1)[1])] = rng.choice(NULL_TOKENS)
        elif kind == "invalid_email":
            local, domain = row[2].strip().lower().split("@")
            row[2] = rng.choice(BAD_EMAILS).format(
                local=local, domain=domain, tld=domain.rsplit(".", 1)[-1]
            )
        elif kind == "invalid_timestamp":
            row[3] = rng.choice(BAD_TIMESTAMPS)
        return row


def customer_rows(rows: int, dirty_share: float, seed: int) -> tuple[list[list[str]], dict]:
    """The data rows and {index: expected reasons} for every dirty row."""
    rng = random.Random(seed)
    factory = _CustomerFactory(rng)
    plan = plan_dirty_rows(rng, rows, dirty_share, KINDS)
    data: list[list[str]] = []
    clean: list[int] = []
    dirty: dict[int, tuple[str, ...]] = {}
    for i, kind in enumerate(plan):
        row = factory.row(i)
        if kind in ("duplicate_row", "duplicate_id") and not clean:
            kind = "invalid_timestamp"  # nothing earlier to copy yet
        if kind == "duplicate_row":
            # A re-export of an earlier row: the same once cleaned (email case and spaces).
            row = list(data[rng.choice(clean)])
            row[2] = rng.choice([row[2], f"  {row[2].strip().upper()} "])
        elif kind == "duplicate_id":
            row[0] = data[rng.choice(clean)][0]
        elif kind is not None:
            row = factory.break_row(row, kind)
        else:
            clean.append(i)
        data.append(row)
        if kind is not None:
            dirty[i] = (kind,)
    return data, dirty


def generate_customers(
    storage, *, rows: int, dirty_share: float = 0.05, seed: int = 0, name: str = "customers",
    crlf: bool = False,
) -> GeneratedFile:
    """Write the file; ``dirty`` is keyed by the physical line where each dirty row starts."""
    data, dirty_by_index = customer_rows(rows, dirty_share, seed)
    lines, line = {}, FIRST_DATA_LINE
    for index, row in enumerate(data):
        lines[index] = line
        line += 1 + sum(value.count("\n") for value in row)
    key = f"landing/customers/{name}.csv"
    storage.put_bytes(key, write_csv(HEADER, data, "\r\n" if crlf else "\n"))
    dirty = {lines[i]: reasons for i, reasons in dirty_by_index.items()}
    return GeneratedFile(key=key, records=rows, dirty=dirty)


def land_sample(storage, sample: Path, name: str) -> GeneratedFile:
    """The public sample renamed to the pipeline's shape (clean: it has no dirty rows)."""
    if not sample.is_file():
        raise SampleShapeError(f"--from-sample {sample}: no such file")
    data = rename_sample(sample.read_bytes(), str(sample))
    key = f"landing/customers/{name}.csv"
    storage.put_bytes(key, data)
    return GeneratedFile(key=key, records=data.count(b"\n") - 1)


def build_parser():
    p = arguments.parser(
        "Write a dirty customer CSV to landing/customers/<name>.csv (the customers pipeline's "
        "input).",
        rows_flag="--rows", rows_default=1000, share_default=0.05, name_default="customers",
    )
    p.add_argument("--crlf", action="store_true", help="CRLF line endings (default LF)")
    p.add_argument("--from-sample", type=Path, default=None, metavar="CSV",
                   help="land this customers-100 style file renamed to the pipeline's shape "
                   "instead of generated rows, e.g. "
                   "tools/samples/customers-glue-athena/customers_001.csv")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    storage = arguments.storage_from(args)
    try:
        if args.from_sample:
            written = land_sample(storage, args.from_sample, args.name)
        else:
            written = generate_customers(
                storage, rows=args.rows, dirty_share=args.dirty_share, seed=args.seed,
                name=args.name, crlf=args.crlf,
            )
    except (StorageConfigError, StorageAccessError, SampleShapeError, OSError) as err:
        print(f"sluice-generate-customers: {err}", file=sys.stderr)
        return 1
    print(json.dumps(written.summary()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
