{#
  Appointments, one row per commune and appointment (gold `fct_appointments`), with the local dates
  the adoption KPIs count them on: the booking date (online share, cancellation rate, lead days) and
  the slot date (no-show rate), and the flags those KPIs add up.
#}

{{
    config(
        materialized='incremental',
        unique_key=['commune_id', 'appointment_id'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook="{{ delete_incremental_window('booked_date_local', 'appointment') }}"
    )
}}


with

appointments as (

    select * from {{ ref('stg_bronze__appointments') }}

),

dated as (

    select
        *,
        cast(slot_start_local as date) as slot_date_local

    from appointments

)

select
    commune_id,
    appointment_id,
    service_code,
    site,
    booking_channel,
    booking_channel = 'online' as is_online_booking,
    status,
    status = 'attended' as is_attended,
    status = 'no-show' as is_no_show,
    status = 'cancelled' as is_cancelled,
    booked_at,
    booked_at_local,
    booked_date_local,
    slot_start,
    slot_start_local,
    slot_date_local,
    slot_end,
    slot_end_local,
    -- local calendar days, not 24-hour spans: booked Monday 23:00 for Tuesday 08:00 is 1 day
    cast({{ dbt.datediff('booked_date_local', 'slot_date_local', 'day') }} as integer) as days_booking_to_slot,
    citizen_key,
    -- when the row reached bronze: what a run without a window of days merges from
    bronze_ingested_at

from dated
where {{ incremental_window_filter('booked_date_local') }}
