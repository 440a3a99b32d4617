"""The way public take-home solutions load a person file: the baseline of bench_people.

pandas ``read_csv``, a regex email check, then a per-row ``INSERT ... ON CONFLICT`` into the
three tables through ``executemany`` (psycopg 3, which pipelines executemany). No quarantine,
no IP validation, no transaction-wide merge: the speed a reviewer would compare against.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import psycopg

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_GENDER = "insert into gender (gender_type) values (%s) on conflict (gender_type) do nothing"
_PERSON = """
insert into person (first_name, last_name, email, gender_id)
values (%s, %s, %s, (select id from gender where gender_type = %s))
on conflict (email) do update set first_name = excluded.first_name,
    last_name = excluded.last_name, gender_id = excluded.gender_id
"""
_PERSON_IP = """
insert into person_ip (person_id, ip) values ((select id from person where email = %s), %s)
on conflict (person_id, ip) do nothing
"""


def take_home_load(url: str, csv_path: Path) -> int:
    """Load ``csv_path`` the take-home way; return the rows loaded."""
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    frame = frame[frame["email"].str.match(EMAIL)]
    frame = frame.assign(email=frame["email"].str.lower(), gender=frame["gender"].str.lower())
    rows = list(
        frame[["first_name", "last_name", "email", "gender", "ip_address"]].itertuples(index=False)
    )
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.executemany(_GENDER, [(g,) for g in frame["gender"] if g])
        cur.executemany(_PERSON, [(r.first_name, r.last_name, r.email, r.gender) for r in rows])
        cur.executemany(_PERSON_IP, [(r.email, r.ip_address) for r in rows])
    return len(rows)
