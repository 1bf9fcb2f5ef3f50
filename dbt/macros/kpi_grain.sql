{#
  The columns of the grain of a period-grained KPI relation, comma-separated, for both the select list
  and the group by of the query that aggregates it:
    select {{ kpi_grain() }}, sum(requests) as requests from daily_by_period group by {{ kpi_grain() }}
  gives commune_id, period_type, period, period_start, period_end, breakdown, breakdown_value.

  Arguments:
    relation         optional CTE or relation name to qualify every column with (relation.column)
    with_breakdown   false to stop at period_end (a relation of the commune as a whole)
#}
{% macro kpi_grain(relation=none, with_breakdown=true) -%}
    {%- set columns = ['commune_id', 'period_type', 'period', 'period_start', 'period_end'] -%}
    {%- if with_breakdown -%}
        {%- set columns = columns + ['breakdown', 'breakdown_value'] -%}
    {%- endif -%}
    {%- set prefix = relation ~ '.' if relation is not none else '' -%}
    {%- for column in columns -%}
        {{ prefix ~ column }}{{ ',\n        ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
