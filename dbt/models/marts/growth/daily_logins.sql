select
  create_date as login_date,
  device_type,
  count(*)::bigint as logins,
  count(distinct user_id)::bigint as users
from {{ ref('stg_user_logins') }}
group by create_date, device_type
