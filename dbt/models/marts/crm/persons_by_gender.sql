select
  coalesce(gender, 'unknown') as gender,
  count(*)::bigint as persons
from {{ ref('stg_persons') }}
group by coalesce(gender, 'unknown')
