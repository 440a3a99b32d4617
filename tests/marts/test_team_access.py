"""Each team's role reads its own schema and nothing else; a team removed from the file
loses its grants. Checked by logging in as a real member of each role."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from platform_assets.marts.teams import Team, TeamsFileError, apply_team_access, load_teams

TEAM_TABLES = {
    "product": "product.events_daily",
    "engagement": "engagement.user_daily_activity",
    "growth": "growth.daily_logins",
    "trust": "trust.shared_devices",
    "crm": "crm.persons_by_gender",
}
RAW_TABLES = ["public.person", "public.person_ip", "public.user_logins"]


def as_user(url: str, user: str) -> str:
    """The same server and database as another user (TCP or Unix-socket URLs alike)."""
    return make_conninfo(url, user=user)


@pytest.fixture
def member(marts_world):
    """Make a login user, member of one team's role; dropped afterwards."""
    made = []

    def make(team: str) -> str:
        name = f"sluice_member_{team}_{uuid.uuid4().hex[:6]}"
        with psycopg.connect(marts_world.postgres_url, autocommit=True) as conn:
            conn.execute(sql.SQL("create role {} login").format(sql.Identifier(name)))
            conn.execute(
                sql.SQL("grant {} to {}").format(
                    sql.Identifier(f"sluice_team_{team}"), sql.Identifier(name)
                )
            )
        made.append(name)
        return as_user(marts_world.postgres_url, name)

    yield make
    with psycopg.connect(marts_world.postgres_url, autocommit=True) as conn:
        for name in made:
            conn.execute(sql.SQL("drop role {}").format(sql.Identifier(name)))


def readable(url: str, table: str) -> bool:
    with psycopg.connect(url) as conn:
        try:
            conn.execute(f"select count(*) from {table}").fetchone()
            return True
        except psycopg.errors.InsufficientPrivilege:
            return False


def test_each_team_reads_its_own_schema_only(marts_world, member):
    for team, own in TEAM_TABLES.items():
        url = member(team)
        assert readable(url, own), team
        for other_team, other in TEAM_TABLES.items():
            if other_team != team:
                assert not readable(url, other), (team, other)
        for raw in RAW_TABLES:
            assert not readable(url, raw), (team, raw)


def test_a_table_created_later_is_readable_and_a_removed_team_loses_its_grants(marts_world, member):
    url = member("trust")
    with psycopg.connect(marts_world.postgres_url, autocommit=True) as conn:
        conn.execute("create table trust.later_mart as select 1 as n")
    try:
        assert readable(url, "trust.later_mart")  # default privileges: future tables too
        teams = [team for team in load_teams() if team.name != "trust"]
        access = apply_team_access(marts_world.postgres_url, teams)
        assert access["sluice_team_trust"] == []
        assert not readable(url, "trust.shared_devices") and not readable(url, "trust.later_mart")
        assert readable(member("growth"), "growth.daily_logins")  # the others keep theirs
    finally:
        apply_team_access(marts_world.postgres_url, load_teams())
        with psycopg.connect(marts_world.postgres_url, autocommit=True) as conn:
            conn.execute("drop table trust.later_mart")
    assert readable(url, "trust.shared_devices")


def test_a_malformed_teams_file_names_the_team_and_the_reason(tmp_path):
    path = tmp_path / "teams.yaml"
    path.write_text("teams:\n  Growth Team:\n    schemas: [growth]\n")
    with pytest.raises(TeamsFileError, match="Growth Team"):
        load_teams(path)
    path.write_text("teams:\n  growth:\n    schemas: []\n")
    with pytest.raises(TeamsFileError, match="'schemas' must be a non-empty list"):
        load_teams(path)
    path.write_text(
        "teams:\n  growth:\n    schemas: [growth]\n  trust:\n    schemas: [trust, fraud]\n"
    )
    assert load_teams(path) == [Team("growth", ("growth",)), Team("trust", ("trust", "fraud"))]
