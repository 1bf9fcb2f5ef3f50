{#
  The last local date any reporting period containing `date_expression` ends on: the end of its year,
  or the Sunday of its ISO week when that week runs into the next year (2024-12-30 is in 2025-W01,
  which ends on 2025-01-05). Months, quarters and rolling windows end within the year. The service
  catalogue KPIs are reported at each period's end, so the days they need run up to this date.
#}
{% macro last_period_end(date_expression) -%}
    case
        when cast({{ dbt.dateadd('day', 6, dbt.date_trunc('week', date_expression)) }} as date)
            > cast({{ dbt.last_day(date_expression, 'year') }} as date)
            then cast({{ dbt.dateadd('day', 6, dbt.date_trunc('week', date_expression)) }} as date)
        else cast({{ dbt.last_day(date_expression, 'year') }} as date)
    end
{%- endmacro %}
