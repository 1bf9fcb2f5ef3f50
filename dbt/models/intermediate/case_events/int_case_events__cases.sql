{#
  One row per case: its first and last event, duration, process, request (channel, service, SLA),
  whether and when it closed, and its variant (the sequence of its activity instances).

  A case is closed (KPIS.md) when its last event is a closing activity of its process, or when its
  request has a closing time. The closing time is then the time of that last event, else the
  request's closed_at. lead_time = closing time - first event time; case_duration = last event time
  - first event time, for every case, closed or not (the figure process-mining tools report).
#}

with

events as (

    select * from {{ ref('int_case_events__ordered') }}

),

instances as (

    select
        commune_id,
        case_id,
        instance_order,
        activity

    from {{ ref('int_case_events__activity_instances') }}

),

requests as (

    select
        commune_id,
        request_id,
        service_code,
        channel,
        closed_at

    from {{ ref('fct_requests') }}

),

services as (

    select
        commune_id,
        service_code,
        sla_days

    from {{ ref('stg_bronze__services') }}

),

communes as (

    select
        commune_id,
        timezone

    from {{ ref('stg_bronze__communes') }}

),

first_events as (

    select
        commune_id,
        case_id,
        request_id,
        process_code,
        event_at as first_event_at,
        event_at_local as first_event_at_local,
        event_date_local as first_event_date_local

    from events
    where event_order = 1

),

last_events as (

    select
        commune_id,
        case_id,
        event_order as event_count,
        activity as last_activity,
        lifecycle as last_lifecycle,
        event_at as last_event_at,
        event_date_local as last_event_date_local,
        is_closing_activity as ends_with_closing_activity

    from events
    where is_last_event

),

variants as (

    select
        commune_id,
        case_id,
        count(*) as activity_instance_count,
        {{ dbt.listagg('activity', "' -> '", 'order by instance_order') }} as variant

    from instances
    group by
        commune_id,
        case_id

),

joined as (

    select
        first_events.commune_id,
        first_events.case_id,
        first_events.request_id,
        coalesce(first_events.process_code, 'unknown') as process_code,
        coalesce(requests.channel, 'unknown') as channel,
        requests.service_code,
        services.sla_days,
        first_events.first_event_at,
        first_events.first_event_at_local,
        first_events.first_event_date_local,
        last_events.last_event_at,
        last_events.last_event_date_local,
        last_events.last_activity,
        last_events.last_lifecycle,
        last_events.event_count,
        variants.activity_instance_count,
        variants.variant,
        {{ seconds_between('first_events.first_event_at', 'last_events.last_event_at') }}
            as case_duration_seconds,
        case
            when last_events.ends_with_closing_activity then 'closing_activity'
            when requests.closed_at is not null then 'request'
        end as closed_by,
        case
            when last_events.ends_with_closing_activity then last_events.last_event_at
            else requests.closed_at
        end as closed_at,
        communes.timezone

    from first_events
    inner join last_events
        on first_events.commune_id = last_events.commune_id
        and first_events.case_id = last_events.case_id
    left join variants
        on first_events.commune_id = variants.commune_id
        and first_events.case_id = variants.case_id
    left join requests
        on first_events.commune_id = requests.commune_id
        and first_events.request_id = requests.request_id
    left join services
        on requests.commune_id = services.commune_id
        and requests.service_code = services.service_code
    left join communes
        on first_events.commune_id = communes.commune_id

),

measured as (

    select
        *,
        closed_at is not null as is_closed,
        cast({{ to_local_timestamp('closed_at', 'timezone') }} as date) as closed_date_local,
        case
            when closed_at is not null then {{ seconds_between('first_event_at', 'closed_at') }}
        end as lead_time_seconds

    from joined

)

select
    commune_id,
    case_id,
    request_id,
    process_code,
    channel,
    service_code,
    sla_days,
    first_event_at,
    first_event_at_local,
    first_event_date_local,
    last_event_at,
    last_event_date_local,
    last_activity,
    last_lifecycle,
    event_count,
    activity_instance_count,
    variant,
    case_duration_seconds,
    case_duration_seconds / 86400.0 as case_duration_days,
    is_closed,
    closed_by,
    closed_at,
    closed_date_local,
    lead_time_seconds,
    lead_time_seconds / 86400.0 as lead_time_days,
    -- SLA in calendar days: met when the lead time is at most sla_days x 24 h (to the millisecond)
    case
        when is_closed and sla_days is not null then lead_time_seconds <= sla_days * 86400.0
    end as is_within_sla

from measured
