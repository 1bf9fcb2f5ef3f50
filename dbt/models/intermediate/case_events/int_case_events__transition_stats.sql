{#
  Waiting time per process and directly-follows pair (from_activity -> to_activity), per commune and
  period of the transition (the local day of its `to` activity's start): count, median, 90th
  percentile (percentile_cont, inclusive method), total and mean wait in days, and the two
  bottlenecks of KPIS.md per process and period:
    - is_bottleneck_total: the pair with the largest total wait;
    - is_bottleneck_median: the pair with the largest median wait among the pairs seen at least
      var('bottleneck_min_transitions', 30) times in the period.
  Ties are broken by the other figure (total, then median), then by the activity names, so that each
  process has at most one bottleneck of each kind per period.

  Periods: month, quarter, year and rolling_12_months only (KPIS.md asks for the bottleneck per
  period; day and week series of every pair would multiply the rows for little use).
#}

with

transitions as (

    select
        commune_id,
        process_code,
        from_activity,
        to_activity,
        to_date_local,
        wait_seconds,
        max(to_date_local) over (partition by commune_id) as last_date

    from {{ ref('int_case_events__transitions') }}

),

transitions_by_period as (

    {{ expand_to_periods('transitions', 'to_date_local',
                         period_types=['month', 'quarter', 'year', 'rolling_12_months'],
                         last_date_column='last_date') }}

),

stats as (

    select
        commune_id,
        period_type,
        period,
        period_start,
        period_end,
        coalesce(process_code, 'unknown') as process_code,
        from_activity,
        to_activity,
        count(*) as transition_count,
        percentile_cont(0.5) within group (order by wait_seconds) / 86400.0 as wait_median_days,
        percentile_cont(0.9) within group (order by wait_seconds) / 86400.0 as wait_p90_days,
        sum(wait_seconds) as wait_total_seconds

    from transitions_by_period
    group by
        commune_id,
        period_type,
        period,
        period_start,
        period_end,
        coalesce(process_code, 'unknown'),
        from_activity,
        to_activity

),

ranked as (

    select
        *,
        row_number() over (
            partition by commune_id, period_type, period, process_code
            order by wait_total_seconds desc, wait_median_days desc, from_activity, to_activity
        ) as total_rank,
        row_number() over (
            partition by commune_id, period_type, period, process_code,
                transition_count >= {{ var('bottleneck_min_transitions', 30) }}
            order by wait_median_days desc, wait_total_seconds desc, from_activity, to_activity
        ) as median_rank

    from stats

)

select
    commune_id,
    period_type,
    period,
    period_start,
    period_end,
    process_code,
    from_activity,
    to_activity,
    from_activity || ' -> ' || to_activity as transition,
    transition_count,
    wait_median_days,
    wait_p90_days,
    wait_total_seconds,
    wait_total_seconds / 86400.0 as wait_total_days,
    wait_total_seconds / 86400.0 / transition_count as wait_mean_days,
    total_rank = 1 as is_bottleneck_total,
    transition_count >= {{ var('bottleneck_min_transitions', 30) }} and median_rank = 1 as is_bottleneck_median

from ranked
