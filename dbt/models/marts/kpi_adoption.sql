{#
  Adoption KPIs per commune and period, in long format (one row per commune, period and KPI), each with
  its numerator and denominator so that it can be re-aggregated and audited.

  Every day from a commune's first to its last request day is reported, days without requests too
  (requests_volume 0, ratios with a null value), so that the series have no silent gaps.
#}

{%- set max_days = 36600 %}  {# longest history of a commune, in days (about 100 years) #}

with

requests as (

    select
        commune_id,
        created_date_local,
        is_digital,
        is_known_channel,
        is_after_hours

    from {{ ref('fct_requests') }}

),

commune_bounds as (

    select
        commune_id,
        min(created_date_local) as first_date,
        max(created_date_local) as last_date

    from requests
    group by commune_id

),

day_numbers as (

    {{ dbt.generate_series(max_days) }}

),

commune_dates as (

    select
        commune_bounds.commune_id,
        cast(
            {{ dbt.dateadd('day', 'day_numbers.generated_number - 1', 'commune_bounds.first_date') }} as date
        ) as calendar_date

    from commune_bounds
    inner join day_numbers
        on day_numbers.generated_number - 1
        <= {{ dbt.datediff('commune_bounds.first_date', 'commune_bounds.last_date', 'day') }}

),

daily_counts as (

    select
        commune_dates.commune_id,
        commune_dates.calendar_date,
        count(requests.commune_id) as requests,
        -- digital_take_up leaves requests with an unknown channel out of both terms
        sum(case when requests.is_known_channel and requests.is_digital then 1 else 0 end)
            as digital_requests,
        sum(case when requests.is_known_channel then 1 else 0 end) as known_channel_requests,
        sum(case when requests.is_after_hours then 1 else 0 end) as after_hours_requests

    from commune_dates
    left join requests
        on commune_dates.commune_id = requests.commune_id
        and commune_dates.calendar_date = requests.created_date_local
    group by
        commune_dates.commune_id,
        commune_dates.calendar_date

),

daily_calendar as (

    select
        daily_counts.*,
        -- ISO weeks start on Monday; the ISO year of a week is the year of its Thursday
        cast({{ dbt.date_trunc('week', 'calendar_date') }} as date) as week_start,
        cast({{ dbt.date_trunc('month', 'calendar_date') }} as date) as month_start,
        cast({{ dbt.date_trunc('quarter', 'calendar_date') }} as date) as quarter_start,
        cast({{ dbt.date_trunc('year', 'calendar_date') }} as date) as year_start

    from daily_counts

),

daily_by_period as (

    select
        commune_id,
        'day' as period_type,
        cast(calendar_date as {{ dbt.type_string() }}) as period,
        calendar_date as period_start,
        calendar_date as period_end,
        requests,
        digital_requests,
        known_channel_requests,
        after_hours_requests

    from daily_calendar

    union all

    select
        commune_id,
        'week' as period_type,
        cast(extract(year from {{ dbt.dateadd('day', 3, 'week_start') }}) as {{ dbt.type_string() }})
            || '-W'
            || lpad(cast(extract(week from calendar_date) as {{ dbt.type_string() }}), 2, '0') as period,
        week_start as period_start,
        cast({{ dbt.dateadd('day', 6, 'week_start') }} as date) as period_end,
        requests,
        digital_requests,
        known_channel_requests,
        after_hours_requests

    from daily_calendar

    union all

    select
        commune_id,
        'month' as period_type,
        substring(cast(month_start as {{ dbt.type_string() }}), 1, 7) as period,
        month_start as period_start,
        {{ dbt.last_day('calendar_date', 'month') }} as period_end,
        requests,
        digital_requests,
        known_channel_requests,
        after_hours_requests

    from daily_calendar

    union all

    select
        commune_id,
        'quarter' as period_type,
        cast(extract(year from calendar_date) as {{ dbt.type_string() }})
            || '-Q'
            || cast(extract(quarter from calendar_date) as {{ dbt.type_string() }}) as period,
        quarter_start as period_start,
        {{ dbt.last_day('calendar_date', 'quarter') }} as period_end,
        requests,
        digital_requests,
        known_channel_requests,
        after_hours_requests

    from daily_calendar

    union all

    select
        commune_id,
        'year' as period_type,
        cast(extract(year from calendar_date) as {{ dbt.type_string() }}) as period,
        year_start as period_start,
        {{ dbt.last_day('calendar_date', 'year') }} as period_end,
        requests,
        digital_requests,
        known_channel_requests,
        after_hours_requests

    from daily_calendar

),

period_counts as (

    select
        commune_id,
        period_type,
        period,
        period_start,
        period_end,
        sum(requests) as requests,
        sum(digital_requests) as digital_requests,
        sum(known_channel_requests) as known_channel_requests,
        sum(after_hours_requests) as after_hours_requests

    from daily_by_period
    group by
        commune_id,
        period_type,
        period,
        period_start,
        period_end

),

kpis as (

    select
        commune_id,
        period_type,
        period,
        period_start,
        period_end,
        'requests_volume' as kpi_name,
        cast(requests as bigint) as numerator,
        cast(null as bigint) as denominator,
        cast(requests as double) as value

    from period_counts

    union all

    select
        commune_id,
        period_type,
        period,
        period_start,
        period_end,
        'digital_take_up' as kpi_name,
        cast(digital_requests as bigint) as numerator,
        cast(known_channel_requests as bigint) as denominator,
        case
            when known_channel_requests > 0
                then cast(digital_requests as double) / cast(known_channel_requests as double)
        end as value

    from period_counts

    union all

    select
        commune_id,
        period_type,
        period,
        period_start,
        period_end,
        'after_hours_share' as kpi_name,
        cast(after_hours_requests as bigint) as numerator,
        cast(requests as bigint) as denominator,
        case
            when requests > 0
                then cast(after_hours_requests as double) / cast(requests as double)
        end as value

    from period_counts

)

select * from kpis
