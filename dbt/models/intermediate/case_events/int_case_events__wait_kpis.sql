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
        {{ kpi_grain(with_breakdown=false) }},
        process_code || ' / ' || activity as breakdown_value,
        count(*) as instances,
        sum(activity_duration_seconds) as duration_total_seconds,
        percentile_cont(0.5) within group (order by activity_duration_seconds) as duration_median_seconds

    from instances_by_period
    group by
        {{ kpi_grain(with_breakdown=false) }},
        process_code || ' / ' || activity

),

-- the breakdown, breakdown value and detail of the KPIs per transition pair and per process (bottleneck)
{%- set pair_breakdown = {'breakdown': "'process_transition'",
                           'breakdown_value': "process_code || ' / ' || transition",
                           'detail': 'transition'} %}
{%- set bottleneck_breakdown = {'breakdown': "'process'", 'breakdown_value': 'process_code',
                                 'detail': 'transition'} %}

kpis as (

    {{ kpi_select('stats', 'transition_wait_mean_days', 'days', 'round(wait_total_seconds)', 'transition_count',
                  value='wait_mean_days', **pair_breakdown) }}

    union all

    {{ kpi_select('stats', 'transition_wait_median_days', 'days', none, 'transition_count',
                  value='wait_median_days', **pair_breakdown) }}

    union all

    {{ kpi_select('stats', 'transition_wait_p90_days', 'days', none, 'transition_count',
                  value='wait_p90_days', **pair_breakdown) }}

    union all

    {{ kpi_select('stats', 'bottleneck_total_wait_days', 'days', 'round(wait_total_seconds)', 'transition_count',
                  value='wait_total_days', **bottleneck_breakdown) }}
    where is_bottleneck_total

    union all

    {{ kpi_select('stats', 'bottleneck_median_wait_days', 'days', none, 'transition_count',
                  value='wait_median_days', **bottleneck_breakdown) }}
    where is_bottleneck_median

    union all

    {{ kpi_select('duration_stats', 'activity_duration_mean_seconds', 'seconds',
                  'round(duration_total_seconds)', 'instances',
                  value='duration_total_seconds / instances', breakdown="'process_activity'") }}

    union all

    {{ kpi_select('duration_stats', 'activity_duration_median_seconds', 'seconds', none, 'instances',
                  value='duration_median_seconds', breakdown="'process_activity'") }}

)

select * from kpis
