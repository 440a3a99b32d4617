"""Teams and their Postgres schemas (dbt/teams.yaml), and the roles that give them access.

``apply_team_access`` makes the database match the file exactly: one NOLOGIN role per team,
``sluice_team_<team>``, with USAGE and SELECT (current and future tables) on the team's own
schemas and on nothing else. A role of a team no longer in the file keeps existing (roles
are cluster-wide; other databases may use it) but loses every grant in this database.
No Dagster here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg
import yaml
from psycopg import sql

from platform_assets.marts.project import DBT_DIR

TEAMS_FILE = DBT_DIR / "teams.yaml"
ROLE_PREFIX = "sluice_team_"
_NAME = re.compile(r"[a-z][a-z0-9_]{0,40}")


class TeamsFileError(ValueError):
    """The teams file is malformed; the message names the file, the entry and the reason."""


@dataclass(frozen=True)
class Team:
    name: str
    schemas: tuple[str, ...]

    @property
    def role(self) -> str:
        return f"{ROLE_PREFIX}{self.name}"


def load_teams(path: Path = TEAMS_FILE) -> list[Team]:
    try:
        body = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as err:
        raise TeamsFileError(f"{path}: cannot read the teams file: {err}") from None
    entries = body.get("teams")
    if not isinstance(entries, dict):
        raise TeamsFileError(f"{path}: expected a mapping 'teams: {{<team>: {{schemas: [...]}}}}'")
    teams = []
    for name, entry in entries.items():
        schemas = (entry or {}).get("schemas") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise TeamsFileError(
                f"{path}: team {name!r}: names are lowercase letters, digits and _"
            )
        if not isinstance(schemas, list) or not schemas:
            raise TeamsFileError(f"{path}: team {name!r}: 'schemas' must be a non-empty list")
        for schema in schemas:
            if not isinstance(schema, str) or not _NAME.fullmatch(schema):
                raise TeamsFileError(
                    f"{path}: team {name!r}: schema {schema!r} is not a plain lowercase name"
                )
        teams.append(Team(name, tuple(schemas)))
    return teams


def teams_file_version(path: Path = TEAMS_FILE) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _ensure_role(conn: psycopg.Connection, role: str) -> None:
    # Roles are cluster-wide: another database's run may create it at the same moment.
    with conn.transaction():
        exists = conn.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone()
        if exists:
            return
        try:
            with conn.transaction():
                conn.execute(sql.SQL("create role {} nologin").format(sql.Identifier(role)))
        except psycopg.errors.DuplicateObject:
            pass


def apply_team_access(postgres_url: str, teams: list[Team]) -> dict[str, list[str]]:
    """Grant each team's role its schemas and revoke everything else; returns role -> schemas."""
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for team in teams:
            _ensure_role(conn, team.role)
        wanted = {team.role: set(team.schemas) for team in teams}
        stale = [
            name
            for (name,) in conn.execute(
                "select rolname from pg_roles where rolname like %s",
                (ROLE_PREFIX.replace("_", r"\_") + "%",),
            ).fetchall()
            if name not in wanted
        ]
        with conn.transaction():
            for team in teams:
                for schema in team.schemas:
                    conn.execute(
                        sql.SQL("create schema if not exists {}").format(sql.Identifier(schema))
                    )
            schemas = [
                name
                for (name,) in conn.execute(
                    "select nspname from pg_namespace where nspname !~ '^pg_' and nspname <> "
                    "'information_schema'"
                ).fetchall()
            ]
            for role in [*wanted, *stale]:
                allowed = wanted.get(role, set())
                for schema in schemas:
                    _set_access(conn, role, schema, schema in allowed)
    return {role: sorted(schemas) for role, schemas in wanted.items()} | {
        role: [] for role in stale
    }


def _set_access(conn: psycopg.Connection, role: str, schema: str, granted: bool) -> None:
    names = {"schema": sql.Identifier(schema), "role": sql.Identifier(role)}
    statements = (
        [
            "grant usage on schema {schema} to {role}",
            "grant select on all tables in schema {schema} to {role}",
            # Tables the publisher (this user) creates later are readable too.
            "alter default privileges in schema {schema} grant select on tables to {role}",
        ]
        if granted
        else [
            "revoke all on all tables in schema {schema} from {role}",
            "revoke all on schema {schema} from {role}",
            "alter default privileges in schema {schema} revoke all on tables from {role}",
        ]
    )
    for statement in statements:
        conn.execute(sql.SQL(statement).format(**names))
