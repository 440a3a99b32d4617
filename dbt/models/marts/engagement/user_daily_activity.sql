{#- lookup_indexes: the serving API's stats route reads one user's dates, an index range
    scan; events included so it needs no heap visit for the counts it returns. -#}
{{ config(
    partition_column='event_date',
    unique_key=['user_id', 'event_date', 'event_type'],
    lookup_indexes=[{'columns': ['user_id', 'event_date', 'event_type'], 'include': ['events']}],
) }}
select
  user_id,
  event_date,
  event_type,
  count(*)::bigint as events,
  min(created_at) as first_event_at,
  max(created_at) as last_event_at
from {{ ref('stg_events') }}
where user_id is not null
group by user_id, event_date, event_type
