{#
  Activity instances: the start and complete events of one execution of an activity in a case, paired
  first in, first out. A complete closes the oldest open start of the same activity in the case; a
  complete with no open start is an instance of its own (an instantaneous step, the usual case in logs
  that only record completions); a start never completed is an open instance.

  FIFO pairing without recursion: walking a case's start (+1) and complete (-1) events of one activity
  in event order, the number of open starts after event k is the walk reflected at zero,
  open_k = walk_k - min(0, min over j <= k of walk_j). A complete is matched when open_(k-1) > 0, and
  since starts are consumed in order, the m-th matched complete closes the m-th start.
  Other lifecycle transitions (schedule, suspend, resume...) form no instance.
#}

with

events as (

    select
        commune_id,
        case_id,
        event_order,
        process_code,
        activity,
        lifecycle,
        event_at,
        event_at_local

    from {{ ref('int_case_events__ordered') }}
    where lifecycle in ('start', 'complete')

),

walked as (

    select
        *,
        sum(case when lifecycle = 'start' then 1 else -1 end) over (
            partition by commune_id, case_id, activity
            order by event_order
            rows between unbounded preceding and current row
        ) as walk

    from events

),

reflected as (

    select
        *,
        walk - least(0, min(walk) over (
            partition by commune_id, case_id, activity
            order by event_order
            rows between unbounded preceding and current row
        )) as open_after

    from walked

),

matched as (

    select
        *,
        coalesce(lag(open_after) over (
            partition by commune_id, case_id, activity
            order by event_order
        ), 0) > 0 as closes_a_start

    from reflected

),

starts as (

    select
        *,
        row_number() over (partition by commune_id, case_id, activity order by event_order) as pairing_rank

    from matched
    where lifecycle = 'start'

),

matched_completes as (

    select
        *,
        row_number() over (partition by commune_id, case_id, activity order by event_order) as pairing_rank

    from matched
    where lifecycle = 'complete' and closes_a_start

),

-- started instances, completed (paired) or still open
started_instances as (

    select
        starts.commune_id,
        starts.case_id,
        starts.process_code,
        starts.activity,
        starts.event_order as start_event_order,
        matched_completes.event_order as complete_event_order,
        starts.event_at as started_at,
        starts.event_at_local as started_at_local,
        matched_completes.event_at as completed_at,
        matched_completes.event_at_local as completed_at_local,
        true as has_start_event

    from starts
    left join matched_completes
        on starts.commune_id = matched_completes.commune_id
        and starts.case_id = matched_completes.case_id
        and starts.activity = matched_completes.activity
        and starts.pairing_rank = matched_completes.pairing_rank

),

-- completes without an open start: instantaneous steps
instant_instances as (

    select
        commune_id,
        case_id,
        process_code,
        activity,
        cast(null as {{ dbt.type_bigint() }}) as start_event_order,
        event_order as complete_event_order,
        event_at as started_at,
        event_at_local as started_at_local,
        event_at as completed_at,
        event_at_local as completed_at_local,
        false as has_start_event

    from matched
    where lifecycle = 'complete' and not closes_a_start

),

instances as (

    select * from started_instances
    union all
    select * from instant_instances

)

select
    commune_id,
    case_id,
    row_number() over (
        partition by commune_id, case_id
        order by coalesce(start_event_order, complete_event_order)
    ) as instance_order,
    process_code,
    activity,
    started_at,
    started_at_local,
    completed_at,
    completed_at_local,
    start_event_order,
    complete_event_order,
    has_start_event,
    completed_at is not null as is_completed,
    -- work time: only where the log records both the start and the completion
    case
        when has_start_event and completed_at is not null
            then {{ seconds_between('started_at', 'completed_at') }}
    end as activity_duration_seconds

from instances
