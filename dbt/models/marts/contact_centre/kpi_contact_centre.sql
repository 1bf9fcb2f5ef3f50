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

    {{ kpi_select('period_counts', 'calls_offered', 'count', 'calls_offered') }}
    union all
    {{ kpi_select('period_counts', 'calls_answered', 'count', 'calls_answered') }}
    union all
    {{ kpi_select('period_counts', 'calls_abandoned', 'count', 'calls_abandoned') }}
    union all
    {{ kpi_select('period_counts', 'calls_short_abandoned', 'count', 'calls_short_abandoned') }}
    union all
    {{ kpi_select('period_counts', 'abandonment_rate', 'share', 'calls_abandoned', 'calls_offered') }}
    union all
    {{ kpi_select('period_counts', 'service_level', 'share',
                  'calls_answered_within_threshold', 'calls_answered + calls_abandoned_after_threshold') }}
    union all
    -- the means: the total of seconds, rounded, as numerator; the value is the exact mean
    {{ kpi_select('period_counts', 'average_speed_of_answer', 'seconds',
                  'round(answered_wait_seconds)', 'answered_with_wait',
                  value=safe_ratio('answered_wait_seconds', 'answered_with_wait')) }}
    union all
    {{ kpi_select('period_counts', 'average_handle_time', 'seconds',
                  'round(answered_talk_seconds)', 'answered_with_talk',
                  value=safe_ratio('answered_talk_seconds', 'answered_with_talk')) }}

)

select * from kpis
