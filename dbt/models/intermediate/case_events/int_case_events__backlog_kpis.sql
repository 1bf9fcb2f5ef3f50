{#
  backlog_open_cases (KPIS.md "backlog"): the cases open at the end of each period, per commune, in
  the long KPI format. A case is open at the end of local day d when its first event is on or before
  d and it is not closed by the end of d (no closing time, or a closing day after d). Its age is
  d - the local day of its first event, in whole days, in the buckets 0-7, 8-30, 31-90 and over 90
  days (breakdown 'age_bucket', every bucket reported, 0 included), beside 'all' and 'process'.

  Every period containing a day from the commune's first to its last day of data is reported (the
  series has no gap). A period that ends after the data (the running week, month...) is measured at
  the last day of the data, since nothing is known past it.
#}

with

cases as (

    select
        commune_id,
        case_id,
        process_code,
        first_event_date_local,
        closed_date_local,
        greatest(last_event_date_local, coalesce(closed_date_local, last_event_date_local)) as case_last_date

    from {{ ref('int_case_events__cases') }}

),

commune_days as (

    select
        commune_id,
        first_event_date_local as calendar_date
    from cases
    union all
    select
        commune_id,
        case_last_date as calendar_date
    from cases

),

spine as (

    {{ commune_date_spine('commune_days', 'calendar_date') }}

),

spine_by_period as (

    {{ expand_to_periods('spine', 'calendar_date', last_date_column='last_date') }}

),

periods as (

    select distinct
        commune_id,
        period_type,
        period,
        period_start,
        period_end,
        least(period_end, last_date) as as_of_date

    from spine_by_period

),

open_cases as (

    select
        periods.commune_id,
        periods.period_type,
        periods.period,
        periods.period_start,
        periods.period_end,
        cases.process_code,
        {{ backlog_age_bucket(dbt.datediff('cases.first_event_date_local', 'periods.as_of_date', 'day')) }}
            as age_bucket

    from periods
    inner join cases
        on periods.commune_id = cases.commune_id
        and cases.first_event_date_local <= periods.as_of_date
        and (cases.closed_date_local is null or cases.closed_date_local > periods.as_of_date)

),

buckets as (

    select '0-7' as age_bucket
    union all select '8-30'
    union all select '31-90'
    union all select 'over 90'

),

-- every period gets 'all' and the four buckets, with 0 when no case is open
slots as (

    select
        periods.commune_id, periods.period_type, periods.period, periods.period_start, periods.period_end,
        'all' as breakdown, 'all' as breakdown_value
    from periods
    union all
    select
        periods.commune_id, periods.period_type, periods.period, periods.period_start, periods.period_end,
        'age_bucket' as breakdown, buckets.age_bucket as breakdown_value
    from periods
    cross join buckets

),

open_breakdowns as (

    select commune_id, period_type, period, 'all' as breakdown, 'all' as breakdown_value from open_cases
    union all
    select commune_id, period_type, period, 'age_bucket' as breakdown, age_bucket as breakdown_value from open_cases
    union all
    select commune_id, period_type, period, 'process' as breakdown, process_code as breakdown_value from open_cases

),

open_counts as (

    select
        commune_id,
        period_type,
        period,
        breakdown,
        breakdown_value,
        count(*) as open_cases

    from open_breakdowns
    group by
        commune_id,
        period_type,
        period,
        breakdown,
        breakdown_value

),

process_slots as (

    select distinct
        periods.commune_id, periods.period_type, periods.period, periods.period_start, periods.period_end,
        open_counts.breakdown, open_counts.breakdown_value
    from periods
    inner join open_counts
        on periods.commune_id = open_counts.commune_id
        and periods.period_type = open_counts.period_type
        and periods.period = open_counts.period
        and open_counts.breakdown = 'process'

),

all_slots as (

    select * from slots
    union all
    select * from process_slots

),

backlog as (

    select
        all_slots.*,
        coalesce(open_counts.open_cases, 0) as open_cases

    from all_slots
    left join open_counts
        on all_slots.commune_id = open_counts.commune_id
        and all_slots.period_type = open_counts.period_type
        and all_slots.period = open_counts.period
        and all_slots.breakdown = open_counts.breakdown
        and all_slots.breakdown_value = open_counts.breakdown_value

)

{{ kpi_select('backlog', 'backlog_open_cases', 'count', 'open_cases') }}
