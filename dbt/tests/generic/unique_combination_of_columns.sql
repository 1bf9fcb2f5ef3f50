{#
  Fails for each combination of the given columns that occurs more than once (nulls count as values).
  A package-free stand-in for dbt_utils.unique_combination_of_columns.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

{%- set columns_csv = combination_of_columns | join(', ') %}

select
    {{ columns_csv }},
    count(*) as occurrences
from {{ model }}
group by {{ columns_csv }}
having count(*) > 1

{% endtest %}
