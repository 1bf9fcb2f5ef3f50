with

-- bronze_source: the appointments, or an empty relation of their columns when no booking export is loaded
source as (

    select * from {{ bronze_source('appointment') }}

),

communes as (

    select
        commune_id,
        timezone

    from {{ ref('stg_bronze__communes') }}

),

-- An appointment is loaded again when its export is re-read or it changed (attended, cancelled...):
-- keep the row of the latest load. Ties on _ingested_at are broken deterministically.
latest as (

    {{ latest_load('source', ['commune_id', 'appointment_id']) }}

),

renamed as (

    select
        cast(latest.commune_id as {{ dbt.type_string() }}) as commune_id,
        cast(latest.appointment_id as {{ dbt.type_string() }}) as appointment_id,
        cast(latest.service_code as {{ dbt.type_string() }}) as service_code,
        cast(latest.booking_channel as {{ dbt.type_string() }}) as booking_channel,
        cast(latest.status as {{ dbt.type_string() }}) as status,
        cast(latest.site as {{ dbt.type_string() }}) as site,
        cast(latest.citizen_key as {{ dbt.type_string() }}) as citizen_key,

        latest.booked_at,
        -- wall-clock times in the commune's time zone (left join: an appointment of an unknown commune
        -- keeps its row, with null local times, and fails the relationships test)
        {{ to_local_timestamp('latest.booked_at', 'communes.timezone') }} as booked_at_local,
        cast({{ to_local_timestamp('latest.booked_at', 'communes.timezone') }} as date) as booked_date_local,
        latest.slot_start,
        {{ to_local_timestamp('latest.slot_start', 'communes.timezone') }} as slot_start_local,
        latest.slot_end,
        {{ to_local_timestamp('latest.slot_end', 'communes.timezone') }} as slot_end_local,

        cast(latest._source as {{ dbt.type_string() }}) as bronze_source,
        cast(latest._batch_id as {{ dbt.type_string() }}) as bronze_batch_id,
        latest._ingested_at as bronze_ingested_at,
        cast(latest._row_hash as {{ dbt.type_string() }}) as bronze_row_hash

    from latest
    left join communes
        on latest.commune_id = communes.commune_id

)

select * from renamed
