"""The marts built through the real assets equal an independent computation, exactly; a date
re-run changes nothing; a late event refreshes exactly its own date; checks report."""

from __future__ import annotations

import json

import psycopg
from dagster import AssetKey, DagsterEventType, EventRecordsFilter, build_sensor_context

from platform_assets.marts.reconcile import reconcile
from tests.events.conftest import event, land, ms
from tests.fixtures.marts_world import (
    END_DATE,
    EVENT_DATES,
    FIRST_DATE,
    run_event_marts,
    run_table_marts,
)
from tests.marts.expected import EVENT_MARTS, TABLE_MARTS, lake_marts, published, table_marts


def check_evaluations(instance, after_storage_id: int = 0) -> dict[str, list[bool]]:
    records = instance.event_log_storage.get_event_records(
        EventRecordsFilter(event_type=DagsterEventType.ASSET_CHECK_EVALUATION)
    )
    results: dict[str, list[bool]] = {}
    for record in (r for r in records if r.storage_id > after_storage_id):
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        results.setdefault(
            f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}", []
        ).append(evaluation.passed)
    return results


def test_event_marts_equal_an_independent_computation_over_the_lake(marts_world):
    expected = lake_marts(marts_world.lake_dir, FIRST_DATE, END_DATE)
    for table in EVENT_MARTS:
        assert published(marts_world.postgres_url, table) == expected[table], table
    daily = expected["product.events_daily"]
    assert {row[0].isoformat() for row in daily} == set(EVENT_DATES)
    assert (
        sum(row[2] for row in daily) > 5000
        and len(expected["engagement.user_daily_activity"]) > 1000
    )


def test_event_marts_have_the_contract_types(marts_world):
    with psycopg.connect(marts_world.postgres_url) as conn:
        columns = conn.execute(
            "select table_schema || '.' || table_name, column_name, data_type "
            "from information_schema.columns "
            "where table_schema in ('product', 'engagement') "
            "order by table_schema, table_name, ordinal_position"
        ).fetchall()
    assert [c[1:] for c in columns if c[0] == "product.events_daily"] == [
        ("event_date", "date"),
        ("event_type", "text"),
        ("events", "bigint"),
        ("users", "bigint"),
    ]
    assert [c[1:] for c in columns if c[0] == "engagement.user_daily_activity"] == [
        ("user_id", "text"),
        ("event_date", "date"),
        ("event_type", "text"),
        ("events", "bigint"),
        ("first_event_at", "timestamp with time zone"),
        ("last_event_at", "timestamp with time zone"),
    ]


def test_table_marts_equal_sql_over_the_tables(marts_world):
    expected = table_marts(marts_world.postgres_url)
    for table in TABLE_MARTS:
        assert published(marts_world.postgres_url, table) == expected[table], table
    assert expected["trust.shared_devices"] and ("unknown", 2) in expected["crm.persons_by_gender"]


def test_dbt_tests_and_the_reconciliation_ran_as_checks(marts_world):
    results = check_evaluations(marts_world.instance)
    assert results["product/events_daily:events_match_lake"] == [True]
    dbt_checks = {name for name in results if "unique_combination" in name or "not_null" in name}
    assert {name.split(":")[0] for name in dbt_checks} >= {
        "product/events_daily",
        "engagement/user_daily_activity",
        "growth/daily_logins",
    }
    assert all(all(passed) for passed in results.values()), results


def test_rerunning_a_date_changes_nothing_even_without_its_staging_model(marts_world):
    """Marts selected without stg_events: the run builds it in its DuckDB, reports only the
    marts."""
    from dagster import materialize

    from platform_assets.marts.assets import event_marts

    before = {table: published(marts_world.postgres_url, table) for table in EVENT_MARTS}
    marts = [AssetKey(["product", "events_daily"]), AssetKey(["engagement", "user_daily_activity"])]
    result = materialize(
        [event_marts],
        selection=marts,
        partition_key="2025-01-02",
        instance=marts_world.instance,
        resources=marts_world.resources(),
    )
    assert {m.asset_key for m in result.asset_materializations_for_node("event_marts")} == set(
        marts
    )
    assert {table: published(marts_world.postgres_url, table) for table in EVENT_MARTS} == before


def test_a_late_event_refreshes_exactly_its_own_date(marts_world):
    from sensors.marts import marts_event_dates_sensor

    instance, url = marts_world.instance, marts_world.postgres_url
    cursor = instance.fetch_materializations(AssetKey("events_lake"), limit=1).records[0].storage_id
    others = "event_date <> date '2025-01-02'"
    before = {table: published(url, table, others) for table in EVENT_MARTS}
    from datetime import UTC, datetime

    created = ms(datetime(2025, 1, 2, 12, tzinfo=UTC), 30)
    land(
        marts_world.storage,
        datetime(2025, 1, 4, 5, tzinfo=UTC),
        "late.jsonl",
        [event("late-1", "user_created", created_at=created, user_id="late-user")],
    )
    from tests.fixtures.marts_world import ingest_event_hours

    ingest_event_hours(marts_world, "2025-01-04-05:00", "2025-01-04-05:00")
    metadata = instance.get_latest_materialization_event(
        AssetKey("events_lake")
    ).asset_materialization.metadata
    assert metadata["event_dates"].value == ["2025-01-02"]

    context = build_sensor_context(
        instance=instance, cursor=str(cursor), resources={"storage": marts_world.storage}
    )
    result = marts_event_dates_sensor(context)
    assert [request.partition_key for request in result.run_requests] == ["2025-01-02"]
    run_event_marts(marts_world, "2025-01-02", "2025-01-02")

    assert {table: published(url, table, others) for table in EVENT_MARTS} == before  # untouched
    expected = lake_marts(marts_world.lake_dir, FIRST_DATE, END_DATE)
    for table in EVENT_MARTS:
        assert published(url, table) == expected[table], table
    (late,) = published(url, "engagement.user_daily_activity", "user_id = 'late-user'")
    assert late[:4] == ("late-user", __import__("datetime").date(2025, 1, 2), "user_created", 1)


def test_a_failing_dbt_test_is_a_failed_check(marts_world):
    url = marts_world.postgres_url
    with psycopg.connect(url) as conn:  # a device type the growth team does not know
        conn.execute(
            "insert into user_logins (message_id, user_id, device_type, masked_ip, "
            "masked_device_id, "
            "app_version, app_version_num, create_date, encrypted_ip, encrypted_device_id, "
            "mask_key_id, "
            "arrival_hour, source_key, source_line) values ('bad-1', 'user-1', 'toaster', "
            "'m', 'md', "
            "'1.0', 1000000, '2025-01-02', 'e', 'e', 'k0000000', now(), 'test', 1)"
        )
    try:
        result = run_table_marts(marts_world, raise_on_error=False)
        failed = [
            f"{e.asset_key.to_user_string()}:{e.check_name}"
            for e in result.get_asset_check_evaluations()
            if not e.passed
        ]
        assert len(failed) == 1 and failed[0].startswith(
            "growth/daily_logins:accepted_values_daily_logins_device_type"
        ), failed
        assert not result.success  # dbt build fails with its test; the other marts still built
    finally:
        with psycopg.connect(url) as conn:
            conn.execute("delete from user_logins where message_id = 'bad-1'")
        run_table_marts(marts_world)
    assert published(url, "growth.daily_logins") == table_marts(url)["growth.daily_logins"]


def test_reconciliation_reports_each_mismatched_date():
    from datetime import date

    counts = reconcile({date(2025, 1, 1): 5, date(2025, 1, 2): 7}, {date(2025, 1, 1): 5})
    assert [(c.event_date.day, c.matches) for c in counts] == [(1, True), (2, False)]


def test_materializations_carry_dbt_metadata(marts_world):
    event = marts_world.instance.get_latest_materialization_event(
        AssetKey(["product", "events_daily"])
    )
    assert event.asset_materialization.partition in EVENT_DATES
    assert (
        json.dumps(event.asset_materialization.metadata["unique_id"].value).count("events_daily")
        == 1
    )
