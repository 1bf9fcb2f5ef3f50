{#
  The appointment KPIs of KPIS.md (Adoption) per commune, period and breakdown ('all', 'service',
  'site'), in the long KPI format of kpi_adoption, each with its numerator and denominator.

  Two calendars, as the city counts them:
    - by BOOKING date (the day the appointment was made): appointments_booked,
      appointments_online_share, appointments_cancellation_rate, appointments_booking_lead_days (mean)
      and appointments_booking_lead_days_median: a booking is a demand on the day it is made;
    - by SLOT date (the day of the appointment): appointments_no_show_rate = no-shows / (attended +
      no-shows): whether a citizen came is only known on the day of the slot. Cancelled and still
      booked (future) appointments are in neither term.
  Each calendar reports every day from the commune's first to its last date of that kind (days
  without appointments too: a zero count, ratios and means with a null value), for every breakdown
  value the commune has, and every period that contains one of those days.
#}

with

appointments as (

    select * from {{ ref('int_appointments__breakdowns') }}

),

breakdown_values as (

    select distinct
        commune_id,
        breakdown,
        breakdown_value

    from appointments

),

booking_dates as (

    {{ commune_date_spine('appointments', 'booked_date_local') }}

),

slot_dates as (

    {{ commune_date_spine('appointments', 'slot_date_local') }}

),

daily_bookings as (

    select
        booking_dates.commune_id,
        breakdown_values.breakdown,
        breakdown_values.breakdown_value,
        booking_dates.calendar_date,
        booking_dates.last_date,
        count(appointments.appointment_id) as booked,
        sum(case when appointments.is_online_booking then 1 else 0 end) as booked_online,
        sum(case when appointments.is_cancelled then 1 else 0 end) as cancelled,
        coalesce(sum(appointments.days_booking_to_slot), 0) as lead_days

    from booking_dates
    inner join breakdown_values
        on booking_dates.commune_id = breakdown_values.commune_id
    left join appointments
        on breakdown_values.commune_id = appointments.commune_id
        and breakdown_values.breakdown = appointments.breakdown
        and breakdown_values.breakdown_value = appointments.breakdown_value
        and booking_dates.calendar_date = appointments.booked_date_local
    group by
        booking_dates.commune_id,
        breakdown_values.breakdown,
        breakdown_values.breakdown_value,
        booking_dates.calendar_date,
        booking_dates.last_date

),

daily_slots as (

    select
        slot_dates.commune_id,
        breakdown_values.breakdown,
        breakdown_values.breakdown_value,
        slot_dates.calendar_date,
        slot_dates.last_date,
        sum(case when appointments.is_attended then 1 else 0 end) as attended,
        sum(case when appointments.is_no_show then 1 else 0 end) as no_shows

    from slot_dates
    inner join breakdown_values
        on slot_dates.commune_id = breakdown_values.commune_id
    left join appointments
        on breakdown_values.commune_id = appointments.commune_id
        and breakdown_values.breakdown = appointments.breakdown
        and breakdown_values.breakdown_value = appointments.breakdown_value
        and slot_dates.calendar_date = appointments.slot_date_local
    group by
        slot_dates.commune_id,
        breakdown_values.breakdown,
        breakdown_values.breakdown_value,
        slot_dates.calendar_date,
        slot_dates.last_date

),

daily_bookings_by_period as (

    {{ expand_to_periods('daily_bookings', 'calendar_date', last_date_column='last_date') }}

),

daily_slots_by_period as (

    {{ expand_to_periods('daily_slots', 'calendar_date', last_date_column='last_date') }}

),

period_bookings as (

    select
        {{ kpi_grain() }},
        sum(booked) as booked,
        sum(booked_online) as booked_online,
        sum(cancelled) as cancelled,
        sum(lead_days) as lead_days

    from daily_bookings_by_period
    group by
        {{ kpi_grain() }}

),

period_slots as (

    select
        {{ kpi_grain() }},
        sum(attended) as attended,
        sum(no_shows) as no_shows

    from daily_slots_by_period
    group by
        {{ kpi_grain() }}

),

-- the median is not additive: it is computed over the appointments of each period themselves
bookings_with_last_date as (

    select
        appointments.commune_id,
        appointments.breakdown,
        appointments.breakdown_value,
        appointments.booked_date_local,
        appointments.days_booking_to_slot,
        booking_bounds.last_date

    from appointments
    inner join (
        select
            commune_id,
            max(booked_date_local) as last_date

        from appointments
        group by commune_id
    ) as booking_bounds
        on appointments.commune_id = booking_bounds.commune_id

),

bookings_by_period as (

    {{ expand_to_periods('bookings_with_last_date', 'booked_date_local', last_date_column='last_date') }}

),

period_lead_day_medians as (

    select
        commune_id,
        breakdown,
        breakdown_value,
        period_type,
        period,
        percentile_cont(0.5) within group (order by days_booking_to_slot) as median_lead_days

    from bookings_by_period
    group by
        commune_id,
        breakdown,
        breakdown_value,
        period_type,
        period

),

booking_kpis as (

    select
        period_bookings.*,
        period_lead_day_medians.median_lead_days

    from period_bookings
    left join period_lead_day_medians
        on period_bookings.commune_id = period_lead_day_medians.commune_id
        and period_bookings.breakdown = period_lead_day_medians.breakdown
        and period_bookings.breakdown_value = period_lead_day_medians.breakdown_value
        and period_bookings.period_type = period_lead_day_medians.period_type
        and period_bookings.period = period_lead_day_medians.period

),

kpis as (

    {{ kpi_select('booking_kpis', 'appointments_booked', 'count', 'booked') }}

    union all

    {{ kpi_select('booking_kpis', 'appointments_online_share', 'share', 'booked_online', 'booked') }}

    union all

    {{ kpi_select('booking_kpis', 'appointments_cancellation_rate', 'share', 'cancelled', 'booked') }}

    union all

    {{ kpi_select('booking_kpis', 'appointments_booking_lead_days', 'days', 'lead_days', 'booked') }}

    union all

    {{ kpi_select('booking_kpis', 'appointments_booking_lead_days_median', 'days', none, 'booked',
                  value='median_lead_days') }}

    union all

    {{ kpi_select('period_slots', 'appointments_no_show_rate', 'share', 'no_shows', 'attended + no_shows') }}

)

select * from kpis
