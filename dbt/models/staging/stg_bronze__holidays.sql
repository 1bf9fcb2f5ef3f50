with

source as (

    select * from {{ source('bronze', 'holiday') }}

),

renamed as (

    select
        cast(commune_id as {{ dbt.type_string() }}) as commune_id,
        cast(holiday_date as date) as holiday_date,
        cast(name as {{ dbt.type_string() }}) as holiday_name

    from source

)

select * from renamed
