{#- Rows whose column is below min_value (nulls are not_null's business). -#}
{% test at_least(model, column_name, min_value) %}
select {{ column_name }} from {{ model }} where {{ column_name }} < {{ min_value }}
{% endtest %}
