"""load_persons against a real Postgres: exact table contents, idempotency, updates."""

import io

import pandas as pd
import pytest

from platform_assets.people.load import load_persons
from platform_assets.people.read_csv import read_person_csv
from platform_assets.people.validate import validate_persons
from tests.people.person_files import csv_bytes, dirty_file


def valid_rows(data: bytes) -> pd.DataFrame:
    return validate_persons(read_person_csv(io.BytesIO(data), "k")).valid


def load(postgres, data: bytes):
    with postgres.connection() as conn:
        return load_persons(conn, valid_rows(data))


def persons(postgres):
    with postgres.connection() as conn:
        return conn.execute(
            "select p.id, p.first_name, p.last_name, p.email, g.gender_type "
            "from person p left join gender g on g.id = p.gender_id order by p.id"
        ).fetchall()


def person_ips(postgres):
    with postgres.connection() as conn:
        return conn.execute(
            "select p.email, host(pi.ip) from person_ip pi "
            "join person p on p.id = pi.person_id order by 1, 2"
        ).fetchall()


def genders(postgres):
    with postgres.connection() as conn:
        return [r[0] for r in conn.execute("select gender_type from gender order by id")]


SEEDED = [
    "genderfluid",
    "bigender",
    "male",
    "non-binary",
    "female",
    "agender",
    "genderqueer",
    "polygender",
]


def test_dirty_file_exact_contents(postgres, clean_postgres):
    counts = load(postgres, dirty_file())
    assert counts.as_dict() == {
        "genders_inserted": 1,
        "persons_inserted": 5,
        "persons_updated": 0,
        "person_ips_inserted": 6,
    }
    assert persons(postgres) == [
        (1, "Ana", "Silva", "ana.silva@example.com", "female"),
        (2, "Dee", "Low", "dee@example.com", None),
        (3, "Zoë", "Ñúñez-Łukasz", "zoe@example.com", "genderfluid"),
        (4, "Liam", "O'Brien", "liam@example.com", "male"),
        (5, "Later", "Winner", "dup@example.com", "xenogender"),
    ]
    assert person_ips(postgres) == [
        ("ana.silva@example.com", "10.0.0.1"),
        ("dee@example.com", "2001:db8::1"),
        ("dup@example.com", "10.1.1.1"),
        ("dup@example.com", "10.1.1.2"),
        ("liam@example.com", "172.16.0.1"),
        ("zoe@example.com", "192.168.1.10"),
    ]
    assert genders(postgres) == SEEDED + ["xenogender"]


def test_rerun_changes_nothing(postgres, clean_postgres):
    load(postgres, dirty_file())
    before = (persons(postgres), person_ips(postgres), genders(postgres))
    counts = load(postgres, dirty_file())
    assert counts.as_dict() == {
        "genders_inserted": 0,
        "persons_inserted": 0,
        "persons_updated": 0,
        "person_ips_inserted": 0,
    }
    assert (persons(postgres), person_ips(postgres), genders(postgres)) == before
    with postgres.connection() as conn:
        # No sequence value consumed by the no-op rerun: the next person gets id 6.
        assert conn.execute("select last_value from person_id_seq").fetchone()[0] == 5


def test_later_file_updates_person_and_accumulates_ips(postgres, clean_postgres):
    load(postgres, dirty_file())
    later = csv_bytes(
        [
            ["x", "Anna", "Silva-Lee", "ana.silva@example.com", "Polygender", "10.0.0.99"],
            ["y", "Dee", "Low", "dee@example.com", "", "2001:db8::1"],
        ]
    )
    counts = load(postgres, later)
    assert counts.as_dict() == {
        "genders_inserted": 0,
        "persons_inserted": 0,
        "persons_updated": 1,
        "person_ips_inserted": 1,
    }
    assert persons(postgres)[0] == (1, "Anna", "Silva-Lee", "ana.silva@example.com", "polygender")
    assert [ip for email, ip in person_ips(postgres) if email == "ana.silva@example.com"] == [
        "10.0.0.1",
        "10.0.0.99",
    ]


def test_sample_file(postgres, clean_postgres, sample_data):
    data = (sample_data / "mockaroo-person" / "MOCK_DATA.csv").read_bytes()
    counts = load(postgres, data)
    assert counts.persons_inserted == 1000 and counts.person_ips_inserted == 1000
    assert counts.genders_inserted == 0  # the eight sample genders are the seeded ones
    with postgres.connection() as conn:
        by_gender = dict(
            conn.execute(
                "select g.gender_type, count(*) from person p "
                "join gender g on g.id = p.gender_id group by 1"
            )
        )
        first = conn.execute(
            "select first_name, last_name, email from person where id = 1"
        ).fetchone()
    assert by_gender == {
        "male": 445,
        "female": 441,
        "polygender": 26,
        "bigender": 24,
        "genderqueer": 20,
        "agender": 17,
        "non-binary": 16,
        "genderfluid": 11,
    }
    assert first == ("Melissa", "Pearch", "mpearch0@bravesites.com")
    assert load(postgres, data).as_dict() == {
        "genders_inserted": 0,
        "persons_inserted": 0,
        "persons_updated": 0,
        "person_ips_inserted": 0,
    }


def test_failure_rolls_back_the_whole_file(postgres, clean_postgres):
    with pytest.raises(RuntimeError):
        with postgres.connection() as conn:
            load_persons(conn, valid_rows(dirty_file()))
            raise RuntimeError("crash after the load, before commit")
    assert persons(postgres) == [] and genders(postgres) == SEEDED
