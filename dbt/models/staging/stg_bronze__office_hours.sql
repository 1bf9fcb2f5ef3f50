with

source as (

    select * from {{ source('bronze', 'office_hours') }}

),

renamed as (

    select
        cast(commune_id as {{ dbt.type_string() }}) as commune_id,
        cast(iso_weekday as integer) as iso_weekday,
        opens_at,
        closes_at,
        {{ second_of_day('opens_at') }} as opens_at_second_of_day,
        -- "24:00" in the configuration cannot be a time of day: it is written as 23:59:59.999999
        -- and means the window runs to the end of the day
        case
            when {{ second_of_day('closes_at') }} = 86399 then 86400
            else {{ second_of_day('closes_at') }}
        end as closes_at_second_of_day

    from source

)

select * from renamed
