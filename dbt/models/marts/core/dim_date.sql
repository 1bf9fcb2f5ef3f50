{#
  The calendar of the lake (gold `dim_date`): one row per local date from the first of January of the
  year of the earliest local date of any event (request, case event, appointment booking, call, portal
  login) to the last day of the reporting periods that contain the latest one (last_period_end), with
  the labels and bounds of the reporting periods of macros/periods.sql. The labels come from
  expand_to_periods itself, so they match the kpi_ tables by construction.
#}

with

event_dates as (

    select created_date_local as local_date from {{ ref('stg_bronze__requests') }}
    union all
    select event_date_local from {{ ref('stg_bronze__case_events') }}
    union all
    select booked_date_local from {{ ref('stg_bronze__appointments') }}
    union all
    select entered_date_local from {{ ref('stg_bronze__calls') }}
    union all
    select login_date_local from {{ ref('stg_bronze__portal_logins') }}

),

bounds as (

    select
        cast({{ dbt.date_trunc('year', 'min(local_date)') }} as date) as first_date,
        {{ last_period_end('max(local_date)') }} as last_date

    from event_dates
    having count(local_date) > 0

),

days as (

    select
        cast({{ dbt.dateadd('day', 'day_numbers.generated_number - 1', 'bounds.first_date') }} as date)
            as date_day

    from bounds
    inner join ({{ dbt.generate_series(36600) }}) as day_numbers
        on day_numbers.generated_number - 1 <= {{ dbt.datediff('bounds.first_date', 'bounds.last_date', 'day') }}

),

days_by_period as (

    {{ expand_to_periods('days', 'date_day', period_types=['week', 'month', 'quarter', 'year']) }}

),

pivoted as (

    select
        date_day,
        max(case when period_type = 'week' then period end) as week_label,
        max(case when period_type = 'week' then period_start end) as week_start,
        max(case when period_type = 'week' then period_end end) as week_end,
        max(case when period_type = 'month' then period end) as month_label,
        max(case when period_type = 'month' then period_start end) as month_start,
        max(case when period_type = 'month' then period_end end) as month_end,
        max(case when period_type = 'quarter' then period end) as quarter_label,
        max(case when period_type = 'quarter' then period_start end) as quarter_start,
        max(case when period_type = 'quarter' then period_end end) as quarter_end,
        max(case when period_type = 'year' then period end) as year_label,
        max(case when period_type = 'year' then period_start end) as year_start,
        max(case when period_type = 'year' then period_end end) as year_end

    from days_by_period
    group by date_day

)

select
    date_day,
    cast(date_day as {{ dbt.type_string() }}) as day_label,
    {{ iso_weekday('date_day') }} as iso_weekday,
    {{ iso_weekday('date_day') }} >= 6 as is_weekend,
    week_label,
    week_start,
    week_end,
    month_label,
    month_start,
    month_end,
    quarter_label,
    quarter_start,
    quarter_end,
    year_label,
    year_start,
    year_end

from pivoted
