select
  app_version,
  max(app_version_num)::bigint as app_version_num,
  count(distinct user_id)::bigint as users,
  count(*)::bigint as logins,
  max(create_date) as last_seen
from {{ ref('stg_user_logins') }}
group by app_version
