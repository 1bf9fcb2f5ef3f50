with

source as (

    select * from {{ source('bronze', 'target') }}

),

renamed as (

    select
        cast(commune_id as {{ dbt.type_string() }}) as commune_id,
        cast(kpi_name as {{ dbt.type_string() }}) as kpi_name,
        cast(target_value as double) as target_value,
        cast(deadline as date) as deadline

    from source

)

select * from renamed
