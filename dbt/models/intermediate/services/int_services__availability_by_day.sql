{#
  Per commune, service and local day: is the service active (active_from <= d and, when it was
  retired, d < retired_on) and online (active and digital_since <= d) on that day (KPIS.md,
  services_digital_share).

  Days: from the commune's first request day to the last end of a reporting period that contains its
  last request day (last_period_end), so that every period reported by the adoption KPIs finds the
  catalogue at its end, even a period that ends after the data (the catalogue is known for any date).
#}

with

services as (

    select
        commune_id,
        service_code,
        active_from,
        retired_on,
        digital_since

    from {{ ref('stg_bronze__services') }}

),

request_bounds as (

    select
        commune_id,
        min(created_date_local) as first_date,
        max(created_date_local) as last_request_date

    from {{ ref('fct_requests') }}
    group by commune_id

),

-- two rows per commune (its first day and its last reported day) for commune_date_spine
reported_bounds as (

    select commune_id, first_date as bound_date from request_bounds
    union all
    select commune_id, {{ last_period_end('last_request_date') }} from request_bounds

),

commune_days as (

    {{ commune_date_spine('reported_bounds', 'bound_date') }}

),

availability as (

    select
        commune_days.commune_id,
        services.service_code,
        commune_days.calendar_date,
        (
            services.active_from <= commune_days.calendar_date
            and (services.retired_on is null or commune_days.calendar_date < services.retired_on)
        ) as is_active,
        (
            services.active_from <= commune_days.calendar_date
            and (services.retired_on is null or commune_days.calendar_date < services.retired_on)
            and services.digital_since <= commune_days.calendar_date
        ) as is_online

    from commune_days
    inner join services
        on commune_days.commune_id = services.commune_id

)

select
    commune_id,
    service_code,
    calendar_date,
    coalesce(is_active, false) as is_active,
    coalesce(is_online, false) as is_online

from availability
