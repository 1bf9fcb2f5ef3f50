with

requests as (

    select * from {{ ref('stg_bronze__requests') }}

),

communes as (

    select
        commune_id,
        digital_channels

    from {{ ref('stg_bronze__communes') }}

),

office_hours as (

    select * from {{ ref('stg_bronze__office_hours') }}

),

-- two holidays may fall on the same day: one row per commune and date
holiday_dates as (

    select distinct
        commune_id,
        holiday_date

    from {{ ref('stg_bronze__holidays') }}

),

requests_local_clock as (

    select
        request_id,
        commune_id,
        {{ iso_weekday('created_date_local') }} as created_iso_weekday_local,
        {{ second_of_day('created_at_local') }} as created_second_of_day_local

    from requests

),

-- requests created inside an opening window of their commune and weekday
-- (window start inclusive, end exclusive: 16:59 is in, 17:00 is out)
requests_in_window as (

    select distinct
        requests_local_clock.commune_id,
        requests_local_clock.request_id

    from requests_local_clock
    inner join office_hours
        on requests_local_clock.commune_id = office_hours.commune_id
        and requests_local_clock.created_iso_weekday_local = office_hours.iso_weekday
        and requests_local_clock.created_second_of_day_local >= office_hours.opens_at_second_of_day
        and requests_local_clock.created_second_of_day_local < office_hours.closes_at_second_of_day

),

flagged as (

    select
        requests.*,

        holiday_dates.holiday_date is not null as is_holiday,

        -- a holiday is outside office hours all day
        (
            holiday_dates.holiday_date is null
            and requests_in_window.request_id is not null
        ) as is_office_hours,

        not (
            holiday_dates.holiday_date is null
            and requests_in_window.request_id is not null
        ) as is_after_hours,

        coalesce({{ list_contains('communes.digital_channels', 'requests.channel') }}, false) as is_digital,

        coalesce(requests.channel <> 'unknown', false) as is_known_channel

    from requests
    left join communes
        on requests.commune_id = communes.commune_id
    left join holiday_dates
        on requests.commune_id = holiday_dates.commune_id
        and requests.created_date_local = holiday_dates.holiday_date
    left join requests_in_window
        on requests.commune_id = requests_in_window.commune_id
        and requests.request_id = requests_in_window.request_id

)

select * from flagged
