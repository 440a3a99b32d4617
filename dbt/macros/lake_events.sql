{#- The lake's events of the given event dates, read from exactly those dates' files:
    one glob per date (lake/events/event_type=*/event_date=D/event_hour=*/*.parquet), and
    only the dates that have files (DuckDB fails a glob that matches nothing). Files written
    before the lake had user_id read it as null (union by name). Only files that a committed
    arrival-hour manifest lists are read (platform_assets/lake_files.py): a glob alone could
    see part of an hour being published. -#}
{% macro lake_events(lake_uri, dates) -%}
  {%- if lake_uri == '' and execute -%}
    {{ exceptions.raise_compiler_error("the lake_uri var is not set") }}
  {%- endif -%}
  {%- set present = [] -%}
  {%- if execute -%}
    {%- for day in dates -%}
      {%- set pattern = lake_uri ~ '/*/event_date=' ~ day ~ '/*/*.parquet' -%}
      {%- set found = run_query("select count(*) from glob('" ~ pattern | replace("'", "''") ~ "')") -%}
      {%- if found.columns[0].values()[0] > 0 -%}
        {%- do present.append(pattern) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
  {%- if present -%}
    {%- set root = lake_uri[:-('lake/events' | length)] | replace("'", "''") -%}
    select event_id, event_type, event_date, created_at, user_id
    from (
      from read_parquet(
        [{%- for pattern in present -%}'{{ pattern | replace("'", "''") }}'{{ ", " if not loop.last }}{%- endfor -%}],
        hive_partitioning = true, union_by_name = true, filename = true,
        hive_types = {'event_type': varchar, 'event_date': date, 'event_hour': integer}
      )
      union all by name
      select null::varchar as user_id, null::varchar as filename where false
    )
    where filename in (
      select '{{ root }}' || unnest(lake_files)
      from read_json(
        '{{ root }}state/events/manifests/*.json', format = 'auto',
        columns = {'complete': 'BOOLEAN', 'planned': 'VARCHAR[]', 'lake_files': 'VARCHAR[]'}
      )
      where complete or planned is not null
    )
  {%- else -%}
    select null::varchar as event_id, null::varchar as event_type, null::date as event_date,
           null::timestamptz as created_at, null::varchar as user_id
    where false
  {%- endif -%}
{%- endmacro %}
