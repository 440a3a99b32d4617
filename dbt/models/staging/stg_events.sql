{#- The valid lake events of the run's event dates (UTC dates of created_at, the lake's
    event_date directory), with the columns the event marts need. A table in the run's
    in-memory DuckDB: read once, used by every event mart of the run. -#}
{{ config(materialized='table', tags=['events']) }}
-- depends_on: {{ source('lake', 'events') }}
{{ lake_events(var('lake_uri'), event_dates()) }}
