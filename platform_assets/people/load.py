"""Upsert one file's valid person rows into gender / person / person_ip, set-based.

The caller's connection block is the file's single transaction: rows are COPYed into a
temp staging table, then three INSERT/UPDATE statements merge them. Re-loading the same
rows changes nothing (no updated rows, no new ids, no consumed sequence values). An email on
several rows: the last row's names and gender win, every row's IP is kept.

Should Postgres still refuse a row that validation let through, the load runs in a savepoint
and the batch is bisected down to the refused rows, which are returned (line and SQLSTATE)
for quarantine; every other row loads.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd
import psycopg

# Serialises person loads: two files carrying the same new email would otherwise race
# between the UPDATE and the INSERT below. Loads are seconds long; queueing is fine.
PERSON_LOAD_LOCK_ID = 0x51_1CE_0002

COPY_BATCH_ROWS = 50_000

_CREATE_STAGING = """
create temp table person_staging (
    line       bigint not null,
    latest     boolean not null,
    first_name text   not null,
    last_name  text   not null,
    email      text   not null,
    gender     text,
    ip         inet   not null
) on commit drop
"""

_INSERT_GENDERS = """
insert into gender (gender_type)
select distinct s.gender from person_staging s
where s.gender is not null
  and not exists (select 1 from gender g where g.gender_type = s.gender)
on conflict (gender_type) do nothing
"""

# Existing emails first: an UPDATE touches only rows whose values really change, and new
# rows are inserted afterwards without ON CONFLICT DO UPDATE (which would burn sequence
# values and rewrite unchanged rows).
_UPDATE_PERSONS = """
update person p
set first_name = s.first_name, last_name = s.last_name, gender_id = g.id
from person_staging s
left join gender g on g.gender_type = s.gender
where s.latest and p.email = s.email
  and (p.first_name, p.last_name, p.gender_id) is distinct from (s.first_name, s.last_name, g.id)
"""

_INSERT_PERSONS = """
insert into person (first_name, last_name, email, gender_id)
select s.first_name, s.last_name, s.email, g.id
from person_staging s
left join gender g on g.gender_type = s.gender
where s.latest and not exists (select 1 from person p where p.email = s.email)
order by s.line
"""

_INSERT_PERSON_IPS = """
insert into person_ip (person_id, ip)
select distinct p.id, s.ip
from person_staging s
join person p on p.email = s.email
where not exists (select 1 from person_ip pi where pi.person_id = p.id and pi.ip = s.ip)
on conflict (person_id, ip) do nothing
"""


# Errors that come from a row's values (class 22 data exception, 23 integrity, 54 limits such
# as an index row too large): worth isolating. Anything else (connection, syntax) is not.
ROW_ERRORS = (
    psycopg.errors.DataError,
    psycopg.errors.IntegrityError,
    psycopg.errors.ProgramLimitExceeded,
)


@dataclass(frozen=True)
class RefusedRow:
    line: int
    reason: str  # postgres:<SQLSTATE>


@dataclass(frozen=True)
class PersonLoadCounts:
    genders_inserted: int
    persons_inserted: int
    persons_updated: int
    person_ips_inserted: int
    refused: list[RefusedRow] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "genders_inserted": self.genders_inserted,
            "persons_inserted": self.persons_inserted,
            "persons_updated": self.persons_updated,
            "person_ips_inserted": self.person_ips_inserted,
        }


def copy_to_staging(conn: psycopg.Connection, valid: pd.DataFrame) -> None:
    """COPY the rows into a fresh temp staging table (dropped when the transaction ends)."""
    conn.execute("drop table if exists person_staging")
    conn.execute(_CREATE_STAGING)
    columns = ["line", "latest", "first_name", "last_name", "email", "gender", "ip"]
    frame = valid.assign(latest=~valid["email"].duplicated(keep="last"))[columns]
    with conn.cursor() as cur:
        # CSV text through pandas' C writer: far cheaper than write_row per tuple. An
        # unquoted empty field is NULL in COPY's CSV format (only gender can be empty).
        with cur.copy(
            f"copy person_staging ({', '.join(columns)}) from stdin (format csv)"
        ) as copy:
            for start in range(0, len(frame), COPY_BATCH_ROWS):
                chunk = frame.iloc[start : start + COPY_BATCH_ROWS]
                copy.write(chunk.to_csv(header=False, index=False, lineterminator="\n"))
    conn.execute("analyze person_staging")


def _merge(conn: psycopg.Connection, valid: pd.DataFrame) -> Counter:
    copy_to_staging(conn, valid)
    return Counter(
        genders_inserted=conn.execute(_INSERT_GENDERS).rowcount,
        persons_updated=conn.execute(_UPDATE_PERSONS).rowcount,
        persons_inserted=conn.execute(_INSERT_PERSONS).rowcount,
        person_ips_inserted=conn.execute(_INSERT_PERSON_IPS).rowcount,
    )


def _merge_isolating(conn, valid: pd.DataFrame, refused: list[RefusedRow]) -> Counter:
    """Merge in a savepoint; when Postgres refuses a row, bisect (halves in file order, so the
    last row still wins) until the refused rows stand alone."""
    if valid.empty:
        return Counter()
    try:
        with conn.transaction():
            return _merge(conn, valid)
    except ROW_ERRORS as err:
        if len(valid) == 1:
            refused.append(RefusedRow(int(valid["line"].iloc[0]), f"postgres:{err.sqlstate}"))
            return Counter()
    middle = len(valid) // 2
    first = _merge_isolating(conn, valid.iloc[:middle], refused)
    return first + _merge_isolating(conn, valid.iloc[middle:], refused)


def begin_person_load(conn: psycopg.Connection) -> None:
    """Take the person-load lock for the caller's transaction and size its sort memory."""
    conn.execute("select pg_advisory_xact_lock(%s)", (PERSON_LOAD_LOCK_ID,))
    # Room to hash-join and sort a large file in memory rather than in temp files.
    conn.execute("set local work_mem = '256MB'")


def merge_persons(
    conn: psycopg.Connection, valid: pd.DataFrame, refused: list[RefusedRow]
) -> Counter:
    """Merge one batch of rows in file order after begin_person_load; rows Postgres refuses
    are appended to ``refused``. Batches must come in file order (the last row wins)."""
    return _merge_isolating(conn, valid, refused)


def load_counts(counts: Counter, refused: list[RefusedRow]) -> PersonLoadCounts:
    return PersonLoadCounts(
        genders_inserted=counts["genders_inserted"],
        persons_inserted=counts["persons_inserted"],
        persons_updated=counts["persons_updated"],
        person_ips_inserted=counts["person_ips_inserted"],
        refused=sorted(refused, key=lambda r: r.line),
    )


def load_persons(conn: psycopg.Connection, valid: pd.DataFrame) -> PersonLoadCounts:
    """Merge normalised rows (validate.VALID_COLUMNS, in file order) into the tables.

    Must run inside the caller's transaction (``with pg.connection() as conn``).
    """
    begin_person_load(conn)
    refused: list[RefusedRow] = []
    return load_counts(merge_persons(conn, valid, refused), refused)
