with

requests as (

    select * from {{ ref('int_requests__office_hours') }}

)

select
    commune_id,
    request_id,
    service_code,
    channel,
    is_digital,
    is_known_channel,
    created_at,
    created_at_local,
    created_date_local,
    is_office_hours,
    is_after_hours,
    closed_at,
    status,
    citizen_key

from requests
