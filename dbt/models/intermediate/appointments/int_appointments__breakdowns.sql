{#
  Each appointment once per breakdown of the appointment KPIs: the commune as a whole ('all'), its
  service and its site, so that int_appointments__kpis computes every breakdown with one query. A
  missing service code or site is reported as 'unknown' (a breakdown value is never null).
#}

with

appointments as (

    select
        commune_id,
        appointment_id,
        service_code,
        site,
        is_online_booking,
        is_attended,
        is_no_show,
        is_cancelled,
        booked_date_local,
        slot_date_local,
        days_booking_to_slot

    from {{ ref('fct_appointments') }}

),

breakdowns as (

    select
        appointments.*,
        'all' as breakdown,
        'all' as breakdown_value

    from appointments

    union all

    select
        appointments.*,
        'service' as breakdown,
        coalesce(service_code, 'unknown') as breakdown_value

    from appointments

    union all

    select
        appointments.*,
        'site' as breakdown,
        coalesce(site, 'unknown') as breakdown_value

    from appointments

)

select
    commune_id,
    appointment_id,
    breakdown,
    breakdown_value,
    is_online_booking,
    is_attended,
    is_no_show,
    is_cancelled,
    booked_date_local,
    slot_date_local,
    days_booking_to_slot

from breakdowns
