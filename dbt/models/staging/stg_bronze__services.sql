with

-- bronze_source: the service catalogue, or an empty relation of its columns when no commune has one
source as (

    select * from {{ bronze_source('service') }}

),

-- The catalogue is re-exported whole at every load: keep the latest row of each commune and service.
-- Ties on _ingested_at are broken deterministically.
latest as (

    {{ latest_load('source', ['commune_id', 'service_code']) }}

),

renamed as (

    select
        cast(commune_id as {{ dbt.type_string() }}) as commune_id,
        cast(service_code as {{ dbt.type_string() }}) as service_code,
        cast(name_fr as {{ dbt.type_string() }}) as name_fr,
        cast(name_nl as {{ dbt.type_string() }}) as name_nl,
        cast(name_en as {{ dbt.type_string() }}) as name_en,
        cast(process_code as {{ dbt.type_string() }}) as process_code,
        cast(owner as {{ dbt.type_string() }}) as owner,
        cast(active_from as date) as active_from,
        cast(retired_on as date) as retired_on,
        cast(digital_since as date) as digital_since,
        cast(sla_days as {{ dbt.type_int() }}) as sla_days,

        cast(_source as {{ dbt.type_string() }}) as bronze_source,
        cast(_batch_id as {{ dbt.type_string() }}) as bronze_batch_id,
        _ingested_at as bronze_ingested_at,
        cast(_row_hash as {{ dbt.type_string() }}) as bronze_row_hash

    from latest

)

select * from renamed
