{#- Logins without their PII: masked device id only; the encrypted columns stay behind. -#}
{{ config(materialized='view') }}
select
  user_id,
  device_type,
  masked_device_id,
  app_version,
  app_version_num,
  create_date
from {{ source('app', 'user_logins') }}
