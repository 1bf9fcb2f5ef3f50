with

-- bronze_source: the case events, or an empty relation of their columns when no event log is loaded
source as (

    select * from {{ bronze_source('case_event') }}

),

communes as (

    select
        commune_id,
        timezone

    from {{ ref('stg_bronze__communes') }}

),

-- An event log is loaded again when it is re-exported: keep the row of the latest load of each event
-- (the contract's key). Ties on _ingested_at are broken deterministically.
latest as (

    {{ latest_load('source', ['commune_id', 'case_id', 'activity', 'lifecycle', 'event_at']) }}

),

renamed as (

    select
        cast(latest.commune_id as {{ dbt.type_string() }}) as commune_id,
        cast(latest.case_id as {{ dbt.type_string() }}) as case_id,
        cast(latest.request_id as {{ dbt.type_string() }}) as request_id,
        cast(latest.process_code as {{ dbt.type_string() }}) as process_code,
        cast(latest.activity as {{ dbt.type_string() }}) as activity,
        cast(latest.lifecycle as {{ dbt.type_string() }}) as lifecycle,

        latest.event_at,
        -- wall-clock time in the commune's time zone (left join: an event of an unknown commune keeps
        -- its row, with a null local time, and fails the relationships test)
        {{ to_local_timestamp('latest.event_at', 'communes.timezone') }} as event_at_local,
        cast({{ to_local_timestamp('latest.event_at', 'communes.timezone') }} as date) as event_date_local,

        cast(latest.resource_key as {{ dbt.type_string() }}) as resource_key,

        cast(latest._source as {{ dbt.type_string() }}) as bronze_source,
        cast(latest._batch_id as {{ dbt.type_string() }}) as bronze_batch_id,
        latest._ingested_at as bronze_ingested_at,
        cast(latest._row_hash as {{ dbt.type_string() }}) as bronze_row_hash

    from latest
    left join communes
        on latest.commune_id = communes.commune_id

)

select * from renamed
