{{ config(partition_column='event_date', unique_key=['user_id', 'event_date', 'event_type']) }}
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
