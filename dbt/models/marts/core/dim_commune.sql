with

communes as (

    select * from {{ ref('stg_bronze__communes') }}

)

select
    commune_id,
    name_fr,
    name_nl,
    name_en,
    timezone

from communes
