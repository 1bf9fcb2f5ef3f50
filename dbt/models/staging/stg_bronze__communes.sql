with

source as (

    select * from {{ source('bronze', 'commune') }}

),

renamed as (

    select
        cast(commune_id as {{ dbt.type_string() }}) as commune_id,
        cast(name_fr as {{ dbt.type_string() }}) as name_fr,
        cast(name_nl as {{ dbt.type_string() }}) as name_nl,
        cast(name_en as {{ dbt.type_string() }}) as name_en,
        cast(timezone as {{ dbt.type_string() }}) as timezone,
        digital_channels

    from source

)

select * from renamed
