with

-- bronze_source: the closing activities of the configuration, or an empty relation of their columns
-- when the lake was written before the table existed
source as (

    select * from {{ bronze_source('process_closing_activity') }}

),

renamed as (

    -- distinct: the configuration lists an activity once per process, but a hand-written table may not
    select distinct
        cast(commune_id as {{ dbt.type_string() }}) as commune_id,
        cast(process_code as {{ dbt.type_string() }}) as process_code,
        cast(activity as {{ dbt.type_string() }}) as activity

    from source

)

select * from renamed
