{#
  KPIs for which a lower value is better: their target is met when the value is at or below it. Every
  other KPI with a target is "higher is better" (shares of digital services, of online bookings...).
#}
{% macro lower_is_better_kpis() -%}
    {{ return([
        'abandonment_rate', 'calls_abandoned', 'calls_short_abandoned', 'average_speed_of_answer',
        'average_handle_time', 'lead_time_median_days', 'lead_time_p90_days', 'lead_time_mean_days',
        'backlog_open_cases', 'rework_rate', 'appointments_cancellation_rate', 'appointments_no_show_rate',
        'appointments_booking_lead_days', 'unknown_channel_requests'
    ]) }}
{%- endmacro %}


{#
  The 97.5th percentile of Student's t distribution for `degrees_of_freedom` (1 to 10; a least-squares
  fit on at most 12 monthly values has at most 10): the half-width of a 95 % interval in standard errors.
  Values of scipy.stats.t.ppf(0.975, df), to 10 decimals.
#}
{% macro student_t_975(degrees_of_freedom) -%}
    case {{ degrees_of_freedom }}
        when 1 then 12.7062047362
        when 2 then 4.3026527297
        when 3 then 3.1824463053
        when 4 then 2.7764451052
        when 5 then 2.5705818356
        when 6 then 2.4469118511
        when 7 then 2.3646242516
        when 8 then 2.3060041352
        when 9 then 2.2621571628
        when 10 then 2.2281388520
    end
{%- endmacro %}


{#
  An expression cut to 0..1 when the KPI's unit is 'share' (a share cannot leave it), else untouched.
  A null stays null (least and greatest skip nulls in some engines, DuckDB among them).
#}
{% macro clip_share(expression, unit_column) -%}
    case
        when {{ expression }} is null then null
        when {{ unit_column }} = 'share' then least(greatest({{ expression }}, 0.0), 1.0)
        else {{ expression }}
    end
{%- endmacro %}
