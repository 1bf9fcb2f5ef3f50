{#
  The contact-centre KPIs of KPIS.md, one long table (gold `kpi_contact_centre`) in the KPI format
  (models/_kpi_format.md): per commune, period and breakdown ('all', and 'queue'), each figure with
  its numerator and denominator so that it can be re-aggregated and audited.

  The two means (average_speed_of_answer, average_handle_time) have a value computed from the exact
  total of seconds (total / answered calls with a known time); their numerator is that total rounded to
  whole seconds, as the format's numerator is an integer.
#}

with

period_counts as (

    select * from {{ ref('int_calls__period_counts') }}

),

kpis as (

    {%- set kpis = [
        ('calls_offered', 'calls_offered', none, 'count'),
        ('calls_answered', 'calls_answered', none, 'count'),
        ('calls_abandoned', 'calls_abandoned', none, 'count'),
        ('calls_short_abandoned', 'calls_short_abandoned', none, 'count'),
        ('abandonment_rate', 'calls_abandoned', 'calls_offered', 'share'),
        ('service_level', 'calls_answered_within_threshold',
            'calls_answered + calls_abandoned_after_threshold', 'share'),
        ('average_speed_of_answer', 'answered_wait_seconds', 'answered_with_wait', 'seconds'),
        ('average_handle_time', 'answered_talk_seconds', 'answered_with_talk', 'seconds'),
    ] %}
    {%- for kpi_name, numerator, denominator, unit in kpis %}

    select
        commune_id,
        period_type,
        period,
        period_start,
        period_end,
        '{{ kpi_name }}' as kpi_name,
        breakdown,
        breakdown_value,
        {%- if unit == 'seconds' %}
        -- the total of seconds, rounded: the value below is the exact mean
        cast(round({{ numerator }}) as bigint) as numerator,
        {%- else %}
        cast({{ numerator }} as bigint) as numerator,
        {%- endif %}
        {%- if denominator is none %}
        cast(null as bigint) as denominator,
        cast({{ numerator }} as double) as value,
        {%- else %}
        cast({{ denominator }} as bigint) as denominator,
        {{ safe_ratio(numerator, denominator) }} as value,
        {%- endif %}
        '{{ unit }}' as unit,
        cast(null as {{ dbt.type_string() }}) as detail

    from period_counts
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

)

select * from kpis
