{#
  The service catalogue of each commune (gold `dim_service`). Only the dated attributes, no flag that
  depends on the day the model runs ("online today"): the KPIs evaluate active_from, retired_on and
  digital_since on the day they report (int_services__availability_by_day).
#}

with

services as (

    select * from {{ ref('stg_bronze__services') }}

)

select
    commune_id,
    service_code,
    name_fr,
    name_nl,
    name_en,
    process_code,
    owner,
    active_from,
    retired_on,
    digital_since,
    sla_days

from services
