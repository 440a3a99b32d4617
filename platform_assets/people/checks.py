"""Checks over the whole person tables (not per file)."""

from dagster import AssetCheckResult, asset_check

from platform_assets.people.assets import PERSON
from resources.postgres import PostgresResource


@asset_check(
    asset=PERSON,
    description=(
        "Every stored email is trimmed and lowercase, so upserts by email cannot miss a match."
    ),
)
def person_emails_normalised(postgres: PostgresResource) -> AssetCheckResult:
    with postgres.connection() as conn:
        bad = conn.execute(
            "select count(*) from person where email <> lower(btrim(email))"
        ).fetchone()[0]
        total = conn.execute("select count(*) from person").fetchone()[0]
    return AssetCheckResult(
        passed=bad == 0, metadata={"persons": total, "non_normalised_emails": bad}
    )
