with

source as (

    -- bronze_source: the request source, or an empty relation of its columns when no file exists yet
    select * from {{ bronze_source('request') }}

),

communes as (

    select
        commune_id,
        timezone

    from {{ ref('stg_bronze__communes') }}

),

-- A request is loaded again when its source is re-read or when it changed (closed, recoded...):
-- keep the row of the latest load. Ties on _ingested_at are broken deterministically.
-- The commune is part of the key: the same id in two communes' systems is not a re-load, so both rows
-- are kept and the unique test on request_id fails loudly instead of one request silently vanishing.
latest as (

    {{ latest_load('source', ['commune_id', 'request_id']) }}

),

renamed as (

    select
        cast(latest.request_id as {{ dbt.type_string() }}) as request_id,
        cast(latest.commune_id as {{ dbt.type_string() }}) as commune_id,
        cast(latest.service_code as {{ dbt.type_string() }}) as service_code,
        cast(latest.channel as {{ dbt.type_string() }}) as channel,
        cast(latest.status as {{ dbt.type_string() }}) as status,
        cast(latest.citizen_key as {{ dbt.type_string() }}) as citizen_key,
        cast(latest.source_system as {{ dbt.type_string() }}) as source_system,

        latest.created_at,
        latest.closed_at,
        -- wall-clock time in the commune's own time zone (left join: a request of an unknown commune
        -- keeps its row, with a null local time, and fails the relationships test)
        {{ to_local_timestamp('latest.created_at', 'communes.timezone') }} as created_at_local,
        cast({{ to_local_timestamp('latest.created_at', 'communes.timezone') }} as date) as created_date_local,

        cast(latest._source as {{ dbt.type_string() }}) as bronze_source,
        cast(latest._batch_id as {{ dbt.type_string() }}) as bronze_batch_id,
        latest._ingested_at as bronze_ingested_at,
        cast(latest._row_hash as {{ dbt.type_string() }}) as bronze_row_hash

    from latest
    left join communes
        on latest.commune_id = communes.commune_id

)

select * from renamed
