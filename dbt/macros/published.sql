{#-
  published: build the model in the in-memory DuckDB, then publish it into Postgres (the
  attached app database) in ONE Postgres transaction:
    - the schema and table are created if missing, with the column types declared in the
      model's yml (data_type, Postgres types), an index on the partition column, and the
      indexes of config lookup_indexes (readers' keys: {'columns': [...], 'include': [...]});
    - the table is locked against other publishers (readers are never blocked), so two runs
      of the same date cannot interleave their delete and insert;
    - partitioned marts (config partition_column) delete exactly the run's dates
      [min_date, max_date) and insert the new rows; other marts replace every row.
  Readers see the old rows until the commit, then the new ones.
-#}
{% materialization published, adapter='duckdb' %}
  {%- set target_relation = this.incorporate(type='table') -%}
  {%- set partition_column = config.get('partition_column') -%}
  {%- set pg_table = this.schema ~ '.' ~ this.identifier -%}
  {%- set staged = this.identifier ~ '__published' -%}
  {%- set columns = model.columns.values() | list -%}
  {%- if not columns -%}
    {{ exceptions.raise_compiler_error("published model " ~ this.identifier ~ " declares no columns (name, data_type) in its yml") }}
  {%- endif -%}
  {%- set column_names = columns | map(attribute='name') | join(', ') -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}

  {#- DuckDB lets one transaction write to one database: stage in memory and commit first. -#}
  {% call statement('stage') -%}
    create or replace temp table {{ staged }} as
    select {{ column_names }} from ({{ sql }}) as model_sql
  {%- endcall %}
  {% do adapter.commit() %}

  {%- set ddl -%}
    create schema if not exists {{ this.schema }};
    create table if not exists {{ pg_table }} (
      {%- for column in columns %}
      {{ column.name }} {{ column.data_type }}{{ "," if not loop.last }}
      {%- endfor %}
    );
    {%- if partition_column %}
    create index if not exists {{ this.identifier }}_{{ partition_column }}_i on {{ pg_table }} ({{ partition_column }});
    {%- endif %}
    {%- for index in config.get('lookup_indexes', []) %}
    create index if not exists {{ this.identifier }}_{{ index['columns'] | join('_') }}_i on {{ pg_table }} ({{ index['columns'] | join(', ') }}){% if index.get('include') %} include ({{ index['include'] | join(', ') }}){% endif %};
    {%- endfor %}
  {%- endset %}
  {%- if partition_column -%}
    {%- set delete_filter = partition_column ~ " >= date '" ~ var('min_date') ~ "' and " ~ partition_column ~ " < date '" ~ var('max_date') ~ "'" -%}
  {%- else -%}
    {%- set delete_filter = 'true' -%}
  {%- endif -%}

  {#- Idempotent DDL, committed on its own so DuckDB's catalog of app_db can see the table. -#}
  {% call statement('create_table', auto_begin=False) -%}
    call postgres_execute('{{ this.database }}', '{{ ddl | replace("'", "''") }}');
    call pg_clear_cache();
  {%- endcall %}

  {% call statement('main', auto_begin=False) -%}
    begin;
    call postgres_execute('{{ this.database }}', 'lock table {{ pg_table }} in share row exclusive mode');
    call postgres_execute('{{ this.database }}', 'delete from {{ pg_table }} where {{ delete_filter | replace("'", "''") }}');
    insert into {{ target_relation }} ({{ column_names }}) select {{ column_names }} from {{ staged }};
    commit;
  {%- endcall %}

  {% call statement('drop_staged', auto_begin=False) -%}
    drop table if exists {{ staged }}
  {%- endcall %}

  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
