{#
  Helpers of the processing and bottleneck models (models/intermediate/case_events, marts/processing).
#}


{#
  Seconds from `start_timestamp` to `end_timestamp` as a double, to the millisecond (event logs carry
  milliseconds; a whole-second difference would round a 43-minute median). Portable: dbt.datediff.
#}
{% macro seconds_between(start_timestamp, end_timestamp) -%}
    (cast({{ dbt.datediff(start_timestamp, end_timestamp, 'millisecond') }} as double) / 1000.0)
{%- endmacro %}


{#
  The age bucket of a backlog case, from its age in whole days at the period end (KPIS.md: 0-7, 8-30,
  31-90, over 90 days; both bounds of a bucket inclusive).
#}
{% macro backlog_age_bucket(age_days) -%}
    case
        when {{ age_days }} <= 7 then '0-7'
        when {{ age_days }} <= 30 then '8-30'
        when {{ age_days }} <= 90 then '31-90'
        else 'over 90'
    end
{%- endmacro %}
