{#
  Waiting time per process and directly-follows pair, per commune and period (month, quarter, year,
  rolling_12_months), with the bottleneck flags (gold kpi_process_transitions). Its own shape, not the
  long KPI format: one row per pair.
#}

select
    commune_id,
    period_type,
    period,
    period_start,
    period_end,
    process_code,
    from_activity,
    to_activity,
    transition_count,
    wait_median_days,
    wait_p90_days,
    wait_total_days,
    wait_mean_days,
    is_bottleneck_total,
    is_bottleneck_median

from {{ ref('int_case_events__transition_stats') }}
