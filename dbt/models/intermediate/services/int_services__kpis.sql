{#
  The service-catalogue adoption KPIs of KPIS.md per commune and period, in the long KPI format (see
  kpi_adoption, which unions it with the other adoption KPIs):

  - services_digital_share: services online on the period's last day / services active that day
    (int_services__availability_by_day), read at period_end: the day itself, the week's Sunday, the
    month, quarter and year end, the end of the rolling window. The catalogue is known for any date,
    so a period that ends after the last request day is still read at its own end.
  - services_digital_share_weighted: requests of the period whose service was online on the request's
    local creation day / requests of the period whose service is in the commune's catalogue. Requests
    with no service code, or a code the catalogue does not know, are in neither term: they are
    counted in unknown_service_requests (a data-quality count).
  - launch_adoption (breakdown 'service'): the digital take-up of a service over its first 30 days
    online (int_services__launches), reported unchanged in every period that contains its launch
    day; `detail` gives the window, and says when the data ends inside it.

  Periods are those of int_requests__kpis: every day from the commune's first to its last request day,
  and every period containing one of them (rolling windows up to the last month of data).
#}

with

requests as (

    select
        commune_id,
        request_id,
        service_code,
        created_date_local,
        is_digital,
        is_known_channel

    from {{ ref('fct_requests') }}

),

availability as (

    select * from {{ ref('int_services__availability_by_day') }}

),

commune_dates as (

    {{ commune_date_spine('requests', 'created_date_local') }}

),

-- services_digital_share ---------------------------------------------------------------------------

periods as (

    select distinct
        commune_id,
        period_type,
        period,
        period_start,
        period_end

    from (
        {{ expand_to_periods('commune_dates', 'calendar_date', last_date_column='last_date') }}
    ) as dates_by_period

),

catalogue_at_period_end as (

    select
        {{ kpi_grain('periods', with_breakdown=false) }},
        sum(case when availability.is_online then 1 else 0 end) as online_services,
        sum(case when availability.is_active then 1 else 0 end) as active_services

    from periods
    left join availability
        on periods.commune_id = availability.commune_id
        and periods.period_end = availability.calendar_date
    group by
        {{ kpi_grain('periods', with_breakdown=false) }}

),

-- services_digital_share_weighted and unknown_service_requests --------------------------------------

requests_with_availability as (

    select
        requests.commune_id,
        requests.created_date_local,
        -- a known service: the commune's catalogue lists it (availability has a row for every
        -- catalogue service and every request day)
        availability.service_code is not null as is_known_service,
        coalesce(availability.is_online, false) as is_service_online

    from requests
    left join availability
        on requests.commune_id = availability.commune_id
        and requests.service_code = availability.service_code
        and requests.created_date_local = availability.calendar_date

),

daily_service_counts as (

    select
        commune_dates.commune_id,
        commune_dates.calendar_date,
        commune_dates.last_date,
        sum(case when requests_with_availability.is_known_service then 1 else 0 end) as known_service_requests,
        sum(case when requests_with_availability.is_service_online then 1 else 0 end) as online_service_requests,
        sum(case when requests_with_availability.is_known_service = false then 1 else 0 end)
            as unknown_service_requests

    from commune_dates
    left join requests_with_availability
        on commune_dates.commune_id = requests_with_availability.commune_id
        and commune_dates.calendar_date = requests_with_availability.created_date_local
    group by
        commune_dates.commune_id,
        commune_dates.calendar_date,
        commune_dates.last_date

),

daily_service_counts_by_period as (

    {{ expand_to_periods('daily_service_counts', 'calendar_date', last_date_column='last_date') }}

),

period_service_counts as (

    select
        {{ kpi_grain(with_breakdown=false) }},
        sum(known_service_requests) as known_service_requests,
        sum(online_service_requests) as online_service_requests,
        sum(unknown_service_requests) as unknown_service_requests

    from daily_service_counts_by_period
    group by
        {{ kpi_grain(with_breakdown=false) }}

),

-- launch_adoption ----------------------------------------------------------------------------------

launches as (

    select * from {{ ref('int_services__launches') }}

),

launch_counts_by_period as (

    {{ expand_to_periods('launches', 'launch_date', last_date_column='last_request_date') }}

),

-- the long KPI format ------------------------------------------------------------------------------

-- launch_adoption's detail: the launch, its window, and whether the data ends inside it
{%- set launch_window_detail %}
        'launch ' || cast(launch_date as {{ dbt.type_string() }})
            || '; window ' || cast(launch_date as {{ dbt.type_string() }})
            || ' to ' || cast(window_last_date as {{ dbt.type_string() }})
            || case
                when window_last_date > last_request_date
                    then '; incomplete: the data ends on ' || cast(last_request_date as {{ dbt.type_string() }})
                else ''
            end
{%- endset %}

kpis as (

    {{ kpi_select('catalogue_at_period_end', 'services_digital_share', 'share',
                  'online_services', 'active_services', breakdown="'all'", breakdown_value="'all'") }}

    union all

    {{ kpi_select('period_service_counts', 'services_digital_share_weighted', 'share',
                  'online_service_requests', 'known_service_requests',
                  breakdown="'all'", breakdown_value="'all'") }}

    union all

    {{ kpi_select('period_service_counts', 'unknown_service_requests', 'count',
                  'unknown_service_requests', breakdown="'all'", breakdown_value="'all'") }}

    union all

    {{ kpi_select('launch_counts_by_period', 'launch_adoption', 'share',
                  'digital_requests', 'known_channel_requests',
                  breakdown="'service'", breakdown_value='service_code', detail=launch_window_detail) }}

)

select * from kpis
