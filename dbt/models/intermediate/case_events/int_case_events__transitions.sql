{#
  Directly-follows transitions of each case: activity instance k (from) followed by instance k + 1
  (to), in instance order. The wait is the time from the end of `from` (its completion, or its start
  while open) to the start of `to` (its completion for an instantaneous step): the time the case
  waited, apart from the work of either activity (activity_duration). In a log of completions only it
  is the time between the two events, as process-mining tools compute it. Overlapping instances
  (parallel work) wait 0 seconds rather than a negative time. The process of a case is the one of its
  first event.

  A case of completions only (int_case_events__ordered.is_completions_only_case) has its instances
  one for one with its events: its transitions are each event with the previous one, which
  int_case_events__ordered already carries (no sort, no join). The other cases pair each instance
  with the next one.
#}

with

completion_only_pairs as (

    select
        commune_id,
        case_id,
        event_order - 1 as transition_order,
        case_process_code as process_code,
        previous_activity as from_activity,
        activity as to_activity,
        previous_event_at as from_at,
        event_at as to_at,
        event_at_local as to_at_local

    from {{ ref('int_case_events__ordered') }}
    where is_completions_only_case and event_order > 1

),

-- the cases with other lifecycles than completions, with their process
paired_cases as (

    select
        commune_id,
        case_id,
        case_process_code as process_code

    from {{ ref('int_case_events__ordered') }}
    where not is_completions_only_case and event_order = 1

),

instances as (

    select
        instances.commune_id,
        instances.case_id,
        instances.instance_order,
        paired_cases.process_code,
        instances.activity,
        instances.started_at,
        instances.started_at_local,
        coalesce(instances.completed_at, instances.started_at) as ended_at

    from {{ ref('int_case_events__activity_instances') }} as instances
    inner join paired_cases
        on instances.commune_id = paired_cases.commune_id
        and instances.case_id = paired_cases.case_id

),

-- a hash self-join on the next instance_order: measured faster than lead(), which sorts the instances
paired_pairs as (

    select
        from_instance.commune_id,
        from_instance.case_id,
        from_instance.instance_order as transition_order,
        from_instance.process_code,
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

),

pairs as (

    select * from completion_only_pairs
    union all
    select * from paired_pairs

)

select
    commune_id,
    case_id,
    transition_order,
    process_code,
    from_activity,
    to_activity,
    from_activity || ' -> ' || to_activity as transition,
    from_at,
    to_at,
    to_at_local,
    cast(to_at_local as date) as to_date_local,
    greatest({{ seconds_between('from_at', 'to_at') }}, 0.0) as wait_seconds

from pairs
