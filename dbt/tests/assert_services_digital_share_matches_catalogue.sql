-- services_digital_share recomputed straight from the catalogue (dim_service) at each month, quarter
-- and year end, without the day-by-day availability model: both paths must give the same terms.
with

shares as (

    select
        commune_id,
        period_type,
        period,
        period_end,
        numerator,
        denominator

    from {{ ref('int_services__kpis') }}
    where kpi_name = 'services_digital_share'
        and period_type in ('month', 'quarter', 'year')

),

recomputed as (

    select
        shares.commune_id,
        shares.period_type,
        shares.period,
        sum(case
            when dim_service.active_from <= shares.period_end
                and (dim_service.retired_on is null or shares.period_end < dim_service.retired_on)
                then 1 else 0
        end) as active_services,
        sum(case
            when dim_service.active_from <= shares.period_end
                and (dim_service.retired_on is null or shares.period_end < dim_service.retired_on)
                and dim_service.digital_since <= shares.period_end
                then 1 else 0
        end) as online_services

    from shares
    left join {{ ref('dim_service') }} as dim_service
        on shares.commune_id = dim_service.commune_id
    group by
        shares.commune_id,
        shares.period_type,
        shares.period

)

select
    shares.commune_id,
    shares.period_type,
    shares.period,
    shares.numerator,
    shares.denominator,
    recomputed.online_services,
    recomputed.active_services

from shares
inner join recomputed
    on shares.commune_id = recomputed.commune_id
    and shares.period_type = recomputed.period_type
    and shares.period = recomputed.period
where shares.numerator <> recomputed.online_services
    or shares.denominator <> recomputed.active_services
