{#
  One KPI of a period-grained relation as rows of the long KPI format (models/_kpi_format.md):
    {{ kpi_select('booking_kpis', 'appointments_online_share', 'share', 'booked_online', 'booked') }}
  gives, for every row of booking_kpis, commune_id, period_type, period, period_start, period_end,
  kpi_name, breakdown, breakdown_value, numerator, denominator, value, unit and detail, in that order, so
  that the selects of a KPI model can be chained with `union all`.

  Arguments (SQL expressions over the relation's columns, unless said otherwise):
    relation         the CTE or relation to read; it has commune_id and the period columns
    kpi_name, unit   literals (unit: count, share, seconds, days, citizens)
    numerator        the numerator (cast to bigint)
    denominator      the denominator (cast to bigint); none for a plain count
    value            the value; by default numerator / denominator (safe_ratio) when there is a
                     denominator, else the numerator (a count)
    breakdown, breakdown_value
                     by default the relation's own columns of those names; pass "'all'" for a relation
                     of the commune as a whole
    detail           text qualifying the row; null by default
#}
{% macro kpi_select(relation, kpi_name, unit, numerator, denominator=none, value=none,
                    breakdown='breakdown', breakdown_value='breakdown_value', detail=none) -%}
    {%- if value is none -%}
        {%- set value = civiclake.safe_ratio(numerator, denominator) if denominator is not none
                        else 'cast(' ~ numerator ~ ' as double)' -%}
    {%- endif %}
    select
        commune_id,
        period_type,
        period,
        period_start,
        period_end,
        {{ dbt.string_literal(kpi_name) }} as kpi_name,
        {{ breakdown }} as breakdown,
        {{ breakdown_value }} as breakdown_value,
        cast({{ numerator if numerator is not none else 'null' }} as bigint) as numerator,
        cast({{ denominator if denominator is not none else 'null' }} as bigint) as denominator,
        cast({{ value }} as double) as value,
        {{ dbt.string_literal(unit) }} as unit,
        cast({{ detail if detail is not none else 'null' }} as {{ dbt.type_string() }}) as detail

    from {{ relation }}
{%- endmacro %}
