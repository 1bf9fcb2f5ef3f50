with

-- bronze_source: the portal logins, or an empty relation of their columns when no portal log is loaded
source as (

    select * from {{ bronze_source('portal_login') }}

),

communes as (

    select
        commune_id,
        timezone

    from {{ ref('stg_bronze__communes') }}

),

-- A portal log is loaded again when it is re-read: keep the row of the latest load of each login (the
-- contract's key). Ties on _ingested_at are broken deterministically.
latest as (

    {{ latest_load('source', ['commune_id', 'citizen_key', 'login_at', 'method']) }}

),

renamed as (

    select
        cast(latest.commune_id as {{ dbt.type_string() }}) as commune_id,
        cast(latest.citizen_key as {{ dbt.type_string() }}) as citizen_key,
        cast(latest.method as {{ dbt.type_string() }}) as method,
        cast(latest.success as {{ dbt.type_boolean() }}) as success,

        latest.login_at,
        -- wall-clock time in the commune's time zone (left join: a login to an unknown commune keeps its
        -- row, with a null local time, and fails the relationships test)
        {{ to_local_timestamp('latest.login_at', 'communes.timezone') }} as login_at_local,
        cast({{ to_local_timestamp('latest.login_at', 'communes.timezone') }} as date) as login_date_local,

        cast(latest._source as {{ dbt.type_string() }}) as bronze_source,
        cast(latest._batch_id as {{ dbt.type_string() }}) as bronze_batch_id,
        latest._ingested_at as bronze_ingested_at,
        cast(latest._row_hash as {{ dbt.type_string() }}) as bronze_row_hash

    from latest
    left join communes
        on latest.commune_id = communes.commune_id

)

select * from renamed
