{#- One row per person with their gender's name (null when the person has none). -#}
{{ config(materialized='view') }}
select
  person.id as person_id,
  gender.gender_type as gender
from {{ source('app', 'person') }} as person
left join {{ source('app', 'gender') }} as gender on gender.id = person.gender_id
