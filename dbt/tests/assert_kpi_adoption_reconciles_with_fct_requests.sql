-- For each commune and period type, the requests_volume of all periods adds up to the requests of
-- fct_requests, and the ratio numerators and denominators add up to the flagged requests: each period
-- type partitions the days, so nothing is lost or counted twice. (Rolling 12-month windows overlap:
-- they are left out here and checked by a unit test.)
with

kpi_totals as (

    select
        commune_id,
        period_type,
        sum(case when kpi_name = 'requests_volume' then numerator else 0 end) as requests,
        sum(case when kpi_name = 'digital_take_up' then numerator else 0 end) as digital_requests,
        sum(case when kpi_name = 'digital_take_up' then denominator else 0 end) as known_channel_requests,
        sum(case when kpi_name = 'after_hours_share' then numerator else 0 end) as after_hours_requests,
        sum(case when kpi_name = 'after_hours_share' then denominator else 0 end) as after_hours_denominator

    from {{ ref('kpi_adoption') }}
    where period_type <> 'rolling_12_months'
        and breakdown = 'all'
    group by
        commune_id,
        period_type

),

fact_totals as (

    select
        commune_id,
        count(*) as requests,
        sum(case when is_known_channel and is_digital then 1 else 0 end) as digital_requests,
        sum(case when is_known_channel then 1 else 0 end) as known_channel_requests,
        sum(case when is_after_hours then 1 else 0 end) as after_hours_requests

    from {{ ref('fct_requests') }}
    group by commune_id

)

select
    fact_totals.commune_id,
    kpi_totals.period_type

from fact_totals
left join kpi_totals
    on fact_totals.commune_id = kpi_totals.commune_id
where
    kpi_totals.commune_id is null
    or kpi_totals.requests <> fact_totals.requests
    or kpi_totals.digital_requests <> fact_totals.digital_requests
    or kpi_totals.known_channel_requests <> fact_totals.known_channel_requests
    or kpi_totals.after_hours_requests <> fact_totals.after_hours_requests
    or kpi_totals.after_hours_denominator <> fact_totals.requests
