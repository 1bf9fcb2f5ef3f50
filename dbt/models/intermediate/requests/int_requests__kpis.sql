{#
  The request-based adoption KPIs (requests_volume, digital_take_up, after_hours_share) per commune and
  period, in the long KPI format (see kpi_adoption), each with its numerator and denominator so that it
  can be re-aggregated and audited; and unknown_channel_requests, the data-quality count of the
  requests that digital_take_up leaves out.

  Breakdowns: 'all' (the commune), 'service' (requests_volume, digital_take_up, after_hours_share per
  service code; requests with no service code are in 'all' only) and 'channel' (requests_volume and
  after_hours_share per intake channel, 'unknown' included: the channels add up to 'all').

  Every day from a commune's first to its last request day is reported for 'all', days without
  requests too (requests_volume 0, ratios with a null value), so that the series have no silent gaps;
  a service or channel is reported in the periods where it has requests.
#}

with

requests as (

    select
        commune_id,
        service_code,
        channel,
        created_date_local,
        is_digital,
        is_known_channel,
        is_after_hours

    from {{ ref('fct_requests') }}

),

commune_dates as (

    {{ commune_date_spine('requests', 'created_date_local') }}

),

-- each request once for the commune, once for its service (when it has one) and once for its channel
requests_by_breakdown as (

    select
        commune_id,
        created_date_local,
        'all' as breakdown,
        'all' as breakdown_value,
        is_digital,
        is_known_channel,
        is_after_hours
    from requests

    union all

    select
        commune_id,
        created_date_local,
        'service' as breakdown,
        service_code as breakdown_value,
        is_digital,
        is_known_channel,
        is_after_hours
    from requests
    where service_code is not null

    union all

    select
        commune_id,
        created_date_local,
        'channel' as breakdown,
        channel as breakdown_value,
        is_digital,
        is_known_channel,
        is_after_hours
    from requests

),

-- 'all': every day of the commune's series; a service or a channel: the days it has requests
breakdown_dates as (

    select
        commune_id,
        calendar_date,
        last_date,
        'all' as breakdown,
        'all' as breakdown_value
    from commune_dates

    union

    select
        commune_dates.commune_id,
        commune_dates.calendar_date,
        commune_dates.last_date,
        requests_by_breakdown.breakdown,
        requests_by_breakdown.breakdown_value
    from commune_dates
    inner join requests_by_breakdown
        on commune_dates.commune_id = requests_by_breakdown.commune_id
        and commune_dates.calendar_date = requests_by_breakdown.created_date_local
    where requests_by_breakdown.breakdown <> 'all'

),

daily_counts as (

    select
        breakdown_dates.commune_id,
        breakdown_dates.calendar_date,
        breakdown_dates.last_date,
        breakdown_dates.breakdown,
        breakdown_dates.breakdown_value,
        count(requests_by_breakdown.commune_id) as requests,
        -- digital_take_up leaves requests with an unknown channel out of both terms
        sum(case when requests_by_breakdown.is_known_channel and requests_by_breakdown.is_digital then 1 else 0 end)
            as digital_requests,
        sum(case when requests_by_breakdown.is_known_channel then 1 else 0 end) as known_channel_requests,
        sum(case when requests_by_breakdown.is_after_hours then 1 else 0 end) as after_hours_requests

    from breakdown_dates
    left join requests_by_breakdown
        on breakdown_dates.commune_id = requests_by_breakdown.commune_id
        and breakdown_dates.calendar_date = requests_by_breakdown.created_date_local
        and breakdown_dates.breakdown = requests_by_breakdown.breakdown
        and breakdown_dates.breakdown_value = requests_by_breakdown.breakdown_value
    group by
        breakdown_dates.commune_id,
        breakdown_dates.calendar_date,
        breakdown_dates.last_date,
        breakdown_dates.breakdown,
        breakdown_dates.breakdown_value

),

daily_by_period as (

    {{ expand_to_periods('daily_counts', 'calendar_date', last_date_column='last_date') }}

),

period_counts as (

    select
        {{ kpi_grain() }},
        sum(requests) as requests,
        sum(digital_requests) as digital_requests,
        sum(known_channel_requests) as known_channel_requests,
        sum(after_hours_requests) as after_hours_requests

    from daily_by_period
    group by
        {{ kpi_grain() }}

),

kpis as (

    {{ kpi_select('period_counts', 'requests_volume', 'count', 'requests') }}

    union all

    -- per channel it would be 0 or 1 by construction: commune and service only
    {{ kpi_select('period_counts', 'digital_take_up', 'share', 'digital_requests', 'known_channel_requests') }}
    where breakdown in ('all', 'service')

    union all

    {{ kpi_select('period_counts', 'after_hours_share', 'share', 'after_hours_requests', 'requests') }}

    union all

    {{ kpi_select('period_counts', 'unknown_channel_requests', 'count', 'requests - known_channel_requests') }}
    where breakdown = 'all'

)

select * from kpis
