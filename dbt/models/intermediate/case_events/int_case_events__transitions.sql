{#
  Directly-follows transitions of each case: activity instance k (from) followed by instance k + 1
  (to), in instance order. The wait is the time from the end of `from` (its completion, or its start
  while open) to the start of `to` (its completion for an instantaneous step): the time the case
  waited, apart from the work of either activity (activity_duration). In a log of completions only it
  is the time between the two events, as process-mining tools compute it. Overlapping instances
  (parallel work) wait 0 seconds rather than a negative time.
#}

with

instances as (

    select
        commune_id,
        case_id,
        instance_order,
        process_code,
        activity,
        started_at,
        started_at_local,
        coalesce(completed_at, started_at) as ended_at,
        coalesce(completed_at_local, started_at_local) as ended_at_local

    from {{ ref('int_case_events__activity_instances') }}

),

-- the process of a case is the one of its first event
cases as (

    select
        commune_id,
        case_id,
        process_code

    from {{ ref('int_case_events__ordered') }}
    where event_order = 1

),

pairs as (

    select
        from_instance.commune_id,
        from_instance.case_id,
        from_instance.instance_order as transition_order,
        from_instance.activity as from_activity,
        to_instance.activity as to_activity,
        from_instance.ended_at as from_at,
        to_instance.started_at as to_at,
        to_instance.started_at_local as to_at_local

    from instances as from_instance
    inner join instances as to_instance
        on from_instance.commune_id = to_instance.commune_id
        and from_instance.case_id = to_instance.case_id
        and to_instance.instance_order = from_instance.instance_order + 1

)

select
    pairs.commune_id,
    pairs.case_id,
    pairs.transition_order,
    cases.process_code,
    pairs.from_activity,
    pairs.to_activity,
    pairs.from_activity || ' -> ' || pairs.to_activity as transition,
    pairs.from_at,
    pairs.to_at,
    pairs.to_at_local,
    cast(pairs.to_at_local as date) as to_date_local,
    greatest({{ seconds_between('pairs.from_at', 'pairs.to_at') }}, 0.0) as wait_seconds

from pairs
left join cases
    on pairs.commune_id = cases.commune_id
    and pairs.case_id = cases.case_id
