{#- Rows whose column exceeds another column of the same row. -#}
{% test at_most_column(model, column_name, other) %}
select {{ column_name }}, {{ other }} from {{ model }} where {{ column_name }} > {{ other }}
{% endtest %}
