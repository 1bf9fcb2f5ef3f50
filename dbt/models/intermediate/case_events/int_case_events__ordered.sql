{#
  The case events in their order within each case (event_order 1, 2, ...), each flagged when its
  activity closes its process (configuration: communes[].processes.<code>.closing_activities).

  Ties in event time are broken deterministically: a closing activity comes after the other events
  of the same instant (so that a case closed at the instant its last step completes reads as closed),
  then start before other lifecycles before complete (a zero-length activity starts before it
  completes), then activity name, then lifecycle. The key of an event (activity, lifecycle, time)
  makes the order total.

  Everything per case comes out of the one window that numbers the events (a single sort of the
  events): the last event, the case's process (its first event's), whether the case holds only
  completions, and the previous event. In a case of completions only (the usual log) the activity
  instances are the events one for one and the directly-follows pairs are consecutive events, so the
  downstream models need no pairing, no other sort and no self-join for those cases.
#}

with

events as (

    select
        commune_id,
        case_id,
        request_id,
        process_code,
        activity,
        lifecycle,
        event_at,
        event_at_local,
        event_date_local,
        resource_key

    from {{ ref('stg_bronze__case_events') }}

),

closing_activities as (

    select
        commune_id,
        process_code,
        activity

    from {{ ref('stg_bronze__process_closing_activities') }}

),

flagged as (

    select
        events.*,
        closing_activities.activity is not null as is_closing_activity

    from events
    left join closing_activities
        on events.commune_id = closing_activities.commune_id
        and events.process_code = closing_activities.process_code
        and events.activity = closing_activities.activity

),

ordered as (

    select
        commune_id,
        case_id,
        row_number() over case_events as event_order,
        request_id,
        process_code,
        activity,
        lifecycle,
        event_at,
        event_at_local,
        event_date_local,
        resource_key,
        is_closing_activity,
        not lead(true, 1, false) over case_events as is_last_event,
        first_value(process_code) over case_events as case_process_code,
        bool_and(coalesce(lifecycle = 'complete', false)) over (partition by commune_id, case_id)
            as is_completions_only_case,
        lag(activity) over case_events as previous_activity,
        lag(event_at) over case_events as previous_event_at

    from flagged
    window case_events as (
        partition by commune_id, case_id
        order by
            event_at,
            case when is_closing_activity then 1 else 0 end,
            case lifecycle when 'start' then 0 when 'complete' then 2 else 1 end,
            activity,
            lifecycle
    )

)

select * from ordered
