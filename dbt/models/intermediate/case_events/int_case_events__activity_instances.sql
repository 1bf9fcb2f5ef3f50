{#
  Activity instances: the start and complete events of one execution of an activity in a case, paired
  first in, first out. A complete closes the oldest open start of the same activity in the case; a
  complete with no open start is an instance of its own (an instantaneous step, the usual case in logs
  that only record completions); a start never completed is an open instance.

  FIFO pairing without recursion, in two passes over a case's start (+1) and complete (-1) events of
  one activity in event order. Pass 1: the walk w_k (running sum) and the running counts of starts
  S_k and completes C_k. The number of open starts after event k is the walk reflected at zero,
  open_k = w_k - min(0, min over j <= k of w_j), so the completes that found no open start so far
  number U_k = -min(0, min over j <= k of w_j). Pass 2 (one more sort): a complete at k finds no open
  start exactly when its walk falls below every earlier one and below zero,
  w_k < min(0, min over j < k of w_j); otherwise it closes a start, and since starts are consumed in
  order it is the (C_k - U_k)-th matched complete and closes the (C_k - U_k)-th start (S_j = that
  rank). Other lifecycle transitions (schedule, suspend, resume...) form no instance.

  A case of completions only (int_case_events__ordered.is_completions_only_case, the usual log) has
  nothing to pair: each event is an instantaneous instance and its event_order is its instance_order.
  Only the other cases go through the pairing.
#}

with

completion_only_instances as (

    select
        commune_id,
        case_id,
        event_order as instance_order,
        process_code,
        activity,
        cast(null as {{ dbt.type_bigint() }}) as start_event_order,
        event_order as complete_event_order,
        event_at as started_at,
        event_at_local as started_at_local,
        event_at as completed_at,
        event_at_local as completed_at_local,
        false as has_start_event

    from {{ ref('int_case_events__ordered') }}
    where is_completions_only_case

),

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
    where not is_completions_only_case and lifecycle in ('start', 'complete')

),

walked as (

    select
        *,
        sum(case when lifecycle = 'start' then 1 else -1 end) over activity_events as walk,
        sum(case when lifecycle = 'start' then 1 else 0 end) over activity_events as starts_so_far,
        sum(case when lifecycle = 'complete' then 1 else 0 end) over activity_events as completes_so_far

    from events
    window activity_events as (
        partition by commune_id, case_id, activity
        order by event_order
        rows between unbounded preceding and current row
    )

),

matched as (

    select
        *,
        -- w_k < min(0, min over j < k of w_j); no earlier event: min(0, nothing) = 0
        walk >= least(0, coalesce(min(walk) over (
            activity_events rows between unbounded preceding and 1 preceding
        ), 0)) as closes_a_start,
        -- completes without an open start up to this event (U_k)
        -least(0, min(walk) over (
            activity_events rows between unbounded preceding and current row
        )) as unmatched_so_far

    from walked
    window activity_events as (partition by commune_id, case_id, activity order by event_order)

),

starts as (

    select
        *,
        starts_so_far as pairing_rank

    from matched
    where lifecycle = 'start'

),

matched_completes as (

    select
        *,
        completes_so_far - unmatched_so_far as pairing_rank

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

),

paired_instances as (

    select
        commune_id,
        case_id,
        row_number() over (
            partition by commune_id, case_id
            order by coalesce(start_event_order, complete_event_order)
        ) as instance_order,
        process_code,
        activity,
        start_event_order,
        complete_event_order,
        started_at,
        started_at_local,
        completed_at,
        completed_at_local,
        has_start_event

    from instances

),

all_instances as (

    select * from completion_only_instances
    union all
    select * from paired_instances

)

select
    commune_id,
    case_id,
    instance_order,
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

from all_instances
