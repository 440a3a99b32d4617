{{ config(partition_column='event_date', unique_key=['event_date', 'event_type']) }}
select
  event_date,
  event_type,
  count(*)::bigint as events,
  count(distinct user_id)::bigint as users
from {{ ref('stg_events') }}
group by event_date, event_type
