{#
  One row per service launched online within a commune's data: a service whose digital_since L falls
  between the commune's first and last request day, with the digital take-up counts of its launch
  window (KPIS.md, launch_adoption: "its digital_take_up over L to L+30 days").

  The window is the local creation days L to L + n - 1 (n = var launch_adoption_window_days, default
  30): 30 whole days starting on the launch day, L + 30 excluded, so that the figure is "its first 30
  days" whatever the length of the month. Requests with an unknown channel are left out of both
  terms, as in digital_take_up. A launch before the first request day is not reported (its window
  is not in the data).
#}

{%- set window_days = var('launch_adoption_window_days', 30) %}

with

requests as (

    select
        commune_id,
        service_code,
        created_date_local,
        is_digital,
        is_known_channel

    from {{ ref('fct_requests') }}

),

services as (

    select
        commune_id,
        service_code,
        digital_since

    from {{ ref('stg_bronze__services') }}

),

request_bounds as (

    select
        commune_id,
        min(created_date_local) as first_request_date,
        max(created_date_local) as last_request_date

    from requests
    group by commune_id

),

launches as (

    select
        services.commune_id,
        services.service_code,
        services.digital_since as launch_date,
        cast({{ dbt.dateadd('day', window_days - 1, 'services.digital_since') }} as date) as window_last_date,
        request_bounds.last_request_date

    from services
    inner join request_bounds
        on services.commune_id = request_bounds.commune_id
        and services.digital_since >= request_bounds.first_request_date
        and services.digital_since <= request_bounds.last_request_date

)

select
    launches.commune_id,
    launches.service_code,
    launches.launch_date,
    launches.window_last_date,
    launches.last_request_date,
    sum(case when requests.is_known_channel and requests.is_digital then 1 else 0 end) as digital_requests,
    sum(case when requests.is_known_channel then 1 else 0 end) as known_channel_requests

from launches
left join requests
    on launches.commune_id = requests.commune_id
    and launches.service_code = requests.service_code
    and requests.created_date_local >= launches.launch_date
    and requests.created_date_local <= launches.window_last_date
group by
    launches.commune_id,
    launches.service_code,
    launches.launch_date,
    launches.window_last_date,
    launches.last_request_date
