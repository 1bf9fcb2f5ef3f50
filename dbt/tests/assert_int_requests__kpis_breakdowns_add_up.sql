-- In every period of int_requests__kpis, the channels add up to the commune ('unknown' is a channel
-- there): requests_volume and both terms of after_hours_share. The services add up to at most the
-- commune (requests with no service code are in no service), term by term.
with

kpis as (

    select * from {{ ref('int_requests__kpis') }}

),

totals as (

    select
        commune_id,
        period_type,
        period,
        kpi_name,
        breakdown,
        sum(numerator) as numerator,
        sum(coalesce(denominator, 0)) as denominator

    from kpis
    where kpi_name in ('requests_volume', 'digital_take_up', 'after_hours_share')
    group by
        commune_id,
        period_type,
        period,
        kpi_name,
        breakdown

)

select
    commune_wide.commune_id,
    commune_wide.period_type,
    commune_wide.period,
    commune_wide.kpi_name,
    by_part.breakdown

from totals as commune_wide
inner join totals as by_part
    on commune_wide.commune_id = by_part.commune_id
    and commune_wide.period_type = by_part.period_type
    and commune_wide.period = by_part.period
    and commune_wide.kpi_name = by_part.kpi_name
where commune_wide.breakdown = 'all'
    and (
        (by_part.breakdown = 'channel'
            and (by_part.numerator <> commune_wide.numerator or by_part.denominator <> commune_wide.denominator))
        or (by_part.breakdown = 'service'
            and (by_part.numerator > commune_wide.numerator or by_part.denominator > commune_wide.denominator))
    )
