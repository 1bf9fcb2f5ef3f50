with

-- bronze_source: the calls, or an empty relation of their columns when no queue log is loaded
source as (

    select * from {{ bronze_source('call') }}

),

communes as (

    select
        commune_id,
        timezone

    from {{ ref('stg_bronze__communes') }}

),

-- A queue log is loaded again when it is re-read (a call still in progress at the first read has
-- its outcome at the next): keep the row of the latest load. Ties on _ingested_at are broken
-- deterministically.
latest as (

    {{ latest_load('source', ['commune_id', 'call_id']) }}

),

renamed as (

    select
        cast(latest.commune_id as {{ dbt.type_string() }}) as commune_id,
        cast(latest.call_id as {{ dbt.type_string() }}) as call_id,
        cast(latest.queue as {{ dbt.type_string() }}) as queue,
        cast(latest.outcome as {{ dbt.type_string() }}) as outcome,

        latest.entered_at,
        -- wall-clock time in the commune's time zone (left join: a call of an unknown commune keeps its
        -- row, with a null local time, and fails the relationships test)
        {{ to_local_timestamp('latest.entered_at', 'communes.timezone') }} as entered_at_local,
        cast({{ to_local_timestamp('latest.entered_at', 'communes.timezone') }} as date) as entered_date_local,
        latest.answered_at,
        latest.ended_at,

        cast(latest.wait_s as double) as wait_s,
        cast(latest.talk_s as double) as talk_s,
        cast(latest.agent_key as {{ dbt.type_string() }}) as agent_key,

        cast(latest._source as {{ dbt.type_string() }}) as bronze_source,
        cast(latest._batch_id as {{ dbt.type_string() }}) as bronze_batch_id,
        latest._ingested_at as bronze_ingested_at,
        cast(latest._row_hash as {{ dbt.type_string() }}) as bronze_row_hash

    from latest
    left join communes
        on latest.commune_id = communes.commune_id

)

select * from renamed
