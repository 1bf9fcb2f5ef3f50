{#
  The request-based adoption KPIs (requests_volume, digital_take_up, after_hours_share) per commune and
  period, in the long KPI format (see kpi_adoption), each with its numerator and denominator so that it
  can be re-aggregated and audited.

  Every day from a commune's first to its last request day is reported, days without requests too
  (requests_volume 0, ratios with a null value), so that the series have no silent gaps.
#}

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

commune_dates as (

    {{ commune_date_spine('requests', 'created_date_local') }}

),

daily_counts as (

    select
        commune_dates.commune_id,
        commune_dates.calendar_date,
        commune_dates.last_date,
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
        commune_dates.calendar_date,
        commune_dates.last_date

),

daily_by_period as (

    {{ expand_to_periods('daily_counts', 'calendar_date', last_date_column='last_date') }}

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
        'all' as breakdown,
        'all' as breakdown_value,
        cast(requests as bigint) as numerator,
        cast(null as bigint) as denominator,
        cast(requests as double) as value,
        'count' as unit,
        cast(null as {{ dbt.type_string() }}) as detail

    from period_counts

    union all

    select
        commune_id,
        period_type,
        period,
        period_start,
        period_end,
        'digital_take_up' as kpi_name,
        'all' as breakdown,
        'all' as breakdown_value,
        cast(digital_requests as bigint) as numerator,
        cast(known_channel_requests as bigint) as denominator,
        {{ safe_ratio('digital_requests', 'known_channel_requests') }} as value,
        'share' as unit,
        cast(null as {{ dbt.type_string() }}) as detail

    from period_counts

    union all

    select
        commune_id,
        period_type,
        period,
        period_start,
        period_end,
        'after_hours_share' as kpi_name,
        'all' as breakdown,
        'all' as breakdown_value,
        cast(after_hours_requests as bigint) as numerator,
        cast(requests as bigint) as denominator,
        {{ safe_ratio('after_hours_requests', 'requests') }} as value,
        'share' as unit,
        cast(null as {{ dbt.type_string() }}) as detail

    from period_counts

)

select * from kpis
