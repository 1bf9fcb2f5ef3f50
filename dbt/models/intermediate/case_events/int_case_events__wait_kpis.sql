{#
  The waiting-time KPIs of KPIS.md in the long KPI format, per commune and period (month, quarter,
  year and rolling_12_months, as int_case_events__transition_stats):
    - transition_wait_mean_days, transition_wait_median_days, transition_wait_p90_days per process and
      pair (breakdown 'process_transition', value 'PROC / A -> B', detail 'A -> B');
    - bottleneck_total_wait_days and bottleneck_median_wait_days per process (breakdown 'process',
      detail the pair 'A -> B'): the total (resp. median) wait of the process's bottleneck pair;
    - activity_duration_mean_seconds and activity_duration_median_seconds per process and activity
      (breakdown 'process_activity'), over the instances with both a start and a complete event, by
      period of completion.
  Means carry their total in whole seconds as numerator and their count as denominator.
#}

with

stats as (

    select * from {{ ref('int_case_events__transition_stats') }}

),

instances as (

    select
        instances.commune_id,
        coalesce(instances.process_code, 'unknown') as process_code,
        instances.activity,
        cast(instances.completed_at_local as date) as completed_date_local,
        instances.activity_duration_seconds,
        max(cast(instances.completed_at_local as date)) over (partition by instances.commune_id) as last_date

    from {{ ref('int_case_events__activity_instances') }} as instances
    where instances.activity_duration_seconds is not null

),

instances_by_period as (

    {{ expand_to_periods('instances', 'completed_date_local',
                         period_types=['month', 'quarter', 'year', 'rolling_12_months'],
                         last_date_column='last_date') }}

),

duration_stats as (

    select
        commune_id,
        period_type,
        period,
        period_start,
        period_end,
        process_code || ' / ' || activity as breakdown_value,
        count(*) as instances,
        sum(activity_duration_seconds) as duration_total_seconds,
        percentile_cont(0.5) within group (order by activity_duration_seconds) as duration_median_seconds

    from instances_by_period
    group by
        commune_id,
        period_type,
        period,
        period_start,
        period_end,
        process_code || ' / ' || activity

),

kpis as (

    select
        commune_id, period_type, period, period_start, period_end,
        'transition_wait_mean_days' as kpi_name,
        'process_transition' as breakdown, process_code || ' / ' || transition as breakdown_value,
        cast(round(wait_total_seconds) as bigint) as numerator,
        cast(transition_count as bigint) as denominator,
        wait_mean_days as value,
        'days' as unit,
        transition as detail
    from stats

    union all

    select
        commune_id, period_type, period, period_start, period_end,
        'transition_wait_median_days' as kpi_name,
        'process_transition' as breakdown, process_code || ' / ' || transition as breakdown_value,
        cast(null as bigint) as numerator,
        cast(transition_count as bigint) as denominator,
        wait_median_days as value,
        'days' as unit,
        transition as detail
    from stats

    union all

    select
        commune_id, period_type, period, period_start, period_end,
        'transition_wait_p90_days' as kpi_name,
        'process_transition' as breakdown, process_code || ' / ' || transition as breakdown_value,
        cast(null as bigint) as numerator,
        cast(transition_count as bigint) as denominator,
        wait_p90_days as value,
        'days' as unit,
        transition as detail
    from stats

    union all

    select
        commune_id, period_type, period, period_start, period_end,
        'bottleneck_total_wait_days' as kpi_name,
        'process' as breakdown, process_code as breakdown_value,
        cast(round(wait_total_seconds) as bigint) as numerator,
        cast(transition_count as bigint) as denominator,
        wait_total_days as value,
        'days' as unit,
        transition as detail
    from stats
    where is_bottleneck_total

    union all

    select
        commune_id, period_type, period, period_start, period_end,
        'bottleneck_median_wait_days' as kpi_name,
        'process' as breakdown, process_code as breakdown_value,
        cast(null as bigint) as numerator,
        cast(transition_count as bigint) as denominator,
        wait_median_days as value,
        'days' as unit,
        transition as detail
    from stats
    where is_bottleneck_median

    union all

    select
        commune_id, period_type, period, period_start, period_end,
        'activity_duration_mean_seconds' as kpi_name,
        'process_activity' as breakdown, breakdown_value,
        cast(round(duration_total_seconds) as bigint) as numerator,
        cast(instances as bigint) as denominator,
        duration_total_seconds / instances as value,
        'seconds' as unit,
        cast(null as {{ dbt.type_string() }}) as detail
    from duration_stats

    union all

    select
        commune_id, period_type, period, period_start, period_end,
        'activity_duration_median_seconds' as kpi_name,
        'process_activity' as breakdown, breakdown_value,
        cast(null as bigint) as numerator,
        cast(instances as bigint) as denominator,
        duration_median_seconds as value,
        'seconds' as unit,
        cast(null as {{ dbt.type_string() }}) as detail
    from duration_stats

)

select * from kpis
