{#- Devices (by masked id: the raw id never leaves user_logins) used by 2+ distinct users. -#}
select
  masked_device_id,
  count(distinct user_id)::bigint as users,
  count(*)::bigint as logins,
  min(create_date) as first_seen,
  max(create_date) as last_seen
from {{ ref('stg_user_logins') }}
group by masked_device_id
having count(distinct user_id) >= 2
