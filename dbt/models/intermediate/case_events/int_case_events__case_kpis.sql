{#
  The case-based processing KPIs of KPIS.md per commune and period, in the long KPI format:
    - lead_time_median_days, lead_time_p90_days (percentile_cont, the inclusive method),
      lead_time_mean_days and sla_compliance, by period of closing, over closed cases;
    - cases_opened (by period of the first event) and cases_closed (by period of closing): throughput;
    - rework_rate, by period of the case's first event: cases in which an activity occurs more than
      once (as activity instances: a start and its complete are one occurrence) divided by cases in
      which it occurs; per process and activity, and for 'all' / 'process' the cases with any
      repeated activity divided by all cases.
  Breakdowns: 'all', 'process', 'channel' (the request's intake channel, 'unknown' without a request)
  and 'process_channel' ('PROC / channel'); rework_rate: 'all', 'process', 'process_activity'.
  Periods without a case have no row.
#}

with

cases as (

    select
        commune_id,
        case_id,
        process_code,
        channel,
        first_event_date_local,
        closed_date_local,
        is_closed,
        lead_time_seconds,
        lead_time_days,
        sla_days,
        is_within_sla,
        greatest(last_event_date_local, coalesce(closed_date_local, last_event_date_local)) as case_last_date

    from {{ ref('int_case_events__cases') }}

),

-- the last date of each commune's data: rolling windows ending later are left out
cases_with_bounds as (

    select
        *,
        max(case_last_date) over (partition by commune_id) as last_date

    from cases

),

case_breakdowns as (

    select *, 'all' as breakdown, 'all' as breakdown_value from cases_with_bounds
    union all
    select *, 'process' as breakdown, process_code as breakdown_value from cases_with_bounds
    union all
    select *, 'channel' as breakdown, channel as breakdown_value from cases_with_bounds
    union all
    select *, 'process_channel' as breakdown, process_code || ' / ' || channel as breakdown_value
    from cases_with_bounds

),

closed_cases as (

    select * from case_breakdowns
    where is_closed

),

closed_by_period as (

    {{ expand_to_periods('closed_cases', 'closed_date_local', last_date_column='last_date') }}

),

opened_by_period as (

    {{ expand_to_periods('case_breakdowns', 'first_event_date_local', last_date_column='last_date') }}

),

closing_stats as (

    select
        {{ kpi_grain() }},
        count(*) as closed_cases,
        sum(lead_time_seconds) as lead_time_total_seconds,
        percentile_cont(0.5) within group (order by lead_time_days) as lead_time_median_days,
        percentile_cont(0.9) within group (order by lead_time_days) as lead_time_p90_days,
        sum(case when sla_days is not null then 1 else 0 end) as closed_cases_with_sla,
        sum(case when is_within_sla then 1 else 0 end) as closed_cases_within_sla

    from closed_by_period
    group by
        {{ kpi_grain() }}

),

opening_stats as (

    select
        {{ kpi_grain() }},
        count(*) as opened_cases

    from opened_by_period
    group by
        {{ kpi_grain() }}

),

-- rework: occurrences (activity instances) of each activity in each case
occurrences as (

    select
        instances.commune_id,
        instances.case_id,
        instances.activity,
        count(*) as occurrences

    from {{ ref('int_case_events__activity_instances') }} as instances
    group by
        instances.commune_id,
        instances.case_id,
        instances.activity

),

case_activities as (

    select
        cases_with_bounds.commune_id,
        cases_with_bounds.case_id,
        cases_with_bounds.process_code,
        cases_with_bounds.first_event_date_local,
        cases_with_bounds.last_date,
        occurrences.activity,
        occurrences.occurrences > 1 as is_repeated

    from cases_with_bounds
    inner join occurrences
        on cases_with_bounds.commune_id = occurrences.commune_id
        and cases_with_bounds.case_id = occurrences.case_id

),

-- one row per case: has any activity occurred more than once
case_rework as (

    select
        commune_id,
        case_id,
        process_code,
        first_event_date_local,
        last_date,
        max(case when is_repeated then 1 else 0 end) as is_repeated

    from case_activities
    group by
        commune_id,
        case_id,
        process_code,
        first_event_date_local,
        last_date

),

rework_breakdowns as (

    select
        commune_id, first_event_date_local, last_date, is_repeated,
        'all' as breakdown, 'all' as breakdown_value
    from case_rework
    union all
    select
        commune_id, first_event_date_local, last_date, is_repeated,
        'process' as breakdown, process_code as breakdown_value
    from case_rework
    union all
    select
        commune_id, first_event_date_local, last_date,
        case when is_repeated then 1 else 0 end as is_repeated,
        'process_activity' as breakdown, process_code || ' / ' || activity as breakdown_value
    from case_activities

),

rework_by_period as (

    {{ expand_to_periods('rework_breakdowns', 'first_event_date_local', last_date_column='last_date') }}

),

rework_stats as (

    select
        {{ kpi_grain() }},
        sum(is_repeated) as repeated_cases,
        count(*) as cases

    from rework_by_period
    group by
        {{ kpi_grain() }}

),

kpis as (

    {{ kpi_select('closing_stats', 'lead_time_median_days', 'days', none, 'closed_cases',
                  value='lead_time_median_days') }}

    union all

    {{ kpi_select('closing_stats', 'lead_time_p90_days', 'days', none, 'closed_cases',
                  value='lead_time_p90_days') }}

    union all

    -- the numerator is the total lead time in whole seconds, so that the mean can be re-aggregated
    {{ kpi_select('closing_stats', 'lead_time_mean_days', 'days', 'round(lead_time_total_seconds)', 'closed_cases',
                  value='lead_time_total_seconds / 86400.0 / closed_cases') }}

    union all

    {{ kpi_select('closing_stats', 'sla_compliance', 'share', 'closed_cases_within_sla', 'closed_cases_with_sla') }}

    union all

    {{ kpi_select('closing_stats', 'cases_closed', 'count', 'closed_cases') }}

    union all

    {{ kpi_select('opening_stats', 'cases_opened', 'count', 'opened_cases') }}

    union all

    {{ kpi_select('rework_stats', 'rework_rate', 'share', 'repeated_cases', 'cases') }}

)

select * from kpis
