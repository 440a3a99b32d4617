{#- The event dates of this run: [min_date, max_date), as YYYY-MM-DD strings. -#}
{% macro event_dates() -%}
  {%- if var('min_date') == '' or var('max_date') == '' -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {{ exceptions.raise_compiler_error("event models need --vars min_date and max_date (YYYY-MM-DD, max exclusive)") }}
  {%- endif -%}
  {%- set first = modules.datetime.date.fromisoformat(var('min_date')) -%}
  {%- set end = modules.datetime.date.fromisoformat(var('max_date')) -%}
  {%- set dates = [] -%}
  {%- for offset in range((end - first).days) -%}
    {%- do dates.append((first + modules.datetime.timedelta(days=offset)).isoformat()) -%}
  {%- endfor -%}
  {{ return(dates) }}
{%- endmacro %}


